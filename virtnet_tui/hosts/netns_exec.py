"""Runs one command with a root folder's files laid over the machine's, read-only elsewhere."""

# Run as a script by NetnsHost, inside `ip netns exec NAME`:
#     python -I netns_exec.py ROOT [--private DIR]... -- ARGV...
# It takes a private mount namespace, so nothing it mounts is seen outside the command
# (and the daemons the command leaves behind), then:
#   1. makes every mount of the machine read-only (only in this mount namespace), so a
#      command can never change a file of the machine;
#   2. puts ROOT/run in place of /run: runtime state (ifupdown's /run/network, pid files,
#      sockets) lives under ROOT, as a container's private /run does; so does every
#      --private DIR (the tests give libvirtd its own /etc/libvirt that way);
#   3. lays ROOT's files and folders over the machine's at the same paths: the command
#      reads /etc/network/interfaces, /var/lib/dnsmasq/... and finds ROOT's, and writes
#      to them land in ROOT. Machine files that ROOT does not have stay visible.
# Where ROOT has a folder or file the machine lacks, there is no mount point to bind it
# on, and creating one would change the machine. Instead the machine's parent folder is
# shadowed: a tmpfs goes over it, every entry of the original is bound back (through a
# descriptor opened before the tmpfs hid it), and the new mount point is made in the
# tmpfs. Nothing is created on the machine's file systems.
# It needs only the standard library so that it starts fast with `python -I`.

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import stat
import sys
from collections.abc import Sequence

CLONE_NEWNS = 0x00020000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000

#: Folders of ROOT that replace the machine's instead of being laid over them.
PRIVATE_DIRS = ("/run",)
#: Scratch folders: a writable tmpfs that shows the machine's entries (read-only) and
#: forgets what the command adds when it ends, so that tools needing a temp file work.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
#: File systems that stay writable: the kernel's own (/proc/sys is how sysctl works, and
#: `ip netns exec` gives the namespace its own /sys). Anything that stores files does not.
KERNEL_FILESYSTEMS = frozenset(
    {
        "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "mqueue", "bpf",
        "tracefs", "debugfs", "securityfs", "pstore", "configfs", "fusectl", "hugetlbfs",
        "binfmt_misc", "efivarfs", "nsfs", "autofs", "rpc_pipefs",
    }
)  # fmt: skip
#: Symlinks of the machine that ROOT gets too, so that ROOT/var/run/x is ROOT/run/x.
ROOT_SYMLINKS = ("/var/run", "/var/lock")

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class MountError(OSError):
    """A mount call failed; says which."""


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise MountError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _unshare_mounts() -> None:
    if _libc.unshare(CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise MountError(err, f"unshare(CLONE_NEWNS): {os.strerror(err)}")
    # Nothing mounted from here on may propagate back to the machine's namespace.
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def _decode(field: str) -> str:
    """A mountinfo field with its octal escapes (``\\040`` for a space) undone."""
    out = field
    for code in ("\\040", "\\011", "\\012", "\\134"):
        out = out.replace(code, chr(int(code[1:], 8)))
    return out


def _mounts() -> list[tuple[str, str]]:
    """``(mount point, file system type)`` of every mount, in mount order."""
    out = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields, _, after = line.partition(" - ")
            out.append((_decode(fields.split()[4]), after.split()[0]))
    return out


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _flags_of(path: str) -> int:
    """The per-mount flags to keep when remounting ``path``."""
    st = os.statvfs(path)
    flags = 0
    for st_flag, ms_flag in (
        (os.ST_NOSUID, MS_NOSUID),
        (os.ST_NODEV, MS_NODEV),
        (os.ST_NOEXEC, MS_NOEXEC),
        (os.ST_NOATIME, MS_NOATIME),
        (os.ST_NODIRATIME, MS_NODIRATIME),
        (os.ST_RELATIME, MS_RELATIME),
    ):
        if st.f_flag & st_flag:
            flags |= ms_flag
    return flags


def _make_read_only(root: str) -> None:
    """Every mount that stores files, except ``root``, becomes read-only here."""
    for point, fstype in _mounts():
        if fstype in KERNEL_FILESYSTEMS or _under(point, root):
            continue
        try:
            flags = _flags_of(point)
        except OSError:
            continue  # covered by a later mount: unreachable anyway
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)


