"""Custom NAT end to end: a VM gets its reserved lease, is masqueraded out and reachable in."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.netns import stop

from e2e.topology import (
    Topology,
    dhcp_lease,
    host_firewall,
    lan_uplink,
    live_processes,
    machine_snapshot,
    net_state,
    plug_vm,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers

ANSWERS = Path(__file__).with_name("answers") / "custom-nat.toml"
VM_MAC = "52:54:00:be:0a:f3"


@pytest.mark.netns
def test_custom_nat_serves_masquerades_forwards_and_rolls_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    host_firewall(host)
    before, machine_before = net_state(host), machine_snapshot()

    applied = apply_answers(ANSWERS, host.name, root)
    rules = host.run("iptables-save").stdout
    assert "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" in rules, "the host's rules stay"
    assert rules.index("-A FORWARD -j VNW-virbr10-FWD") < rules.index("-A FORWARD -s 10.255")

    # The reserved lease, from the wizard's dnsmasq, recorded in the root's leases file.
    port = plug_vm(topo, "vm", "virbr10", VM_MAC)
    vm = topo["vm"]
    assert dhcp_lease(vm, tmp_path) == "192.168.100.77/24"
    leases = (root / "var/lib/dnsmasq/virbr10/leases").read_text()
    assert VM_MAC in leases and "192.168.100.77" in leases

    # Out through MASQUERADE: the LAN sees the host's address, not the VM's.
    vm.run("ping", "-c", "1", "-W", "2", "198.51.100.1")
    server = tcp_server(lan, "198.51.100.1", 7000, "lan")
    try:
        assert tcp_ask(vm, "198.51.100.1", 7000) == "lan sees 198.51.100.2"
    finally:
        stop(server)

    # In through the forwarded port: the host's 8080 reaches the VM's 80.
    server = tcp_server(vm, "0.0.0.0", 80, "vm")
    try:
        assert tcp_ask(lan, "198.51.100.2", 8080) == "vm sees 198.51.100.1"
    finally:
        stop(server)

    # The VM goes away, then the run is rolled back: the host is as it was.
    host.run("ip", "link", "delete", port)
    applied.rollback()
    assert net_state(host) == before
    assert "dnsmasq" not in live_processes(host)
    assert machine_snapshot() == machine_before
