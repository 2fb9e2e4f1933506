"""A real firewalld in a test namespace, with a private D-Bus and its own copy of its config.

The daemon and its bus run in a mount namespace of their own: a folder of the test's over
/run (``ROOT/run``: the wizard's commands see it as /run and find the bus socket where
they look; or any folder, with ``Firewalld.env`` naming the socket), a copy of
/etc/firewalld over /etc/firewalld, /sys read-only. Nothing of the
machine's firewalld configuration is read for writing or changed.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.netns import Netns

#: Seconds firewalld may take to answer on its bus (about 2 on an idle machine).
START_TIMEOUT = 30

_START = """\
set -e
mount --bind {run} /run
mount --bind {etc} /etc/firewalld
mount -o remount,ro /sys
mkdir -p /run/dbus
dbus-daemon --system --fork --nopidfile
exec firewalld --nofork --nopid --log-target console
"""
#: The processes the private bus and firewalld start (polkitd is started on demand).
DAEMONS = frozenset({"firewalld", "dbus-daemon", "polkitd"})


@dataclass(frozen=True)
class Firewalld:
    """The namespace's firewalld, reached through its private bus."""

    ns: Netns
    socket: Path

    @property
    def env(self) -> dict[str, str]:
        """The environment that sends firewall-cmd to this firewalld's bus."""
        return {"DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={self.socket}"}

    def cmd(self, *args: str) -> str:
        bus = f"DBUS_SYSTEM_BUS_ADDRESS=unix:path={self.socket}"
        return self.ns.run("env", bus, "firewall-cmd", *args).stdout

    def config(self) -> dict[str, str]:
        """Runtime and permanent zones and policies, and the nftables rule set they make."""
        return {
            "runtime zones": self.cmd("--list-all-zones"),
            "runtime policies": self.cmd("--list-all-policies"),
            "permanent zones": self.cmd("--permanent", "--list-all-zones"),
            "permanent policies": self.cmd("--permanent", "--list-all-policies"),
            "nft": self.ns.run("nft", "list", "ruleset").stdout,
        }


def _daemon_pids(ns: Netns) -> list[int]:
    pids = subprocess.run(["ip", "netns", "pids", ns.name], capture_output=True, text=True)
    out = []
    for pid in pids.stdout.split():
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm in DAEMONS:
            out.append(int(pid))
    return out


@contextmanager
def firewalld_in(ns: Netns, run: Path, work: Path) -> Iterator[Firewalld]:
    """Run firewalld in ``ns`` until the block ends; its bus socket is in ``run``/dbus."""
    etc = work / "firewalld"
    run.mkdir(parents=True, exist_ok=True)
    shutil.copytree("/etc/firewalld", etc, symlinks=True)
    log = (work / "firewalld.log").open("w")
    script = _START.format(run=run, etc=etc)
    proc = subprocess.Popen(
        ns.argv(["unshare", "-m", "--propagation", "private", "sh", "-c", script]),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # A socket's path has room for 107 bytes, which pytest's folders under xdist
    # (.../popen-gw0/test_<long name>0/root/run/dbus/...) exceed: clients go through a
    # short link to it.
    alias = Path(tempfile.mkdtemp(prefix="vnw-bus-"))
    (alias / "bus").symlink_to(run / "dbus/system_bus_socket")
    made = Firewalld(ns, alias / "bus")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            state = subprocess.run(
                ns.argv(["env", f"DBUS_SYSTEM_BUS_ADDRESS=unix:path={made.socket}",
                         "firewall-cmd", "--state"]),
                capture_output=True, text=True,
            )  # fmt: skip
            if state.stdout.strip() == "running":
                break
            assert proc.poll() is None, (work / "firewalld.log").read_text()
            assert time.monotonic() < deadline, (
                f"firewalld did not answer in {START_TIMEOUT} s: {state.stdout}{state.stderr}"
            )
            time.sleep(0.2)
        yield made
    finally:
        for pid in _daemon_pids(ns):
            subprocess.run(["kill", f"-{signal.SIGTERM.value}", str(pid)], capture_output=True)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in _daemon_pids(ns):
            subprocess.run(["kill", "-KILL", str(pid)], capture_output=True)
        log.close()
        shutil.rmtree(alias, ignore_errors=True)
