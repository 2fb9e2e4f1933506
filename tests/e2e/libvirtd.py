"""A real libvirtd inside a test namespace, with every file it uses under the test's root."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import libvirt
from support.netns import Netns

from e2e.guest.image import cache_dir
from e2e.topology import wait_until
from virtnet_tui.hosts.netns import NETNS_EXEC

#: The accounts Debian's libvirt-daemon-system would create: the qemu driver refuses to
#: start without libvirt-qemu, and the network driver runs dnsmasq as libvirt-dnsmasq.
ACCOUNTS = ("libvirt-qemu", "libvirt-dnsmasq")
#: Folders libvirtd writes to; they exist under the root only.
FOLDERS = ("etc/libvirt", "var/lib/libvirt", "var/log/libvirt/qemu", "var/cache/libvirt", "run")
#: The qemu driver inside a namespace (Debian builds libvirtd with it; the real-VM tests
#: boot guests through it): run qemu as root, with no file relabelling, security driver,
#: cgroups or mount namespace of its own, none of which a test namespace can give, and
#: qemu's output to files rather than through virtlogd.
QEMU_CONF = """\
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
"""


#: Where libvirtd caches what it probed of qemu (about 8 s of running qemu on first use).
CAPABILITIES = Path("var/cache/libvirt/qemu/capabilities")
#: That cache shared between the tests' daemons, outside git; libvirtd itself checks that
#: an entry still matches its qemu and libvirt binaries and probes again when not.
SHARED_CAPABILITIES = cache_dir() / "qemu-capabilities"


def _share_capabilities(source: Path, target: Path) -> None:
    """Copy the cache entries ``target`` lacks from ``source`` (each appears whole)."""
    if not source.is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.glob("*.xml"):
        if not (target / entry.name).exists():
            part = target / f".{entry.name}.{os.getpid()}"
            shutil.copyfile(entry, part)
            part.rename(target / entry.name)


def socket_uri(root: Path) -> str:
    """The URI of the libvirtd started by ``libvirtd_in(ns, root)`` (what NetnsHost uses)."""
    return f"qemu:///system?socket={root}/run/libvirt/libvirt-sock"


def _accounts(root: Path) -> None:
    """ROOT/etc/passwd and group: the machine's, plus libvirt's accounts if it lacks them.

    netns_exec lays these over the machine's files for commands run with this root, so
    libvirtd finds its users while the machine's account database stays as it is.
    """
    passwd = Path("/etc/passwd").read_text()
    group = Path("/etc/group").read_text()
    used = {p.pw_uid for p in pwd.getpwall()}
    gids = {int(line.split(":")[2]) for line in group.splitlines() if line.count(":") >= 3}
    free = (n for n in range(64000, 65000) if n not in used and n not in gids)
    for name in ACCOUNTS:
        if f"\n{name}:" in f"\n{passwd}":
            continue
        ident = next(free)
        passwd += f"{name}:x:{ident}:{ident}:{name}:/var/lib/libvirt:/usr/sbin/nologin\n"
        group += f"{name}:x:{ident}:\n"
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc/passwd").write_text(passwd)
    (root / "etc/group").write_text(group)


@contextmanager
def libvirtd_in(ns: Netns, root: Path, log: Path) -> Iterator[libvirt.virConnect]:
    """Start libvirtd in ``ns`` with its files under ``root``; stop it afterwards.

    The daemon runs through netns_exec like every NetnsHost command, with /etc/libvirt
    private as well, so its configuration, state, logs and socket all live under
    ``root`` and the machine's libvirt (if any) is never involved.
    """
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "etc/libvirt/qemu.conf").write_text(QEMU_CONF)
    _share_capabilities(SHARED_CAPABILITIES, root / CAPABILITIES)
    _accounts(root)
    argv = ["ip", "netns", "exec", ns.name, sys.executable, "-I", NETNS_EXEC, str(root)]
    argv += ["--private", "/etc/libvirt", "--", "libvirtd"]
    with log.open("w") as out:
        daemon = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    conn: libvirt.virConnect | None = None
    try:

        def connected() -> bool:
            nonlocal conn
            if daemon.poll() is not None:
                raise AssertionError(f"libvirtd exited {daemon.returncode}:\n{log.read_text()}")
            try:
                conn = libvirt.open(socket_uri(root))
            except libvirt.libvirtError:
                return False
            return True

        wait_until("libvirtd to answer on its socket", connected, seconds=20, every=0.2)
        assert conn is not None
        yield conn
    finally:
        if conn is not None:
            conn.close()
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        _share_capabilities(root / CAPABILITIES, SHARED_CAPABILITIES)
