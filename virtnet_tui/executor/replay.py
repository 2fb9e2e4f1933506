"""Reads a run back: the plan from its JSON, and the state of every step from the journal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from virtnet_tui.core.plan import (
    Check,
    CommandStep,
    FileStep,
    LibvirtStep,
    Plan,
    Stage,
    Step,
    SysctlStep,
    Todo,
)
from virtnet_tui.executor.events import (
    GUARD_END_TYPES,
    OPENING_TYPES,
    Checkpoint,
    Event,
    FirewallWarning,
    GuardArmed,
    Opening,
    RollbackDone,
    RollbackIncomplete,
    RunDone,
    RunPartial,
    RunRollbackIncomplete,
    RunRolledBack,
    RunStart,
    StageUndone,
    StepDone,
    StepFailed,
    StepStart,
    UndoDone,
    UndoFailed,
)

StepStatus = Literal["pending", "started", "done", "failed", "undone", "undo-failed"]
RunStateName = Literal[
    "running",
    "interrupted",
    "applied",
    "partial",
    "failed",
    "rolled-back",
    "rollback-incomplete",
]

#: Events that end an invocation, and the state they leave the run in.
TERMINAL_STATES: dict[type[Event], RunStateName] = {
    RunDone: "applied",
    RunRolledBack: "failed",
    RunPartial: "partial",
    RunRollbackIncomplete: "rollback-incomplete",
    RollbackDone: "rolled-back",
    RollbackIncomplete: "rollback-incomplete",
}


def is_terminal(event: Event) -> bool:
    """The event ends an invocation (apply, resume, rollback)."""
    return type(event) in TERMINAL_STATES


# --- the plan, back from plan.json -------------------------------------------------------


def _argv(value: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(a) for a in value)


def step_from_json(data: Mapping[str, Any]) -> Step:
    """The inverse of ``Step.to_json``."""
    kind = data["kind"]
    description = str(data.get("description", ""))
    if kind == "file":
        return FileStep(
            path=str(data["path"]),
            content=str(data["content"]),
            mode=int(str(data["mode"]), 8),
            description=description,
            keep_mode=bool(data.get("keep_mode", False)),
        )
    if kind == "command":
        return CommandStep(
            argv=_argv(data["argv"]),
            undo=tuple(_argv(a) for a in data.get("undo", ())),
            description=description,
            ignore_failure=bool(data.get("ignore_failure", False)),
            undo_on_failure=bool(data.get("undo_on_failure", False)),
        )
    if kind == "sysctl":
        settings = data["settings"]
        return SysctlStep(
            settings=tuple((str(k), str(v)) for k, v in settings.items()),
            description=description,
            missing_ok=bool(data.get("missing_ok", False)),
        )
    if kind == "libvirt":
        return LibvirtStep(
            op=data["op"],
            network=str(data["network"]),
            xml=str(data.get("xml", "")),
            description=description,
            command=data.get("command", ""),
            section=str(data.get("section", "")),
            parent_index=int(data.get("parent_index", -1)),
            domain=str(data.get("domain", "")),
        )
    raise ValueError(f"unknown step kind {kind!r}")


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    """The inverse of ``Plan.to_json``: what a run directory's ``plan.json`` holds."""
    stages = []
    for s in data["stages"]:
        stages.append(
            Stage(
                name=str(s["name"]),
                steps=tuple(step_from_json(step) for step in s["steps"]),
                risky=bool(s.get("risky", False)),
                why_risky=str(s.get("why_risky", "")),
                checks=tuple(
                    Check(what=c["what"], target=str(c["target"]), detail=str(c.get("detail", "")))
                    for c in s.get("checks", ())
                ),
                network=str(s.get("network", "")),
                after_undo=tuple(_argv(a) for a in s.get("after_undo", ())),
                nm_checkpoint=bool(s.get("nm_checkpoint", False)),
            )
        )
    return Plan(
        stages=tuple(stages),
        todos=tuple(
            Todo(str(t["title"]), str(t["detail"]), tuple(str(c) for c in t.get("commands", ())))
            for t in data.get("todos", ())
        ),
        warnings=tuple(str(w) for w in data.get("warnings", ())),
        notes=tuple(str(n) for n in data.get("notes", ())),
    )


@dataclass(frozen=True)
class NumberedStep:
    """A step with its 1-based number and the index of its stage."""

    number: int
    stage: int
    step: Step


def numbered_steps(plan: Plan) -> list[NumberedStep]:
    """Every step of the plan, numbered as ``Plan.steps()`` numbers them."""
    out: list[NumberedStep] = []
    for index, stage in enumerate(plan.stages):
        for step in stage.steps:
            out.append(NumberedStep(len(out) + 1, index, step))
    return out


# --- the journal, replayed ---------------------------------------------------------------


