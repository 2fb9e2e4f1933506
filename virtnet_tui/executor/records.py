"""Reads the wizard's records only when they can be trusted, and keeps their paths under the root.

A run's records (``plan.json``, ``journal.jsonl``, ``backups/``...) tell rollback and
resume what to write where, so a record is read only when:

- it is a regular file (never through a symbolic link, never a FIFO that would block);
- it is owned by root, or by the user running the wizard (a sandbox run unprivileged,
  as the tests do): root's records and this user's own are the only ones it wrote;
- neither its group nor others may write it (``0600``/``0644``, as the wizard makes them).

A path a record names (a step's file, a backup's file) must be absolute, without ``..``,
and its folder must resolve under the host's root. Anything else is a ``RecordError``
naming the file, raised before anything is written.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from virtnet_tui.core.errors import RecordError

#: What a damaged or foreign record leaves the operator to do.
MOVE_ASIDE = (
    "Restore it from your own backup of the wizard's folder, or move the run folder {run} "
    "out of {runs}: the wizard then forgets that run, and what it applied stays on the host "
    "until you undo it by hand"
)
FOREIGN = (
    "The wizard writes its records as root, writable by nobody else; this one may have been "
    "planted, and is not trusted. Look at it, then move the run folder {run} out of {runs}"
)

#: How a file that should hold a record can be something else.
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISLNK, "a symbolic link"),
)


def file_kind(mode: int) -> str:
    """``a folder``, ``a FIFO``... for what is not a regular file."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def trusted_uids() -> frozenset[int]:
    """Root's, and this user's when it is not root (an unprivileged sandbox run)."""
    return frozenset({0, os.geteuid()})


def _owner_words() -> str:
    return "root" if os.geteuid() == 0 else f"root or this user (uid {os.geteuid()})"


def check_trusted(path: os.PathLike[str] | str, st: os.stat_result, advice: str) -> None:
    """Refuse a record owned by someone else, or one that others may write."""
    if st.st_uid not in trusted_uids():
        raise RecordError(
            path, f"owned by uid {st.st_uid}, not by {_owner_words()}: not the wizard's", advice
        )
    if st.st_mode & 0o022:
        raise RecordError(
            path,
            f"writable by its group or by others (mode {stat.S_IMODE(st.st_mode):04o}): "
            "anyone could have changed it",
            advice,
        )


def check_folder(path: Path, advice: str) -> None:
    """A run folder: a real folder (not a link), trusted like the records in it."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise RecordError(path, "missing", advice) from None
    if not stat.S_ISDIR(st.st_mode):
        raise RecordError(path, f"{file_kind(st.st_mode)}, not a run folder", advice)
    check_trusted(path, st, advice)


def read_record(path: Path, advice: str) -> bytes | None:
    """The bytes of a trusted record; ``None`` when there is no such file.

    Raises:
        RecordError: a link, a folder, a FIFO..., or a file not trusted (see the module).
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RecordError(path, "a symbolic link, not the wizard's file", advice) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RecordError(path, f"{file_kind(st.st_mode)}, not a file", advice)
        check_trusted(path, st, advice)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def parse_json(path: Path, data: bytes, advice: str) -> Any:
    """The JSON a record holds (any nesting depth, any bytes: a damaged file is an error)."""
    if not data.strip():
        raise RecordError(path, "empty (cut short when it was written?)", advice)
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RecordError(path, f"not text: a bad byte at offset {exc.start}", advice) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise RecordError(path, f"not JSON ({exc.msg} at {where})", advice) from None
    except RecursionError:
        raise RecordError(path, "not JSON the wizard wrote (nested too deeply)", advice) from None


# --- paths a record names --------------------------------------------------------------------


def check_plain_path(value: object, record: Path, what: str, advice: str) -> str:
    """``value`` as an absolute path without ``..`` or NUL; checked without the file system."""
    if not isinstance(value, str) or not value.startswith("/") or "\0" in value:
        raise RecordError(record, f"{what} {value!r} is not an absolute path", advice)
    if ".." in PurePosixPath(value).parts:
        raise RecordError(record, f"{what} {value!r} climbs out of the root with '..'", advice)
    return value


def check_confined(root: Path, path: str, record: Path, what: str, advice: str) -> None:
    """Refuse ``path`` (a plan's absolute path) when its folder resolves outside ``root``.

    Only the folder is resolved: the wizard replaces the file itself (a rename, an
    unlink), so a symbolic link in its place is replaced, not followed.
    """
    check_plain_path(path, record, what, advice)
    top = os.path.realpath(root)
    folder = os.path.realpath(os.path.dirname(os.path.join(top, path.lstrip("/"))))
    if os.path.commonpath([top, folder]) != top:
        raise RecordError(
            record, f"{what} {path!r} lies in {folder}, outside the root {top}", advice
        )
