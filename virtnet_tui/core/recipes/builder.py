"""Collects the stages of several recipes into one plan, sharing what they have in common."""

from __future__ import annotations

from dataclasses import dataclass, field

from virtnet_tui.core.model import Answers, HostFacts
from virtnet_tui.core.plan import Plan, Stage, Todo
from virtnet_tui.core.recipes.packages import Need, install_stage


@dataclass
class PlanBuilder:
    """Mutable scratchpad that recipes append to, in apply order.

    Recipes that edit the same file (``/etc/network/interfaces`` for a bridge and a
    virtual bridge) read it through :meth:`current`, so each edit starts from the
    previous one and the plan's last write holds both.
    """

    answers: Answers
    stages: list[Stage] = field(default_factory=list)
    todos: list[Todo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _planned: dict[str, str] = field(default_factory=dict)
    _once: set[str] = field(default_factory=set)
    _needs: list[Need] = field(default_factory=list)

    @property
    def facts(self) -> HostFacts:
        return self.answers.host

    def current(self, path: str) -> str:
        """The text ``path`` will have when the plan reaches this point ("" if absent)."""
        if path in self._planned:
            return self._planned[path]
        return self.facts.file(path) or ""

    def exists(self, path: str) -> bool:
        return path in self._planned or self.facts.file(path) is not None

    def planned_paths(self) -> tuple[str, ...]:
        """The files the plan writes so far, in the order first written."""
        return tuple(self._planned)

    def planned(self, path: str, content: str) -> None:
        self._planned[path] = content

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is asked: for stages that several networks share."""
        if key in self._once:
            return False
        self._once.add(key)
        return True

    def need(self, *needs: Need) -> None:
        """The plan runs what ``needs`` provide: the first stage installs what is missing."""
        self._needs += [n for n in needs if n not in self._needs]

    def add(self, stage: Stage) -> None:
        if stage.steps:
            self.stages.append(stage)
            for step in stage.steps:
                if step.kind == "file":
                    self._planned[step.path] = step.content

    def todo(self, todo: Todo) -> None:
        if todo not in self.todos:
            self.todos.append(todo)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def build(self) -> Plan:
        install = install_stage(self.facts, tuple(self._needs))
        return Plan(
            stages=(install, *self.stages) if install else tuple(self.stages),
            todos=tuple(self.todos),
            warnings=tuple(self.warnings),
            notes=tuple(self.notes),
        )
