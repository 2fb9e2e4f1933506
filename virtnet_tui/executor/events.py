"""The journal's events: one frozen dataclass per kind, each written as one JSON object a line.

Every writer builds one of these and hands it to ``Recorder.emit`` (or ``RunDir.append``);
every reader gets them back from ``RunDir.events()`` or ``event_from_json``. A field's
place in its class is its place in the JSON object: the journal stays byte for byte
what earlier versions wrote, so their run directories still read.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

#: Field metadata: leave the key out of the JSON object while the value is ``None``.
OMIT_NONE = "omit_none"

E = TypeVar("E", bound="Event")


class BadRecord(ValueError):
    """A journal record that is not an event: not an object, no name, or bad fields."""


# --- values inside events ----------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    """Something an undo could not put back, and how to finish it by hand."""

    stage: int
    step: int | None
    """The step number, or ``None`` for a stage's ``after_undo`` commands."""
    what: str
    error: str
    manual: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "step": self.step,
            "what": self.what,
            "error": self.error,
            "manual": list(self.manual),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Leftover:
        step = data["step"]
        return cls(
            stage=_int(data["stage"]),
            step=None if step is None else _int(step),
            what=_str(data["what"]),
            error=_str(data["error"]),
            manual=tuple(_str(m) for m in _list(data["manual"])),
        )


@dataclass(frozen=True)
class HostMeta:
    """The host a run acted on, as ``run-start`` and ``rollback-start`` record it."""

    kind: str
    root: str
    netns: str
    describe: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "root": self.root,
            "netns": self.netns,
            "describe": self.describe,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HostMeta:
        return cls(
            kind=_str(data["kind"]),
            root=_str(data["root"]),
            netns=_str(data["netns"]),
            describe=_str(data["describe"]),
        )


# --- the events --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Event:
    """What every event has: its name (per class), when it was written, and by whom."""

    EVENT: ClassVar[str] = ""
    time: str = ""
    """UTC, ISO 8601 with milliseconds; ``RunDir.append`` stamps it."""
    by: str = ""
    """Who wrote the event when it was not the wizard itself (``guard``)."""

    @property
    def event(self) -> str:
        """The event's name in the journal (``step-done``...)."""
        return self.EVENT

    def to_json(self) -> dict[str, Any]:
        """The journal's JSON object: ``event``, ``time``, the fields in order, then ``by``."""
        record: dict[str, Any] = {"event": self.event, "time": self.time}
        for spec in fields(self):
            if spec.name in ("time", "by"):
                continue
            value = getattr(self, spec.name)
            if value is None and spec.metadata.get(OMIT_NONE):
                continue
            record[spec.name] = _encode(value)
        if self.by:
            record["by"] = self.by
        return record


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(Event):
    """A record this version cannot read: a name it does not know, or a known one with
    bad fields (``problem`` says what). Readers pass over it; it is written back as read."""

    record: dict[str, Any]
    problem: str = ""

    @property
    def event(self) -> str:
        name = self.record.get("event", "")
        return name if isinstance(name, str) else ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.record)


# Opening an invocation (each carries the invocation's token).


@dataclass(frozen=True, kw_only=True)
class RunStart(Event):
    EVENT: ClassVar[str] = "run-start"
    run_id: str
    pid: int
    token: str
    host: HostMeta
    stages: int
    steps: int
    yes: bool
    confirm_timeout: float
    fault: str


@dataclass(frozen=True, kw_only=True)
class Resume(Event):
    EVENT: ClassVar[str] = "resume"
    pid: int
    token: str
    from_step: int
    from_stage: int


@dataclass(frozen=True, kw_only=True)
class RollbackStart(Event):
    EVENT: ClassVar[str] = "rollback-start"
    pid: int
    token: str
    host: HostMeta


# Stages and steps.


