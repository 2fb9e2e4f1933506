"""The handbook's three "Multiple networks" examples, each a first run plus a re-run.

Each example's VM has one NIC on each network, as the handbook describes, and uses both
at once; the answers files are ``answers/multi-exampleN-{first,rerun}.toml``.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from support.netns import Netns, stop

from e2e.libvirtd import libvirtd_in
from e2e.topology import (
    Topology,
    daemon,
    dhcp_lease,
    lan_uplink,
    plug_vm,
    provider_routes,
    tcp_ask,
    tcp_server,
    wait_until,
)
from e2e.wizard import apply_answers

ANSWERS = Path(__file__).with_name("answers")
VM_MAC_V6, VM_MAC_V4 = "52:54:00:e1:00:06", "52:54:00:e1:00:04"
VM_MAC_LAN = "52:54:00:e1:00:05"
#: SLAAC's address for VM_MAC_V6 in the routed /64 (modified EUI-64).
VM_V6 = str(ipaddress.ip_address("2001:db8:1:1:5054:ff:fee1:6"))
LAN_V4, LAN_V6 = "198.51.100.1", "2001:db8:1::1"
#: Example 2's VM binds this address of the VLAN itself; Example 3's its LAN address.
VM_VLAN_V6, VM_LAN_V4 = "2001:db8:1::50", "198.51.100.50"
#: Example 3's wireless network: the host's wlan0 and a client on it.
HOST_WLAN, WLAN_CLIENT = "203.0.113.2/24", "203.0.113.1/24"


def _global_v6(vm: Netns, dev: str) -> list[str]:
    addrs = json.loads(vm.run("ip", "-j", "-6", "address", "show", "dev", dev).stdout)
    return [
        str(ipaddress.ip_address(i["local"]))
        for a in addrs
        for i in a.get("addr_info", [])
        if i.get("scope") == "global" and not i.get("tentative")
    ]


def _lan_sees(vm: Netns, lan: Netns, address: str) -> str:
    """Who the LAN's server at ``address`` sees when the VM connects to it."""
    server = tcp_server(lan, address, 7000, "lan")
    try:
        return tcp_ask(vm, address, 7000)
    finally:
        stop(server)


def _solicit_once_forwarding(host: Netns, port: str, vm: Netns) -> None:
    """Have the VM ask for a router advertisement once its bridge port forwards.

    With STP on, a new port forwards only after a few seconds; router solicitations sent
    before are lost, and the kernel's next ones back off. Bringing the VM's link down and
    up, as a booting VM would, sends a fresh one at once.
    """

    def forwarding() -> bool:
        ports = json.loads(host.run("bridge", "-j", "link", "show", "dev", port).stdout)
        return bool(ports) and ports[0].get("state") == "forwarding"

    wait_until(f"bridge port {port} to forward", forwarding, seconds=15)
    vm.run("ip", "link", "set", "eth0", "down")
    vm.run("ip", "link", "set", "eth0", "up")


def _second_nic(topo: Topology, bridge: str, mac: str) -> str:
    """Give the "vm" namespace an "eth1" (with ``mac``) on ``bridge``; the host's port."""
    port = f"vnet{bridge[-4:]}"
    topo.veth("host", port, "vm", "eth1", b_mac=mac)
    topo["host"].run("ip", "link", "set", port, "master", bridge)
    return port


def _stanzas(root: Path) -> list[str]:
    text = (root / "etc/network/interfaces").read_text()
    return [" ".join(line.split()[1:3]) for line in text.splitlines() if line.startswith("iface")]


@pytest.mark.netns
def test_example1_routed_ipv6_then_nat_ipv4_both_serve_one_vm(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    """A /56 of IPv6 and one IPv4 address: routed IPv6 (libvirt), then NAT for IPv4."""
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo, ipv6=True)
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        first = apply_answers(ANSWERS / "multi-example1-first.toml", host.name, root)
        provider_routes(first.plan, lan)
        routed_dnsmasq = daemon(root / "run/libvirt/network/virbr1.pid")

        second = apply_answers(ANSWERS / "multi-example1-rerun.toml", host.name, root)
        assert conn.networkLookupByName("virbr1").isActive(), "the re-run keeps the first"
        assert daemon(root / "run/libvirt/network/virbr1.pid") == routed_dnsmasq
        nat_dnsmasq = daemon(root / "run/dnsmasq/virbr10.pid")

        # One VM, one NIC on each network: IPv6 by SLAAC on the routed one, IPv4 by DHCP
        # on the NAT one.
        port_v6 = plug_vm(topo, "vm", "virbr1", VM_MAC_V6)
        vm = topo["vm"]
        port_v4 = _second_nic(topo, "virbr10", VM_MAC_V4)
        _solicit_once_forwarding(host, port_v6, vm)
        wait_until(
            "a SLAAC address on the routed NIC",
            lambda: VM_V6 in _global_v6(vm, "eth0"),
            seconds=20,
        )
        lease = ipaddress.ip_interface(dhcp_lease(vm, tmp_path, iface="eth1"))
        assert lease.network == ipaddress.ip_network("192.168.100.0/24")

        # IPv6 is routed (the LAN sees the VM's own address), IPv4 is NATed (the host's).
        wait_until("an IPv6 default route", lambda: "default" in vm.run("ip", "-6", "r").stdout)
        assert _lan_sees(vm, lan, LAN_V6) == f"lan sees {VM_V6}"
        assert _lan_sees(vm, lan, LAN_V4) == "lan sees 198.51.100.2"

        # Rolling back the re-run leaves the routed network serving the VM.
        host.run("ip", "link", "delete", port_v4)
        second.rollback()
        assert nat_dnsmasq[0] not in _pids(host)
        assert "virbr10" not in host.run("ip", "-o", "link", "show").stdout
        assert conn.networkLookupByName("virbr1").isActive()
        assert daemon(root / "run/libvirt/network/virbr1.pid") == routed_dnsmasq
        assert _lan_sees(vm, lan, LAN_V6) == f"lan sees {VM_V6}"


