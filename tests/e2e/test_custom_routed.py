"""Custom routed with IPv6 end to end: a VM gets IPv4 by DHCP and IPv6 by SLAAC, routes both."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from support.netns import Netns, stop

from e2e.topology import (
    Topology,
    dhcp_lease,
    host_firewall,
    lan_uplink,
    live_processes,
    machine_snapshot,
    net_state,
    plug_vm,
    provider_routes,
    tcp_ask,
    tcp_server,
    wait_until,
)
from e2e.wizard import apply_answers

ANSWERS = Path(__file__).with_name("answers") / "custom-routed.toml"
VM_MAC = "52:54:00:12:34:56"
#: What SLAAC makes of VM_MAC in 2001:db8:2::/64 (modified EUI-64), and the bridge's
#: link-local address, made the same way from the bridge's MAC 52:54:00:7e:27:b0.
VM_V6 = str(ipaddress.ip_address("2001:db8:2::5054:ff:fe12:3456"))  # canonical: RFC 5952
BRIDGE_LINK_LOCAL = "fe80::5054:ff:fe7e:27b0"


def _global_v6(vm: Netns) -> list[str]:
    addrs = json.loads(vm.run("ip", "-j", "-6", "address", "show", "dev", "eth0").stdout)
    return [
        str(ipaddress.ip_address(i["local"]))
        for a in addrs
        for i in a.get("addr_info", [])
        if i.get("scope") == "global" and not i.get("tentative")
    ]


@pytest.mark.netns
def test_custom_routed_gives_slaac_and_routes_both_families(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo, ipv6=True)
    host_firewall(host)
    before, machine_before = net_state(host), machine_snapshot()

    applied = apply_answers(ANSWERS, host.name, root)
    provider_routes(applied.plan, lan)

    port = plug_vm(topo, "vm", "virbr20", VM_MAC)
    vm = topo["vm"]
    lease = ipaddress.ip_interface(dhcp_lease(vm, tmp_path, seconds=15))
    assert lease.network == ipaddress.ip_network("192.0.2.0/28")
    # SLAAC from the wizard's dnsmasq: the address from the advertised prefix, and the
    # default route through the bridge.
    wait_until("a SLAAC address on the vm", lambda: VM_V6 in _global_v6(vm), seconds=20)
    routes6 = vm.run("ip", "-6", "route", "show", "default").stdout
    assert f"via {BRIDGE_LINK_LOCAL} dev eth0" in routes6

    # Both families are routed, not translated: the LAN sees the VM's own addresses,
    # and reaches the VM directly.
    vm.run("ping", "-c", "1", "-W", "2", "198.51.100.1")
    vm.run("ping", "-6", "-c", "1", "-W", "2", "2001:db8:1::1")
    for lan_addr in ("198.51.100.1", "2001:db8:1::1"):
        server = tcp_server(lan, lan_addr, 7000, "lan")
        try:
            mine = str(lease.ip) if ":" not in lan_addr else VM_V6
            assert tcp_ask(vm, lan_addr, 7000) == f"lan sees {mine}"
        finally:
            stop(server)
    server = tcp_server(vm, "::", 80, "vm")
    try:
        assert tcp_ask(lan, VM_V6, 80) == "vm sees 2001:db8:1::1"
        assert tcp_ask(lan, str(lease.ip), 80) == "vm sees ::ffff:198.51.100.1"
    finally:
        stop(server)

    host.run("ip", "link", "delete", port)
    applied.rollback()
    assert net_state(host) == before
    assert "dnsmasq" not in live_processes(host)
    assert machine_snapshot() == machine_before
