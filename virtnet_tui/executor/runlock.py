"""The run lock: an exclusive ``flock`` on one file, naming its holder's pid and token."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from virtnet_tui.core.errors import RecordError
from virtnet_tui.hosts.files import DIR_MODE, make_dirs, open_no_follow


class LockBusy(Exception):
    """Another process holds the lock."""

    def __init__(self, pid: int | None, path: Path) -> None:
        self.pid = pid
        self.path = path
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{who} holds the lock {path}: another apply or rollback is running")


def _read_holder(fd: int) -> tuple[int | None, str]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        words = os.read(fd, 200).decode(errors="replace").split()
    except OSError:  # not a file (a folder, a FIFO): nobody's pid to name
        return None, ""
    pid = int(words[0]) if words and words[0].isdigit() else None
    return pid, words[1] if len(words) > 1 else ""


class RunLock:
    """Held for a whole apply or rollback (and by a guard while it reverts).

    The kernel drops a ``flock`` when its holder dies, even by SIGKILL, so the lock
    is never left stale; the file keeps the holder's pid and token for messages.
    """

    def __init__(self, path: Path, token: str) -> None:
        self.path = path
        self.token = token
        self._fd: int | None = None

    def acquire(self) -> None:
        """Raises ``LockBusy`` when another process (or another handle) holds it, and
        ``UnsafePath`` when the lock is a symbolic link: root would truncate and write
        the file it points at."""
        make_dirs(self.path.parent, DIR_MODE)
        try:
            try:
                fd = open_no_follow(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                os.fchmod(fd, 0o644)  # readable by status, whatever the umask
            except FileExistsError:
                fd = open_no_follow(self.path, os.O_RDWR)
        except IsADirectoryError:
            raise RecordError(
                self.path,
                "a folder, where the wizard keeps its lock file",
                f"No wizard made it; remove it (rmdir {self.path}) and try again",
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                os.close(fd)
                raise
            pid, _ = _read_holder(fd)
            os.close(fd)
            raise LockBusy(pid, self.path) from None
        # Written over the old holder, then cut: a reader never sees an empty file (and
        # so never takes a running run for an interrupted one).
        line = f"{os.getpid()} {self.token}\n".encode()
        os.pwrite(fd, line, 0)
        os.ftruncate(fd, len(line))
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(path: Path) -> tuple[int | None, str] | None:
    """The pid and token of the lock's holder, or ``None`` when nobody holds it.

    Raises ``UnsafePath`` when the lock is a symbolic link (see ``RunLock.acquire``).
    """
    try:
        # Non-blocking: a FIFO put in the lock's place must not hang `status`.
        fd = open_no_follow(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
