"""A host whose uplink NetworkManager configures from its keyfile, with a real NetworkManager.

The namespace "host" runs NetworkManager (and a private system bus) as its network
service, as Alma/RHEL 9 and Fedora do; the wizard finds the stack by probing, writes
keyfiles, loads them with `nmcli connection load` and activates the bridges.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from e2e.networkmanager import NetworkManager, networkmanager_in
from e2e.test_bridged import MAX_OUTAGE
from e2e.test_stacks import (
    EXPECTED,
    _apply_while_pinging,
    _bridged_state,
    _configured,
    _wait_for,
    files_under,
)
from e2e.topology import (
    Topology,
    dhcp_lease,
    full_state,
    lan_uplink,
    plug_vm,
    settle,
    state_diff,
    wait_until,
)

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
        wait_until("NetworkManager to configure eth0", lambda: _configured(host), seconds=20)
        settle(host)
        yield daemon


def _active(daemon: NetworkManager) -> list[str]:
    return sorted(
        daemon.nmcli(
            "-t", "-f", "NAME,DEVICE", "connection", "show", "--active"
        ).stdout.splitlines()
    )


@pytest.mark.netns
def test_bridges_on_a_networkmanager_host_apply_survive_a_restart_and_roll_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    if shutil.which("NetworkManager") is None:
        pytest.skip("NetworkManager is not installed (network-manager)")
    with nm_host(topo, root, tmp_path) as daemon:
        host, lan = topo["host"], topo["lan"]
        before, files_before = full_state(host), files_under(root, "etc")
        profiles_before, active_before = daemon.profiles(), _active(daemon)
        assert active_before == ["eth0:eth0", "lo:lo"]

        applied, lost = _apply_while_pinging(host, lan, root)
        print(f"networkmanager: bridging the uplink lost {lost:.2f} s of replies")
        assert lost <= MAX_OUTAGE, f"{lost:.2f} s of replies lost while bridging"
        written = {s.path for _, _, s in applied.plan.steps() if s.kind == "file"}
        assert f"/{KEYFILES}/br0.nmconnection" in written
        assert not any("network-scripts" in p or "interfaces" in p for p in written)
        for name in ("br0", "br0-port-eth0", "virbr10", "virbr20"):
            assert (root / KEYFILES / f"{name}.nmconnection").stat().st_mode & 0o777 == 0o600
        assert _bridged_state(host) == EXPECTED
        assert _active(daemon) == ["br0-port-eth0:eth0", "br0:br0", "lo:lo", "virbr10:virbr10",
                                   "virbr20:virbr20"]  # fmt: skip
        # The old profile is kept, inactive, for rollback.
        assert any(p.startswith("eth0:8a1d3e52") for p in daemon.profiles())

        ports = [plug_vm(topo, "vm1", "virbr10", "52:54:00:be:0a:f3")]
        assert dhcp_lease(topo["vm1"], tmp_path) == "192.168.100.77/24"
        ports.append(plug_vm(topo, "vm2", "virbr20", "52:54:00:be:0a:f4"))
        assert dhcp_lease(topo["vm2"], tmp_path) == "192.0.2.7/28"
        for port in ports:
            host.run("ip", "link", "delete", port)

        # A restart of NetworkManager (what a reboot would do to it) keeps all of it.
        daemon.restart()
        time.sleep(1.0)  # time to (wrongly) reconfigure anything
        _wait_for(lambda: _bridged_state(host) == EXPECTED, seconds=10)
        assert _bridged_state(host) == EXPECTED, daemon.logs()[-3000:]

        applied.rollback()
        settle(host)
        _wait_for(lambda: full_state(host) == before, seconds=10)
        assert state_diff(before, full_state(host)) == [], (
            "\n".join(state_diff(before, full_state(host))) + daemon.logs()[-3000:]
        )
        assert files_under(root, "etc") == files_before
        assert daemon.profiles() == profiles_before
        assert _active(daemon) == active_before
