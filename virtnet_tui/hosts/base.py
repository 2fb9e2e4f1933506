"""The Host interface: files under a root, commands, libvirt, and what a host can do."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from virtnet_tui.hosts.files import UnsafePath, escaping_link, write_atomically

if TYPE_CHECKING:
    import libvirt

HostKind = Literal["real", "sandbox", "netns"]

#: The machine's own libvirtd.
SYSTEM_LIBVIRT_URI = "qemu:///system"


@dataclass(frozen=True)
class CommandResult:
    """What a command did: exit status and output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class FileMeta:
    """What a backup needs to restore a file exactly."""

    mode: int
    uid: int
    gid: int


class Host(ABC):
    """The one door to the system: files, commands and libvirt.

    Paths given to a host are always the absolute paths of the plan (``/etc/...``);
    the host maps them under its root.

    Callers never ask which kind of host they have: they ask the capabilities below,
    each named for what a caller needs to know. ``kind`` names the host for people
    and for the journal's record of where a run ran.
    """

    kind: HostKind
    """Which kind of host this is: for ``describe()`` and the journal, never for behaviour."""

    runs_commands: bool
    """Whether ``run`` really runs the command. When false it records the command and
    reports success without running it, so a check that needs the command's effect
    (a link up, a process running, a socket listening) cannot be made and is skipped."""

    sysfs_shows_links: bool
    """Whether the host's ``/sys/class/net`` lists the links its commands act on, so the
    probe may read interfaces from there when ``ip`` fails. Not in a network namespace:
    the probe's process sees the machine's /sys, not the namespace's links."""

    needs_root: bool
    """Whether changing anything through this host takes root: the machine's network
    does, and so does entering a network namespace; a sandbox folder does not."""

    session_environ_file: str | None
    """The planned path of a JSON object that stands for the operator's session
    environment (``SSH_CONNECTION``...), or None when ``environ`` is that environment."""

    def __init__(self, root: Path | str = "/") -> None:
        self.root = Path(root)

    # --- files -------------------------------------------------------------
    def path(self, path: str) -> Path:
        """Where the plan's absolute ``path`` lives on this host."""
        if not path.startswith("/"):
            raise ValueError(f"not an absolute path: {path}")
        return self.root / path.lstrip("/")

    def read_bytes(self, path: str) -> bytes | None:
        try:
            return self.path(path).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", errors="replace")

    def exists(self, path: str) -> bool:
        return self.path(path).exists()

    def has_program(self, path: str) -> bool:
        """Whether a command run on this host finds the program at ``path``."""
        return self.exists(path)

    def is_dir(self, path: str) -> bool:
        return self.path(path).is_dir()

    def list_dir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.path(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def stat(self, path: str) -> FileMeta | None:
        try:
            st = self.path(path).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return FileMeta(mode=st.st_mode & 0o7777, uid=st.st_uid, gid=st.st_gid)

    def write_path(self, path: str, *, folder: bool = False) -> Path:
        """Where the plan's absolute ``path`` lives, to be written (or made, ``folder``).

        Raises ``UnsafePath`` when the path climbs with ``..``, or when a folder on the
        way (``path`` itself too, when it is a ``folder``) is a symbolic link leading
        outside the root: the kernel would follow it and the write would land outside.
        A link that stays inside the root is followed. On the machine itself (root
        ``/``) nothing leads outside: a folder link there (``/etc/network`` kept on
        another disk) is the system's own configuration.
        """
        local = self.path(path)
        if ".." in PurePosixPath(path).parts:
            raise UnsafePath(local, "the path climbs with '..'; the wizard writes only below it")
        if self.root == Path("/"):
            return local
        found = escaping_link(self.root, local if folder else local.parent)
        if found is not None:
            link, target = found
            raise UnsafePath(
                local,
                f"the folder {link} is a symbolic link to {target}, outside the root "
                f"{self.root}; the wizard writes only inside the root it was given. "
                "Make the link point inside the root (or remove it) and run again",
            )
        return local

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
        """Write the file atomically (see ``write_atomically``), inside the root
        (``write_path``); a symbolic link at ``path`` is refused unless ``replace_link``."""
        write_atomically(self.write_path(path), content, mode, uid, gid, replace_link=replace_link)

    def write_text(self, path: str, content: str, mode: int = 0o644) -> None:
        self.write_bytes(path, content.encode(), mode)

    def remove(self, path: str) -> None:
        """Remove the file (a link itself, never what it points at), inside the root."""
        self.write_path(path).unlink(missing_ok=True)

    # --- commands ----------------------------------------------------------
    def wrap(self, argv: Sequence[str]) -> list[str]:
        """The argv as this host really runs it."""
        return list(argv)

    @abstractmethod
    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        """Run one command (never through a shell); a missing program is exit 127."""

    def canned_commands(self) -> frozenset[str]:
        """Commands (argv joined by ``shlex.join``) that ``run`` answers from responses
        kept for them, without recording them; none on a host that runs its commands."""
        return frozenset()

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ

    # --- libvirt -----------------------------------------------------------
    @abstractmethod
    def libvirt_uri(self) -> str:
        """The URI of this host's libvirt."""

    def connect_libvirt(self) -> libvirt.virConnect:
        """A libvirt connection; raises ``libvirt.libvirtError`` when libvirtd is unreachable."""
        import libvirt as lv

        return lv.open(self.libvirt_uri())

    def libvirt_saved(self, conn: libvirt.virConnect) -> None:
        """Called after changes through ``conn``; the sandbox persists its networks here."""
        return None  # a real libvirtd keeps its own state

    @abstractmethod
    def describe(self) -> str:
        """Where this host acts, in words for the operator."""