@dataclass
class StepState:
    """What the journal says about one step."""

    number: int
    status: StepStatus = "pending"
    before: dict[str, Any] = field(default_factory=dict)
    """What the step saw before it changed anything (sysctl values, libvirt state)."""
    ran: bool = True
    """For a failed step: whether it ran at all (an injected fault fails it before)."""


Need = Literal["no", "strict", "tolerant"]


def undo_need(step: Step, state: StepState) -> Need:
    """Whether a step must be undone, and whether failures of its undo are expected.

    A step that completed must be undone exactly. A step that was cut short (the
    wizard died during it) or failed part-way may or may not have changed
    something: its undo runs, and failures of it (nothing to remove) are expected.
    """
    if state.status in ("done", "undo-failed"):
        return "strict"
    if state.status == "started":
        return "tolerant"
    if state.status == "failed" and state.ran:
        if isinstance(step, CommandStep):
            return "tolerant" if step.undo_on_failure and step.undo else "no"
        if isinstance(step, FileStep | SysctlStep):
            return "tolerant"
    return "no"


@dataclass
class GuardState:
    """What the journal says about the guard of one risky stage."""

    pid: int | None = None
    """The guard process, once ``guard-armed`` named it."""
    ended: Event | None = None
    """The event that ended its watch (released, reverted, revert incomplete)."""


@dataclass
class RunState:
    """A run's journal folded into the state of each step and stage."""

    start: RunStart | None = None
    """The ``run-start`` event: host, options, counts."""
    steps: dict[int, StepState] = field(default_factory=dict)
    checkpoints: list[int] = field(default_factory=list)
    """Indexes of the stages that reached their checkpoint (and were not undone since)."""
    opening: Opening | None = None
    """The latest ``run-start``, ``resume`` or ``rollback-start`` event."""
    terminal: Event | None = None
    """The terminal event that closed the latest invocation; ``None`` while one is open."""
    guards: dict[int, GuardState] = field(default_factory=dict)
    """The guards of risky stages, by stage index."""
    events: list[Event] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def step(self, number: int) -> StepState:
        if number not in self.steps:
            self.steps[number] = StepState(number)
        return self.steps[number]

    def apply(self, event: Event) -> None:
        """Fold one journal event into the state (events it does not know change nothing)."""
        self.events.append(event)
        if isinstance(event, RunStart):
            self.start = event
        if isinstance(event, OPENING_TYPES):
            self.opening = event
            self.terminal = None
        elif is_terminal(event):
            self.terminal = event
        elif isinstance(event, StepStart):
            st = self.step(event.step)
            st.status = "started"
            st.ran = True
            st.before = dict(event.before)
        elif isinstance(event, StepDone):
            self.step(event.step).status = "done"
        elif isinstance(event, StepFailed):
            st = self.step(event.step)
            st.status = "failed"
            st.ran = event.ran
        elif isinstance(event, UndoDone):
            self.step(event.step).status = "undone"
        elif isinstance(event, UndoFailed):
            self.step(event.step).status = "undo-failed"
        elif isinstance(event, Checkpoint):
            if event.stage not in self.checkpoints:
                self.checkpoints.append(event.stage)
        elif isinstance(event, StageUndone):
            if event.stage in self.checkpoints:
                self.checkpoints.remove(event.stage)
        elif isinstance(event, GuardArmed):
            self.guards[event.stage] = GuardState(pid=event.pid)
        elif isinstance(event, GUARD_END_TYPES):
            self.guards.setdefault(event.stage, GuardState()).ended = event
        elif isinstance(event, FirewallWarning):
            self.warnings.append(event.text)

    @property
    def open(self) -> bool:
        """An invocation started and never wrote its terminal event."""
        return self.opening is not None and self.terminal is None

    def state_name(self, holder_token: str | None) -> RunStateName:
        """The run's state; ``holder_token`` is the token of the lock's current holder."""
        if self.opening is not None and self.terminal is None:
            if holder_token and holder_token == self.opening.token:
                return "running"
            return "interrupted"
        if self.terminal is None:
            return "interrupted"  # nothing ever opened the run
        return TERMINAL_STATES[type(self.terminal)]

    def applied_prefix(self, plan_steps: list[NumberedStep]) -> int:
        """The number of leading steps that are done (resume continues after them)."""
        count = 0
        for ns in plan_steps:
            if self.step(ns.number).status != "done":
                break
            count = ns.number
        return count

    def to_undo(self, plan_steps: list[NumberedStep]) -> list[tuple[NumberedStep, Need]]:
        """Every step that needs undoing, last first."""
        out: list[tuple[NumberedStep, Need]] = []
        for ns in reversed(plan_steps):
            need = undo_need(ns.step, self.step(ns.number))
            if need != "no":
                out.append((ns, need))
        return out


def replay(events: Iterable[Event]) -> RunState:
    state = RunState()
    for event in events:
        state.apply(event)
    return state
