"""Reads a run back: the plan from its JSON, and the state of every step from the journal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

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
TERMINAL_EVENTS: dict[str, RunStateName] = {
    "run-done": "applied",
    "run-rolled-back": "failed",
    "run-partial": "partial",
    "run-rollback-incomplete": "rollback-incomplete",
    "rollback-done": "rolled-back",
    "rollback-incomplete": "rollback-incomplete",
}
#: Events that start an invocation working on the run (each carries the invocation's token).
OPENING_EVENTS = frozenset({"run-start", "resume", "rollback-start"})


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
class RunState:
    """A run's journal folded into the state of each step and stage."""

    meta: dict[str, Any] = field(default_factory=dict)
    """The ``run-start`` event: host, options, counts."""
    steps: dict[int, StepState] = field(default_factory=dict)
    checkpoints: list[int] = field(default_factory=list)
    """Indexes of the stages that reached their checkpoint (and were not undone since)."""
    last_opening: dict[str, Any] = field(default_factory=dict)
    """The latest ``run-start``, ``resume`` or ``rollback-start`` event."""
    terminal: str = ""
    """The terminal event that closed the latest invocation; empty while one is open."""
    guards: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Armed guards by stage index: the ``guard-armed`` event, updated by later guard events."""
    events: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def step(self, number: int) -> StepState:
        if number not in self.steps:
            self.steps[number] = StepState(number)
        return self.steps[number]

    def apply(self, event: Mapping[str, Any]) -> None:
        """Fold one journal event into the state."""
        self.events.append(dict(event))
        name = str(event.get("event", ""))
        number = event.get("step")
        if name == "run-start":
            self.meta = dict(event)
        if name in OPENING_EVENTS:
            self.last_opening = dict(event)
            self.terminal = ""
        elif name in TERMINAL_EVENTS:
            self.terminal = name
        elif name == "step-start" and isinstance(number, int):
            st = self.step(number)
            st.status = "started"
            st.ran = True
            st.before = dict(event.get("before") or {})
        elif name == "step-done" and isinstance(number, int):
            self.step(number).status = "done"
        elif name == "step-failed" and isinstance(number, int):
            st = self.step(number)
            st.status = "failed"
            st.ran = bool(event.get("ran", True))
        elif name == "undo-done" and isinstance(number, int):
            self.step(number).status = "undone"
        elif name == "undo-failed" and isinstance(number, int):
            self.step(number).status = "undo-failed"
        elif name == "checkpoint":
            stage = int(event["stage"])
            if stage not in self.checkpoints:
                self.checkpoints.append(stage)
        elif name == "stage-undone":
            stage = int(event["stage"])
            if stage in self.checkpoints:
                self.checkpoints.remove(stage)
        elif name == "guard-armed":
            self.guards[int(event["stage"])] = dict(event)
        elif name in ("guard-released", "guard-reverted", "guard-revert-incomplete"):
            guard = self.guards.setdefault(int(event["stage"]), {})
            guard["ended"] = name
        elif name == "firewall-warning":
            self.warnings.append(str(event.get("text", "")))

    @property
    def open(self) -> bool:
        """An invocation started and never wrote its terminal event."""
        return bool(self.last_opening) and not self.terminal

    def state_name(self, holder_token: str | None) -> RunStateName:
        """The run's state; ``holder_token`` is the token of the lock's current holder."""
        if self.open:
            if holder_token and holder_token == self.last_opening.get("token"):
                return "running"
            return "interrupted"
        return TERMINAL_EVENTS.get(self.terminal, "interrupted")

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


def replay(events: Iterable[Mapping[str, Any]]) -> RunState:
    state = RunState()
    for event in events:
        state.apply(event)
    return state


def as_dict(value: object) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}
