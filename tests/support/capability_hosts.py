"""Hosts whose capabilities differ from those of their kind: callers must follow the capability."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from virtnet_tui.hosts.base import CommandResult
from virtnet_tui.hosts.real import RealHost


class QuietMachine(RealHost):
    """Of the machine's kind, yet runs nothing: it answers only its canned commands."""

    runs_commands = False

    def __init__(self, root: Path, canned: Mapping[str, str] | None = None) -> None:
        super().__init__(root)
        self.canned = dict(canned or {})
        self.ran: list[tuple[str, ...]] = []

    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        self.ran.append(tuple(argv))
        return CommandResult(tuple(argv), 0, self.canned.get(shlex.join(argv), ""), "")

    def canned_commands(self) -> frozenset[str]:
        return frozenset(self.canned)