def _kind(path: str) -> str:
    """``dir``, ``link``, ``file`` (any other non-folder) or ``""`` when missing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return ""
    if stat.S_ISLNK(mode):
        return "link"
    return "dir" if stat.S_ISDIR(mode) else "file"


def _link_target(path: str, base: str) -> str:
    """Where the symlink ``path`` points, as an absolute path seen from ``base`` (its root)."""
    target = os.readlink(path)
    rel = os.path.relpath(os.path.dirname(path), base)
    where = "/" if rel == "." else "/" + rel
    return os.path.normpath(os.path.join(where, target))


class Overlay:
    """Lays the files of ``root`` over the machine's file tree in this mount namespace."""

    def __init__(self, root: str, private: Sequence[str] = ()) -> None:
        self.root = os.path.realpath(root)
        self.private = (*PRIVATE_DIRS, *private)
        self.shadowed: set[str] = set()
        self.read_only_shadows: list[str] = []

    def source(self, target: str) -> str:
        """Where ROOT keeps what the command will see at ``target``."""
        return self.root + target if target != "/" else self.root

    def apply(self) -> None:
        # ROOT becomes a mount of its own first, so that it stays writable below.
        _mount(self.root, self.root, None, MS_BIND | MS_REC)
        _make_read_only(self.root)
        for private in self.private:
            if _kind(self.source(private)) == "dir" and _kind(private) == "dir":
                _mount(self.source(private), private, None, MS_BIND | MS_REC)
        for scratch in SCRATCH_DIRS:
            if _kind(scratch) == "dir":
                ours = self.source(scratch)
                names = set(os.listdir(ours)) if _kind(ours) == "dir" else set()
                self._shadow(scratch, exclude=names, writable=True)
        self._lay("/")
        for folder in self.read_only_shadows:
            # A new name in a shadowed folder would vanish with the command: refuse it.
            _mount(None, folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _flags_of(folder))

    def _lay(self, target: str) -> None:
        """Make the machine's folder ``target`` show what ROOT has in the same place."""
        ours = self.source(target)
        missing: list[str] = []
        binds: list[str] = []
        folders: list[str] = []
        for name in sorted(os.listdir(ours)):
            path = os.path.join(target, name)
            if path in self.private:
                continue
            mine, theirs = _kind(os.path.join(ours, name)), _kind(path)
            if target in self.shadowed:
                missing.append(name)  # left out of the shadow already
            elif mine == theirs == "dir":
                folders.append(path)
            elif mine == theirs == "file":
                binds.append(path)
            elif mine == theirs == "link":
                if _link_target(self.source(path), self.root) != _link_target(path, "/"):
                    missing.append(name)
            else:
                missing.append(name)
        if missing and target != "/":
            # No mount point to bind on: shadow the machine's folder. (A tmpfs over /
            # would hide the whole machine, so ROOT's extra top-level names are ignored.)
            if target not in self.shadowed:
                self._shadow(target, exclude=set(missing))
            for name in missing:
                self._place(os.path.join(ours, name), os.path.join(target, name))
        for path in binds:
            _mount(self.source(path), path, None, MS_BIND)
        for path in folders:
            self._lay(path)

    def _place(self, src: str, target: str) -> None:
        """Put ROOT's ``src`` at ``target``, a name that is free in a shadow tmpfs."""
        kind = _kind(src)
        if kind == "link":
            os.symlink(os.readlink(src), target)
            return
        _make_mount_point(target, kind == "dir")
        _mount(src, target, None, MS_BIND | MS_REC)

    def _shadow(self, folder: str, exclude: set[str], writable: bool = False) -> None:
        """Cover ``folder`` with a tmpfs showing the same entries, except ``exclude``."""
        # The descriptor keeps the original folder reachable once the tmpfs hides it:
        # /proc/self/fd/N/name still leads to the machine's entries.
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            st = os.fstat(fd)
            names = [n for n in os.listdir(fd) if n not in exclude]
            options = f"mode={st.st_mode & 0o7777:o},uid={st.st_uid},gid={st.st_gid}"
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, options)
            for name in names:
                try:
                    _mirror(fd, name, os.path.join(folder, name))
                except FileNotFoundError:
                    continue  # gone since listed (a temp file in /tmp): nothing to show
        finally:
            os.close(fd)
        self.shadowed.add(folder)
        if not writable:
            self.read_only_shadows.append(folder)


