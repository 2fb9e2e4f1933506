"""A real NetworkManager (and its private D-Bus) as a test namespace's network service."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from support.netns import Netns

from e2e.networkd import DBUS_SOCKET, _daemon, _stop
from e2e.topology import HOST_MAC, Topology, lan_uplink, settle, uplink_configured, wait_until
from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.model import HostFacts
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.recipes.packages import NEEDS
from virtnet_tui.hosts.netns import NETNS_EXEC

ALMA = 'NAME="AlmaLinux"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'
KEYFILES = "etc/NetworkManager/system-connections"
#: What Anaconda writes for a server with a static address.
UPLINK_KEYFILE = """\
[connection]
id=eth0
uuid=8a1d3e52-2f4b-4c67-9a35-0d5e9e6b7c21
type=ethernet
interface-name=eth0

[ethernet]

[ipv4]
address1=198.51.100.2/24,198.51.100.1
dns=198.51.100.1;
method=manual

[ipv6]
addr-gen-mode=eui64
method=link-local

[proxy]
"""
#: Answers for the fault cases: the uplink bridged and one VM-only bridge.
FAULT_ANSWERS = Path(__file__).with_name("answers") / "stack-faults.toml"


def fault_steps() -> list[tuple[int, str]]:
    """The plan's steps in the keyfile stages and the one after: (number, description).

    The plan apply makes after probing the namespace: Alma 9, NetworkManager with the
    uplink's keyfile, the uplink's address.
    """
    host = HostFacts(
        distro="rhel",
        distro_version="9.4",
        network_manager=True,
        netconfig="networkmanager",
        systemd=False,
        uplink_interface="eth0",
        mac=HOST_MAC,
        ipv4="198.51.100.2/24",
        gateway4="198.51.100.1",
        dummy_supported=False,
        default_network_active=False,
        installed=NEEDS,
        files=((f"/{KEYFILES}/eth0.nmconnection", UPLINK_KEYFILE),),
    )
    plan = prepare(replace(load_answers(FAULT_ANSWERS), host=host)).plan
    numbered = list(plan.steps())
    shaped = [n for n, stage, _ in numbered if "bridge" in stage.name and stage.network]
    last = max(shaped)
    return [(n, step.describe()) for n, _, step in numbered if n in shaped or n == last + 1]


#: The configuration that works in a namespace: keyfiles only, no devices of its own
#: making ("Wired connection 1"), hands off DNS, the hostname and polkit.
NM_CONF = """\
[main]
plugins=keyfile
no-auto-default=*
dns=none
rc-manager=unmanaged
hostname-mode=none
auth-polkit=false

[keyfile]
unmanaged-devices=none

[logging]
level=INFO
"""
#: Folders the daemon keeps to itself: its configuration and profiles, and its state.
PRIVATE = ("/etc/NetworkManager", "/var/lib/NetworkManager")
#: `unshare -u`: hostname-mode=none aside, nothing it does may touch the machine's name.
COMMAND = "unshare -u /usr/sbin/NetworkManager --debug"


@dataclass
class NetworkManager:
    """The running daemon of one test; ``restart()`` stands in for a reboot."""

    ns: Netns
    root: Path
    log: Path
    daemon: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.daemon = _daemon(self.ns, self.root, COMMAND, self.log, *PRIVATE)
        wait_until("NetworkManager to start", self.running, seconds=20)

    def running(self) -> bool:
        assert self.daemon is not None
        if self.daemon.poll() is not None:
            raise AssertionError(f"NetworkManager exited {self.daemon.returncode}:\n{self.logs()}")
        return self.nmcli("-t", "-f", "RUNNING", "general").stdout.strip() == "running"

    def restart(self) -> None:
        assert self.daemon is not None
        _stop(self.daemon)
        self.start()

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A client of the daemons, run the way NetnsHost runs the wizard's commands."""
        argv = ["ip", "netns", "exec", self.ns.name, sys.executable, "-I", NETNS_EXEC]
        argv += [str(self.root), "--", *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30)

    def nmcli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.command("nmcli", *args)

    def profiles(self) -> list[str]:
        """Every profile NetworkManager knows, with the device it is active on ("" if none)."""
        shown = self.nmcli("-t", "-f", "NAME,UUID,DEVICE", "connection", "show")
        return sorted(shown.stdout.splitlines())

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.daemon is not None:
            _stop(self.daemon)


@contextmanager
def networkmanager_in(ns: Netns, root: Path, logdir: Path) -> Iterator[NetworkManager]:
    """A private system bus and NetworkManager in ``ns``, with every file under ``root``.

    ROOT/run is their /run (the bus socket, NetworkManager's runtime state), and
    /etc/NetworkManager and /var/lib/NetworkManager are ROOT's alone; /sys is read-only
    in the daemon's mount namespace (a writable one means "wait for udev"). ``nmcli`` run
    by the wizard through NetnsHost reaches this bus and this daemon.
    """
    for folder in ("etc/NetworkManager/system-connections", "var/lib/NetworkManager", "run/dbus"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    conf = root / "etc/NetworkManager/NetworkManager.conf"
    if not conf.exists():
        conf.write_text(NM_CONF)
    with ExitStack() as stack:
        bus = _daemon(ns, root, "dbus-daemon --system --nofork --nopidfile", logdir / "dbus.log")
        stack.callback(_stop, bus)
        wait_until("the private system bus", (root / DBUS_SOCKET).exists, seconds=10)
        made = NetworkManager(ns, root, logdir / "networkmanager.log")
        stack.callback(made.stop)
        made.start()
        yield made


@contextmanager
def nm_host(topo: Topology, root: Path, logs: Path) -> Iterator[NetworkManager]:
    """A "host" whose eth0 (to a "lan") NetworkManager configures from its keyfile."""
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    # NetworkManager configures eth0 itself, as at boot, rather than adopting what
    # `ip` set by hand.
    host.run("ip", "address", "flush", "dev", "eth0", "scope", "global")
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/os-release").write_text(ALMA)
    keyfile = root / KEYFILES / "eth0.nmconnection"
    keyfile.parent.mkdir(parents=True, exist_ok=True)
    keyfile.write_text(UPLINK_KEYFILE)
    keyfile.chmod(0o600)
    with networkmanager_in(host, root, logs) as daemon:
        wait_until("NetworkManager to configure eth0", lambda: uplink_configured(host), seconds=20)
        settle(host)
        yield daemon


def active_connections(daemon: NetworkManager) -> list[str]:
    """NAME:DEVICE of each connection NetworkManager has active."""
    return sorted(
        daemon.nmcli(
            "-t", "-f", "NAME,DEVICE", "connection", "show", "--active"
        ).stdout.splitlines()
    )
