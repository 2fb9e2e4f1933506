"""The machine the wizard runs on."""

from __future__ import annotations

from collections.abc import Sequence

from virtnet_tui.hosts.base import SYSTEM_LIBVIRT_URI, CommandResult, Host, HostKind
from virtnet_tui.hosts.process import run_process


class RealHost(Host):
    """The machine the wizard runs on: ``/``, real commands, ``qemu:///system``."""

    kind: HostKind = "real"
    runs_commands = True
    sysfs_shows_links = True
    needs_root = True
    session_environ_file: str | None = None

    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        return run_process(argv, self.wrap(argv), input=input, timeout=timeout)

    def libvirt_uri(self) -> str:
        return SYSTEM_LIBVIRT_URI

    def describe(self) -> str:
        return "this machine"