@dataclass(frozen=True, kw_only=True)
class StageStart(Event):
    EVENT: ClassVar[str] = "stage-start"
    stage: int
    name: str
    risky: bool
    steps: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class FirewallWarning(Event):
    EVENT: ClassVar[str] = "firewall-warning"
    stage: int
    text: str


@dataclass(frozen=True, kw_only=True)
class StepStart(Event):
    EVENT: ClassVar[str] = "step-start"
    step: int
    stage: int
    kind: str
    what: str
    before: dict[str, Any]
    """What the step's undo needs to know of the state before it."""


@dataclass(frozen=True, kw_only=True)
class StepDone(Event):
    EVENT: ClassVar[str] = "step-done"
    step: int
    stage: int
    kind: str
    what: str
    output: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class StepFailed(Event):
    EVENT: ClassVar[str] = "step-failed"
    step: int
    stage: int
    kind: str
    what: str
    ran: bool
    """Whether the step ran at all (an injected fault fails it before)."""
    error: str
    output: dict[str, Any] | None = field(default=None, metadata={OMIT_NONE: True})
    """The command's output; absent when the step did not run."""


@dataclass(frozen=True, kw_only=True)
class CheckEvent(Event):
    """One check of a stage after its steps; the class says how it went."""

    stage: int
    check: dict[str, Any]
    """The plan's ``Check.to_json()``."""
    what: str
    detail: str

    @property
    def ok(self) -> bool:
        return not isinstance(self, CheckFailed)


@dataclass(frozen=True, kw_only=True)
class CheckOk(CheckEvent):
    EVENT: ClassVar[str] = "check-ok"


@dataclass(frozen=True, kw_only=True)
class CheckFailed(CheckEvent):
    EVENT: ClassVar[str] = "check-failed"


@dataclass(frozen=True, kw_only=True)
class CheckSkipped(CheckEvent):
    EVENT: ClassVar[str] = "check-skipped"


#: The check event for each outcome of ``stage_checks.run_check``.
CHECK_EVENTS: dict[str, type[CheckEvent]] = {
    "ok": CheckOk,
    "failed": CheckFailed,
    "skipped": CheckSkipped,
}


@dataclass(frozen=True, kw_only=True)
class ConfirmAsked(Event):
    EVENT: ClassVar[str] = "confirm-asked"
    stage: int
    timeout: float


@dataclass(frozen=True, kw_only=True)
class Confirmed(Event):
    EVENT: ClassVar[str] = "confirmed"
    stage: int
    how: str


@dataclass(frozen=True, kw_only=True)
class ConfirmRefused(Event):
    EVENT: ClassVar[str] = "confirm-refused"
    stage: int


@dataclass(frozen=True, kw_only=True)
class Checkpoint(Event):
    EVENT: ClassVar[str] = "checkpoint"
    stage: int
    name: str


@dataclass(frozen=True, kw_only=True)
class StageFailed(Event):
    EVENT: ClassVar[str] = "stage-failed"
    stage: int
    step: int | None
    """The failing step, or ``None`` (a check, the confirmation, the guard)."""
    reason: str


# The guard of a risky stage.


@dataclass(frozen=True, kw_only=True)
class GuardArmed(Event):
    EVENT: ClassVar[str] = "guard-armed"
    stage: int
    pid: int
    timeout: float


@dataclass(frozen=True, kw_only=True)
class GuardReleased(Event):
    EVENT: ClassVar[str] = "guard-released"
    stage: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class NmCheckpointCreated(Event):
    """NetworkManager rolls back by itself at ``timeout`` seconds unless pushed or destroyed."""

    EVENT: ClassVar[str] = "nm-checkpoint"
    stage: int
    path: str
    timeout: float


@dataclass(frozen=True, kw_only=True)
class NmCheckpointFailed(Event):
    """No checkpoint could be taken (or destroyed): the guard alone protects the stage."""

    EVENT: ClassVar[str] = "nm-checkpoint-failed"
    stage: int
    error: str


