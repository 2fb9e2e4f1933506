"""Events of an apply run, as the Apply screen consumes them (one dataclass per kind)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StageStarted:
    """A stage begins (``index`` counts from 1)."""

    index: int
    total: int
    name: str
    steps: int
    risky: bool = False
    why_risky: str = ""


@dataclass(frozen=True)
class StepDone:
    """A step completed."""

    number: int
    description: str
    detail: str = ""


@dataclass(frozen=True)
class StepFailed:
    """A step failed; a rollback follows."""

    number: int
    description: str
    reason: str


@dataclass(frozen=True)
class CheckResult:
    """One check of a stage after its steps."""

    stage: int
    description: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """A stage's checks passed; it is kept."""

    index: int
    name: str


@dataclass(frozen=True)
class StageFailed:
    """A stage failed (a step, a check, the confirmation) and is being undone now."""

    stage: int
    name: str
    reason: str
    step: int | None = None
    """The failing step (already reported by ``StepFailed``), or None."""


@dataclass(frozen=True)
class StepUndone:
    """A step was taken back as part of a rollback; ``error`` when it could not be."""

    number: int
    description: str
    error: str = ""
    manual: tuple[str, ...] = ()
    """With ``error``: the commands that would undo it by hand."""


class ConfirmReply:
    """The operator's answer to a ``ConfirmRequest``, shared between the runner and the screen.

    Once the runner's wait has run out the answer is closed: a confirmation after that
    is refused, so a late Enter never claims a stage that is being undone. ``decline``
    closes it at once: the operator asked for the stage to be undone now.
    """

    def __init__(self) -> None:
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self._confirmed = False
        self._closed = False

    @property
    def confirmed(self) -> bool:
        return self._confirmed

    @property
    def closed(self) -> bool:
        """The wait ran out, or the stage was declined, without a confirmation."""
        return self._closed

    def confirm(self) -> bool:
        """Confirm; False when it came too late (the stage is being undone)."""
        with self._lock:
            if self._closed:
                return False
            self._confirmed = True
            self._answered.set()
            return True

    def decline(self) -> bool:
        """Undo the stage now instead of at the deadline; False once it was confirmed."""
        with self._lock:
            if self._confirmed:
                return False
            self._closed = True
            self._answered.set()
            return True

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; ``True`` when confirmed in time."""
        self._answered.wait(max(0.0, timeout))
        with self._lock:
            self._closed = not self._confirmed
            return self._confirmed


@dataclass(frozen=True)
class ConfirmRequest:
    """A risky stage is applied: the operator must confirm before ``deadline``."""

    stage: int
    name: str
    deadline: float
    reply: ConfirmReply = field(compare=False)
    why_risky: str = ""


class ChoiceReply:
    """The operator's yes/no answer to a question the runner waits on."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._value = False

    @property
    def answered(self) -> bool:
        return self._event.is_set()

    def answer(self, value: bool) -> None:
        self._value = value
        self._event.set()

    def wait(self, timeout: float) -> bool | None:
        """The answer, or ``None`` when none came within ``timeout`` seconds."""
        return self._value if self._event.wait(max(0.0, timeout)) else None


@dataclass(frozen=True)
class KeepEarlierRequest:
    """A stage failed and was undone: keep the earlier checkpoints, or roll them back too?"""

    stage: int
    name: str
    reason: str
    checkpoints: tuple[int, ...]
    reply: ChoiceReply = field(compare=False)


@dataclass(frozen=True)
class RolledBack:
    """What a rollback undid (stages last first), and whether it finished.

    Its steps were reported one by one as ``StepUndone`` while it ran.
    """

    stages: tuple[str, ...]
    complete: bool


@dataclass(frozen=True)
class Finished:
    """The run ended with this exit code (0, 3 or 4) and a one-line summary."""

    exit_code: int
    summary: str


ApplyEvent = (
    StageStarted
    | StepDone
    | StepFailed
    | CheckResult
    | Checkpoint
    | StageFailed
    | StepUndone
    | ConfirmRequest
    | KeepEarlierRequest
    | RolledBack
    | Finished
)
EventSource = Iterable[ApplyEvent] | AsyncIterable[ApplyEvent]
