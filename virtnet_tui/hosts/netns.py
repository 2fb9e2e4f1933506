"""A network namespace as the host: commands run inside it, files optionally under a root."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from virtnet_tui.hosts.base import SYSTEM_LIBVIRT_URI, CommandResult, Host, HostKind
from virtnet_tui.hosts.process import run_process

#: The helper that runs a command with a root folder's files in place (see NetnsHost).
NETNS_EXEC = str(Path(__file__).with_name("netns_exec.py"))


class NetnsHost(Host):
    """Commands run inside a network namespace; files under ``root`` (``/`` when not given).

    With a root, every command runs through ``netns_exec``: in a private mount namespace
    where ROOT's files lie over the machine's at their planned paths, ROOT/run is /run,
    and everything else is read-only. ``ifup`` then reads the plan's
    /etc/network/interfaces and keeps its state in ROOT/run/network; dnsmasq writes its
    leases and pid file under ROOT; nothing a command does can change the machine's files.
    The libvirt connection goes to a libvirtd started the same way (its socket is
    ROOT/run/libvirt/libvirt-sock), never to the machine's.
    """

    kind: HostKind = "netns"
    runs_commands = True
    # The probe's own /sys shows the machine's links, not the namespace's.
    sysfs_shows_links = False
    # `ip netns exec` takes root.
    needs_root = True
    session_environ_file: str | None = None

    def __init__(self, netns: str, root: Path | str = "/", libvirt_uri: str = "") -> None:
        # Absolute: the helper and libvirt's socket path must not depend on the cwd.
        super().__init__(os.path.abspath(root))
        self.netns = netns
        self._libvirt_uri = libvirt_uri
        self._prepared = False

    @property
    def mapped(self) -> bool:
        """Whether files live under a root folder (and commands see them there)."""
        return self.root != Path("/")

    def has_program(self, path: str) -> bool:
        # Commands run with the root's files laid over the machine's: a program is found
        # in either (the machine's programs are what the namespace runs).
        return self.exists(path) or (self.mapped and os.path.exists(path))

    def _prepare(self) -> None:
        """Give the root its private /run before anything is written or run."""
        if self.mapped and not self._prepared:
            from virtnet_tui.hosts.netns_exec import ROOT_SYMLINKS, prepare_root

            # It makes ROOT/run and the links ROOT/var/run...: never through a folder
            # leading outside the root.
            for path in ("/run", *ROOT_SYMLINKS):
                self.write_path(path)
            prepare_root(str(self.root))
            self._prepared = True

    def write_bytes(
        self,
        path: str,
        content: bytes,
        mode: int = 0o644,
        uid: int = -1,
        gid: int = -1,
        *,
        replace_link: bool = False,
    ) -> None:
        self._prepare()
        super().write_bytes(path, content, mode, uid, gid, replace_link=replace_link)

    def wrap(self, argv: Sequence[str]) -> list[str]:
        prefix = ["ip", "netns", "exec", self.netns]
        if not self.mapped:
            return [*prefix, *argv]
        self._prepare()
        # -I: the helper needs only the standard library and must not pick up the
        # caller's PYTHONPATH or user site (it runs as root).
        return [*prefix, sys.executable, "-I", NETNS_EXEC, str(self.root), "--", *argv]

    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        return run_process(argv, self.wrap(argv), input=input, timeout=timeout)

    def libvirt_uri(self) -> str:
        if self._libvirt_uri:
            return self._libvirt_uri
        if self.mapped:
            return f"qemu:///system?socket={self.root}/run/libvirt/libvirt-sock"
        return SYSTEM_LIBVIRT_URI

    def describe(self) -> str:
        where = f", files under {self.root}" if self.mapped else ""
        return f"network namespace {self.netns}{where}"