def _mirror(fd: int, name: str, target: str) -> None:
    """Show the entry ``name`` of the folder open as ``fd`` at ``target`` (in a shadow)."""
    mode = os.lstat(name, dir_fd=fd).st_mode
    if stat.S_ISLNK(mode):
        os.symlink(os.readlink(name, dir_fd=fd), target)
        return
    _make_mount_point(target, stat.S_ISDIR(mode))
    try:
        _mount(f"/proc/self/fd/{fd}/{name}", target, None, MS_BIND | MS_REC)
    except MountError as exc:
        (os.rmdir if stat.S_ISDIR(mode) else os.unlink)(target)
        if exc.errno == errno.ENOENT:
            raise FileNotFoundError(exc.errno, str(exc)) from exc
        raise


def _make_mount_point(path: str, folder: bool) -> None:
    if folder:
        os.mkdir(path)
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _make_dirs(folder: str) -> None:
    """Make ``folder`` and its missing parents with mode 0755, whatever the umask."""
    if os.path.isdir(folder):
        return
    _make_dirs(os.path.dirname(folder))
    try:
        os.mkdir(folder, 0o755)
    except FileExistsError:
        return  # made meanwhile by a command started beside this one
    os.chmod(folder, 0o755)  # mkdir's mode went through the umask


def prepare_root(root: str) -> None:
    """Give ROOT its private /run and the machine's /var/run-style links (relative)."""
    _make_dirs(os.path.join(root, "run"))
    for link in ROOT_SYMLINKS:
        if _kind(link) != "link" or _kind(root + link) != "":
            continue
        dest = _link_target(link, "/")
        target = os.path.relpath(dest, os.path.dirname(link))
        _make_dirs(os.path.dirname(root + link))
        try:
            os.symlink(target, root + link)
        except FileExistsError:
            # Commands started side by side (the probe's) prepare the root at once: the
            # same link made by another is fine, anything else there is not.
            if os.readlink(root + link) != target:
                raise


USAGE = "usage: netns_exec.py ROOT [--private DIR]... -- PROGRAM [ARG...]\n"


def parse(argv: Sequence[str]) -> tuple[str, list[str], list[str]] | None:
    """``(root, private folders, command)`` from the arguments, or None when they are wrong."""
    if "--" not in argv:
        return None
    split = list(argv).index("--")
    head, command = list(argv[:split]), list(argv[split + 1 :])
    if not head or not command:
        return None
    root, options = head[0], head[1:]
    private: list[str] = []
    while options:
        if len(options) < 2 or options[0] != "--private" or not options[1].startswith("/"):
            return None
        private.append(os.path.normpath(options[1]))
        options = options[2:]
    return root, private, command


def main(argv: Sequence[str]) -> int:
    parsed = parse(argv)
    if parsed is None:
        sys.stderr.write(USAGE)
        return 2
    root, private, command = parsed
    if os.path.realpath(root) == "/":
        sys.stderr.write("netns_exec: ROOT must be a folder of its own, not /\n")
        return 2
    try:
        prepare_root(root)
        _unshare_mounts()
        Overlay(root, private).apply()
    except OSError as exc:
        sys.stderr.write(f"netns_exec: {exc}\n")
        return 126
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"{command[0]}: {exc.strerror}\n")
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return 0  # not reached: exec replaced the process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