@dataclass(frozen=True, kw_only=True)
class NmCheckpointDestroyed(Event):
    EVENT: ClassVar[str] = "nm-checkpoint-destroyed"
    stage: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class GuardTimeout(Event):
    EVENT: ClassVar[str] = "guard-timeout"
    stage: int
    pid: int


@dataclass(frozen=True, kw_only=True)
class GuardReverted(Event):
    EVENT: ClassVar[str] = "guard-reverted"
    stage: int
    name: str


@dataclass(frozen=True, kw_only=True)
class GuardRevertIncomplete(Event):
    EVENT: ClassVar[str] = "guard-revert-incomplete"
    stage: int
    leftovers: tuple[Leftover, ...]


# Undo.


@dataclass(frozen=True, kw_only=True)
class UndoStart(Event):
    EVENT: ClassVar[str] = "undo-start"
    step: int
    stage: int
    what: str


@dataclass(frozen=True, kw_only=True)
class UndoDone(Event):
    EVENT: ClassVar[str] = "undo-done"
    step: int
    stage: int
    what: str
    notes: tuple[str, ...]

    @property
    def left_as_is(self) -> bool:
        """The step had nothing to undo: what it did stays."""
        return any(note.startswith("nothing to undo") for note in self.notes)


@dataclass(frozen=True, kw_only=True)
class UndoFailed(Event):
    EVENT: ClassVar[str] = "undo-failed"
    step: int
    stage: int
    what: str
    error: str
    manual: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AfterUndoDone(Event):
    EVENT: ClassVar[str] = "after-undo-done"
    stage: int
    commands: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, kw_only=True)
class AfterUndoFailed(Event):
    EVENT: ClassVar[str] = "after-undo-failed"
    stage: int
    error: str
    manual: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class StageUndone(Event):
    EVENT: ClassVar[str] = "stage-undone"
    stage: int
    name: str


# Ending an invocation.


@dataclass(frozen=True, kw_only=True)
class RunDone(Event):
    EVENT: ClassVar[str] = "run-done"
    checkpoints: int


@dataclass(frozen=True, kw_only=True)
class RunRolledBack(Event):
    EVENT: ClassVar[str] = "run-rolled-back"
    reason: str


@dataclass(frozen=True, kw_only=True)
class RunPartial(Event):
    EVENT: ClassVar[str] = "run-partial"
    reason: str
    kept: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class RunRollbackIncomplete(Event):
    EVENT: ClassVar[str] = "run-rollback-incomplete"
    reason: str
    leftovers: tuple[Leftover, ...]


@dataclass(frozen=True, kw_only=True)
class RollbackDone(Event):
    EVENT: ClassVar[str] = "rollback-done"


@dataclass(frozen=True, kw_only=True)
class RollbackIncomplete(Event):
    EVENT: ClassVar[str] = "rollback-incomplete"
    leftovers: tuple[Leftover, ...]


#: Every kind of event the journal holds.
EVENT_TYPES: tuple[type[Event], ...] = (
    RunStart,
    Resume,
    RollbackStart,
    StageStart,
    FirewallWarning,
    StepStart,
    StepDone,
    StepFailed,
    CheckOk,
    CheckFailed,
    CheckSkipped,
    ConfirmAsked,
    Confirmed,
    ConfirmRefused,
    Checkpoint,
    StageFailed,
    GuardArmed,
    GuardReleased,
    NmCheckpointCreated,
    NmCheckpointFailed,
    NmCheckpointDestroyed,
    GuardTimeout,
    GuardReverted,
    GuardRevertIncomplete,
    UndoStart,
    UndoDone,
    UndoFailed,
    AfterUndoDone,
    AfterUndoFailed,
    StageUndone,
    RunDone,
    RunRolledBack,
    RunPartial,
    RunRollbackIncomplete,
    RollbackDone,
    RollbackIncomplete,
)

#: Events that start an invocation working on the run.
OPENING_TYPES = (RunStart, Resume, RollbackStart)
Opening = RunStart | Resume | RollbackStart

