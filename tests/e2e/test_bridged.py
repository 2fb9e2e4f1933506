"""Bridged end to end: the uplink becomes a bridge port while the LAN keeps pinging the host."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from e2e.pinging import MAX_OUTAGE, lost_seconds, start_pinging, stop_pinging
from e2e.topology import (
    Topology,
    full_state,
    host_firewall,
    lan_uplink,
    machine_snapshot,
    plug_vm,
    settle,
    state_diff,
)
from e2e.wizard import Applied, apply_answers

ANSWERS = Path(__file__).with_name("answers") / "bridged.toml"
#: Bridge netfilter settings the host had before, not all alike, so that a rollback
#: writing one value for all of them, or the kernel's defaults, shows.
BRIDGE_NF = {
    "net.bridge.bridge-nf-call-iptables": "1",
    "net.bridge.bridge-nf-call-ip6tables": "0",
    "net.bridge.bridge-nf-call-arptables": "1",
}


def _bridge(topo: Topology, root: Path) -> tuple[Applied, float]:
    """Apply the bridged plan in "host" while "lan" pings it; the seconds of replies lost."""
    host, lan = topo["host"], topo["lan"]
    pinger = start_pinging(lan, "198.51.100.2")
    try:
        applied = apply_answers(ANSWERS, host.name, root)
        applied_at = time.time()
        host.run("ping", "-c", "3", "-i", "0.2", "198.51.100.1")  # replies after the change
        time.sleep(1.0)  # an outage that goes on after apply returned must show
    finally:
        output = stop_pinging(pinger)
    lost, seen = lost_seconds(output, applied_at)
    print(f"bridging the uplink: {lost:.2f} s of replies lost, {seen} replies seen")
    return applied, lost


@pytest.mark.netns
def test_bridging_the_uplink_keeps_the_host_reachable(topo: Topology, root: Path) -> None:
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    machine_before = machine_snapshot()

    _, lost = _bridge(topo, root)
    assert lost <= MAX_OUTAGE, f"{lost:.2f} s of replies lost while bridging"

    # The bridge holds the address, MAC and default route; eth0 is its port.
    assert "master br0" in host.run("ip", "-o", "link", "show", "eth0").stdout
    assert "198.51.100.2/24" in host.run("ip", "-o", "address", "show", "dev", "br0").stdout
    assert "02:00:00:00:00:02" in host.run("ip", "-o", "link", "show", "br0").stdout
    assert "default via 198.51.100.1 dev br0" in host.run("ip", "route").stdout
    assert not host.run("ip", "-o", "-4", "address", "show", "dev", "eth0").stdout

    # A VM on the bridge is on the LAN itself.
    plug_vm(topo, "vm", "br0", "52:54:00:00:00:10")
    vm = topo["vm"]
    vm.run("ip", "address", "add", "198.51.100.10/24", "dev", "eth0")
    vm.run("ping", "-c", "1", "-W", "2", "198.51.100.1")
    assert machine_snapshot() == machine_before


@pytest.mark.netns
def test_bridged_rollback_restores_links_addresses_and_routes(topo: Topology, root: Path) -> None:
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    host_firewall(host)
    before = full_state(host)

    applied, _ = _bridge(topo, root)
    applied.rollback()
    settle(host)
    assert state_diff(before, full_state(host)) == []


@pytest.mark.netns
def test_bridged_rollback_puts_bridge_netfilter_settings_back(topo: Topology, root: Path) -> None:
    """The plan turns all three off; ``virtnet-wizard rollback`` gives each its own value."""
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    host.run("sysctl", "-w", *(f"{key}={value}" for key, value in BRIDGE_NF.items()))
    before = full_state(host)

    applied = apply_answers(ANSWERS, host.name, root)
    assert host.run("sysctl", "-n", *BRIDGE_NF).stdout.split() == ["0", "0", "0"]
    assert "master br0" in host.run("ip", "-o", "link", "show", "eth0").stdout
    applied.rollback()
    settle(host)
    assert state_diff(before, full_state(host)) == []
    assert host.run("sysctl", "-n", *BRIDGE_NF).stdout.split() == list(BRIDGE_NF.values())
