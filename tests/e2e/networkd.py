"""A real systemd-networkd (and its private D-Bus) as a test namespace's network service."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support.netns import Netns

from e2e.topology import wait_until
from virtnet_tui.hosts.netns import NETNS_EXEC

NETWORKD = "/lib/systemd/systemd-networkd"
DBUS_SOCKET = "run/dbus/system_bus_socket"


def _daemon(
    ns: Netns, root: Path, command: str, log: Path, *private: str
) -> subprocess.Popen[bytes]:
    """``command`` (a shell line) in ``ns`` with ``root``'s files, as NetnsHost runs commands.

    /sys is remounted read-only first, in the daemon's own mount namespace: networkd
    takes a writable /sys to mean udev runs, and would wait for it forever.
    """
    argv = ["ip", "netns", "exec", ns.name, sys.executable, "-I", NETNS_EXEC, str(root)]
    for folder in private:
        argv += ["--private", folder]
    argv += ["--", "sh", "-c", f"mount -o remount,ro /sys && exec {command}"]
    with log.open("a") as out:
        return subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SYSTEMD_LOG_TARGET": "console", "SYSTEMD_LOG_LEVEL": "info"},
        )


def _stop(daemon: subprocess.Popen[bytes]) -> None:
    """Stop one daemon by its own PID (the shell exec'd it: same process)."""
    if daemon.poll() is None:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


@dataclass
class Networkd:
    """The running daemons of one test; ``restart()`` stands in for a reboot."""

    ns: Netns
    root: Path
    log: Path
    stack: ExitStack
    daemon: subprocess.Popen[bytes] | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        self.daemon = _daemon(self.ns, self.root, NETWORKD, self.log, "/etc/systemd/network")
        wait_until("networkd to take its bus name", self.on_bus, seconds=15)

    def on_bus(self) -> bool:
        assert self.daemon is not None
        if self.daemon.poll() is not None:
            raise AssertionError(f"networkd exited {self.daemon.returncode}:\n{self.logs()}")
        listed = self.command("busctl", "--system", "list", "--no-pager")
        return "org.freedesktop.network1" in listed.stdout

    def restart(self) -> None:
        assert self.daemon is not None
        _stop(self.daemon)
        self.restarts += 1
        self.start()

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A client of the daemons (``networkctl``, ``busctl``), run the way NetnsHost runs it."""
        argv = ["ip", "netns", "exec", self.ns.name, sys.executable, "-I", NETNS_EXEC]
        argv += [str(self.root), "--", *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=20)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.daemon is not None:
            _stop(self.daemon)


@contextmanager
def networkd_in(ns: Netns, root: Path, logdir: Path) -> Iterator[Networkd]:
    """A private system bus and systemd-networkd in ``ns``, with every file under ``root``.

    Both run through netns_exec like every NetnsHost command: ROOT/run is their /run (the
    bus socket, networkd's state and netplan's generated units live there), and
    /etc/systemd/network is ROOT's alone. ``networkctl`` run by the wizard the same way
    reaches this bus and this daemon.
    """
    network = pwd.getpwnam("systemd-network")
    for folder in ("etc/systemd/network", "etc/netplan", "run/dbus", "run/systemd/netif"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    os.chown(root / "run/systemd/netif", network.pw_uid, network.pw_gid)
    with ExitStack() as stack:
        bus = _daemon(ns, root, "dbus-daemon --system --nofork --nopidfile", logdir / "dbus.log")
        stack.callback(_stop, bus)
        wait_until("the private system bus", (root / DBUS_SOCKET).exists, seconds=10)
        made = Networkd(ns, root, logdir / "networkd.log", stack)
        stack.callback(made.stop)
        made.start()
        yield made