#: Events that end a guard's watch over its stage.
GUARD_END_TYPES = (GuardReleased, GuardReverted, GuardRevertIncomplete)


# --- decoding ----------------------------------------------------------------------------


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {value!r}")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, not {value!r}")
    return value


def _float(value: object) -> float:
    # An int stays an int, so that the record is written back as it was read.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, not {value!r}")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, not {value!r}")
    return value


def _dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, not {value!r}")
    return dict(value)


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, not {value!r}")
    return value


Decoder = Callable[[Any], Any]
_SCALARS: dict[object, Decoder] = {str: _str, int: _int, float: _float, bool: _bool}


def _decoder(hint: Any) -> Decoder:
    """How to read a JSON value into a field of type ``hint``."""
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict:
        return _dict
    if origin is tuple:
        item = _decoder(args[0])
        return lambda value: tuple(item(v) for v in _list(value))
    if origin is types.UnionType and len(args) == 2 and type(None) in args:
        inner = _decoder(next(a for a in args if a is not type(None)))
        return lambda value: None if value is None else inner(value)
    from_json = getattr(hint, "from_json", None)
    if from_json is not None:
        return lambda value: from_json(_dict(value))
    raise TypeError(f"no way to read a journal field of type {hint!r}")


@dataclass(frozen=True)
class _FieldReader:
    name: str
    read: Decoder
    required: bool


def _readers(cls: type[Event]) -> tuple[_FieldReader, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        _FieldReader(
            spec.name,
            _decoder(hints[spec.name]),
            spec.default is MISSING and spec.default_factory is MISSING,
        )
        for spec in fields(cls)
    )


#: The decoder's registry: each event's class and how to read its fields, by event name.
_REGISTRY: dict[str, tuple[type[Event], tuple[_FieldReader, ...]]] = {
    cls.EVENT: (cls, _readers(cls)) for cls in EVENT_TYPES
}


def event_from_json(record: object) -> Event:
    """The event a journal record holds; the inverse of ``Event.to_json``.

    A name this version does not know gives an ``UnknownEvent`` (kept as it is).

    Raises:
        BadRecord: the record is not a JSON object, has no event name, or a field of
            a known event is missing or of the wrong type.
    """
    if not isinstance(record, Mapping):
        raise BadRecord(f"a journal record must be a JSON object, not {record!r}")
    name = record.get("event")
    if not isinstance(name, str) or not name:
        raise BadRecord(f"a journal record without an event name: {dict(record)!r}")
    known = _REGISTRY.get(name)
    if known is None:
        return _unknown(record, "")
    cls, readers = known
    values: dict[str, Any] = {}
    for reader in readers:
        if reader.name not in record:
            if reader.required:
                raise BadRecord(f"a {name!r} event without its {reader.name!r} field")
            continue
        try:
            values[reader.name] = reader.read(record[reader.name])
        except (TypeError, ValueError, KeyError) as exc:
            raise BadRecord(f"a {name!r} event with a bad {reader.name!r} field: {exc}") from None
    return cls(**values)


def read_event(record: object) -> Event | None:
    """Like ``event_from_json``, but a bad JSON object becomes an ``UnknownEvent`` that
    says why, and anything else ``None``: one damaged line must not stop a reader."""
    try:
        return event_from_json(record)
    except BadRecord as exc:
        return _unknown(record, str(exc)) if isinstance(record, Mapping) else None


def _unknown(record: Mapping[str, Any], problem: str) -> UnknownEvent:
    time, by = record.get("time", ""), record.get("by", "")
    return UnknownEvent(
        record=dict(record),
        problem=problem,
        time=time if isinstance(time, str) else "",
        by=by if isinstance(by, str) else "",
    )


def _encode(value: object) -> object:
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return dict(value)
    to_json = getattr(value, "to_json", None)
    if to_json is not None:
        return to_json()
    return value