@pytest.mark.netns
def test_example2_bridged_ipv6_then_nat_ipv4_both_serve_one_vm(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    """A private VLAN where VMs bind IPv6 directly (bridge br0), NAT for IPv4 (re-run)."""
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo, ipv6=True)
    apply_answers(ANSWERS / "multi-example2-first.toml", host.name, root)
    bridged = (root / "etc/network/interfaces").read_bytes()
    second = apply_answers(ANSWERS / "multi-example2-rerun.toml", host.name, root)
    wanted = ["eth0 inet", "br0 inet", "br0 inet6", "virbr10 inet"]
    assert sorted(_stanzas(root)) == sorted(wanted), "the re-run keeps br0's stanzas"

    # The VM's first NIC binds its own address on the VLAN; the second gets a NAT lease.
    plug_vm(topo, "vm", "br0", VM_MAC_LAN)
    vm = topo["vm"]
    vm.run("ip", "-6", "address", "add", f"{VM_VLAN_V6}/64", "dev", "eth0", "nodad")
    port_v4 = _second_nic(topo, "virbr10", VM_MAC_V4)
    lease = ipaddress.ip_interface(dhcp_lease(vm, tmp_path, iface="eth1"))
    assert lease.network == ipaddress.ip_network("192.168.100.0/24")
    assert _lan_sees(vm, lan, LAN_V6) == f"lan sees {VM_VLAN_V6}"
    assert _lan_sees(vm, lan, LAN_V4) == "lan sees 198.51.100.2"
    host.run("ping", "-c", "1", "-W", "2", LAN_V4)

    # Rolling back the re-run leaves the bridge, its addresses and the VM's IPv6 as they were.
    host.run("ip", "link", "delete", port_v4)
    second.rollback()
    assert (root / "etc/network/interfaces").read_bytes() == bridged
    assert "198.51.100.2/24" in host.run("ip", "-4", "address", "show", "dev", "br0").stdout
    assert _lan_sees(vm, lan, LAN_V6) == f"lan sees {VM_VLAN_V6}"


@pytest.mark.netns
def test_example3_bridged_lan_then_routed_for_wireless_clients_reach_one_vm(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    """Ethernet clients reach the VM through bridge br0, wireless ones through a routed network."""
    host, lan, wlan = topo.add("host"), topo.add("lan"), topo.add("wlan")
    lan_uplink(topo)
    topo.veth("wlan", "wlan0", "host", "wlan0")
    host.run("ip", "address", "add", HOST_WLAN, "dev", "wlan0")
    wlan.run("ip", "address", "add", WLAN_CLIENT, "dev", "wlan0")
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        apply_answers(ANSWERS / "multi-example3-first.toml", host.name, root)
        second = apply_answers(ANSWERS / "multi-example3-rerun.toml", host.name, root)
        assert conn.networkLookupByName("virbr1").isActive()
        assert sorted(_stanzas(root)) == ["br0 inet", "eth0 inet"], "libvirt keeps its own"
        # The wireless network's router sends the routed subnet to the host, as the LAN
        # router is asked to in the plan.
        wlan.run("ip", "route", "add", "192.0.2.0/28", "via", HOST_WLAN.split("/")[0])

        # One VM: its address on the Ethernet LAN through br0, and a lease on virbr1.
        plug_vm(topo, "vm", "br0", VM_MAC_LAN)
        vm = topo["vm"]
        vm.run("ip", "address", "add", f"{VM_LAN_V4}/24", "dev", "eth0")
        _second_nic(topo, "virbr1", VM_MAC_V4)
        lease = ipaddress.ip_interface(dhcp_lease(vm, tmp_path, iface="eth1"))
        assert lease.network == ipaddress.ip_network("192.0.2.0/28")
        server = tcp_server(vm, "0.0.0.0", 80, "vm")
        try:
            assert tcp_ask(lan, VM_LAN_V4, 80) == f"vm sees {LAN_V4}"
            client = WLAN_CLIENT.split("/")[0]
            assert tcp_ask(wlan, str(lease.ip), 80) == f"vm sees {client}"
        finally:
            stop(server)
        second.rollback()
        assert "virbr1" not in [n.name() for n in conn.listAllNetworks()]
        assert "198.51.100.2/24" in host.run("ip", "-4", "address", "show", "dev", "br0").stdout


def _pids(ns: Netns) -> list[int]:
    return [int(p) for p in ns.run("ip", "netns", "pids", ns.name).stdout.split()]
