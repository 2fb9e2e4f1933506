"""Writes that follow no link where they land, in folders made with fixed modes."""

# Only the standard library, imported lazily where costly: the guard process imports this
# (through the run lock) and must start fast.

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: Folders the wizard makes for the host's files (and the records beside them): root's,
#: readable by everyone, since daemons dropping their privileges (dnsmasq) read them.
DIR_MODE = 0o755
#: Folders that keep what nobody else may read (a run's backups of private files).
PRIVATE_DIR_MODE = 0o700


class UnsafePath(Exception):
    """A write the wizard refuses: through a symbolic link, or out of its root."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"refusing to write {path}: {reason}")


def link_refusal(path: Path) -> UnsafePath:
    """The refusal for a symbolic link found where the wizard writes one of its files."""
    try:
        target = f" (to {os.readlink(path)})"
    except OSError:
        target = ""
    return UnsafePath(
        path,
        f"it is a symbolic link{target}, and the wizard never writes its files through "
        "a link; remove the link (look at where it leads) and run again",
    )


def refuse_link(path: Path) -> None:
    """Raise ``UnsafePath`` when ``path`` itself is a symbolic link."""
    if path.is_symlink():
        raise link_refusal(path)


def open_no_follow(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that refuses a symbolic link at ``path`` (``UnsafePath``) instead of
    following it: a link there would make root write wherever it points."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise link_refusal(path) from None
        raise


def set_dir_mode(folder: Path, mode: int) -> None:
    """Give the folder ``folder`` exactly ``mode`` (never through a link)."""
    fd = open_no_follow(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def make_dir(folder: Path, mode: int, *, exist_ok: bool = True) -> None:
    """Make ``folder`` (its parent exists) with exactly ``mode``, whatever the umask."""
    try:
        os.mkdir(folder, mode)
    except FileExistsError:
        if folder.is_symlink() and not folder.is_dir():
            raise link_refusal(folder) from None  # a dangling link where a folder goes
        if exist_ok and folder.is_dir():
            return
        raise
    # mkdir's mode went through the umask: set it in full.
    set_dir_mode(folder, mode)


def make_dirs(folder: Path, mode: int = DIR_MODE) -> None:
    """Make ``folder`` and its missing parents, each with exactly ``mode``.

    Folders that exist keep their mode: only what the wizard makes is its to decide.
    """
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in reversed(missing):
        make_dir(path, mode)


def tighten_dir(folder: Path, mode: int) -> None:
    """Take from ``folder`` the write bits of group and others that ``mode`` does not give.

    For the wizard's record folders made by an older version under a loose umask: while
    another user may write there, they may plant a run for root to replay.
    """
    st = folder.lstat()
    loose = stat.S_IMODE(st.st_mode) & 0o022 & ~mode
    if stat.S_ISDIR(st.st_mode) and loose:
        set_dir_mode(folder, stat.S_IMODE(st.st_mode) & ~loose)


def write_atomically(
    target: Path,
    content: bytes,
    mode: int = 0o644,
    uid: int = -1,
    gid: int = -1,
    *,
    replace_link: bool = False,
    sync: bool = True,
) -> None:
    """Write atomically: a temp file in the same folder, fsync, rename, fsync the folder.

    A crash leaves either the old file or the new one, never a mix. Missing folders are
    made with ``DIR_MODE``. The temp file is made with ``O_EXCL|O_NOFOLLOW`` and mode 0600,
    then given ``mode`` (after the owner, so set-id bits stay), so no other user ever
    sees the content with a looser mode. A symbolic link at ``target`` is refused
    (``UnsafePath``), unless ``replace_link``: then the rename replaces the link itself
    and never writes where it points. ``sync=False`` skips the fsyncs (a cache).
    """
    import tempfile  # here: the guard process starts without it

    make_dirs(target.parent)
    if not replace_link:
        refuse_link(target)
    # mkstemp opens with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            # chown before chmod: changing the owner clears set-uid and set-gid bits.
            if uid != -1 or gid != -1:
                os.fchown(handle.fileno(), uid, gid)
            os.fchmod(handle.fileno(), mode)
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync:
        fsync_dir(target.parent)


def append_bytes(path: Path, data: bytes, mode: int = 0o600, *, sync: bool = False) -> bool:
    """Append ``data`` to the file ``path`` (made with ``mode`` if missing; a link refused).

    Returns whether the file is new. With ``sync`` the data is on disk when this returns.
    """
    new = not path.exists()
    fd = open_no_follow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        if new:
            os.fchmod(fd, mode)  # os.open's mode went through the umask
        os.write(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return new


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def escaping_link(root: Path, folder: Path) -> tuple[Path, str] | None:
    """The first folder from ``root`` (left out) down to ``folder`` (included) that is a
    symbolic link leading outside ``root``, with where it leads; or None.

    The kernel follows such a link from the machine's ``/``: a write below it lands
    outside the root, wherever the link points.
    """
    real_root = os.path.realpath(root)
    here = root
    for name in folder.relative_to(root).parts:
        here = here / name
        if here.is_symlink():
            real = os.path.realpath(here)
            if os.path.commonpath([real_root, real]) != real_root:
                return here, real
        elif not here.is_dir():
            return None  # missing: the rest is made, inside the root
    return None
