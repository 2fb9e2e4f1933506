"""Re-run on a libvirt NAT network: 100 DHCP hosts added live through a real libvirtd."""

from __future__ import annotations

import ipaddress
import statistics
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import libvirt
import pytest

from e2e.libvirtd import libvirtd_in
from e2e.topology import Topology, daemon, dhcp_lease, ifindex, plug_vm
from e2e.wizard import apply_answers, dhcp_host, status_networks

ANSWERS = Path(__file__).with_name("answers") / "libvirt-nat.toml"
NETWORK, BRIDGE = "vnwnat", "virbr30"
HOSTS = 100
#: A bound for one add that only a hang or a network restart would break; the median
#: itself is printed for the report (libvirtd 9.0 alone takes about 0.35 s per
#: net-update, as it reloads the network's iptables rules).
MAX_MEDIAN_ADD = 2.0


def _reservation(i: int) -> tuple[str, str]:
    """The i-th reservation: a distinct MAC and an address inside 192.168.130.2-254."""
    return f"52:54:00:aa:{i // 256:02x}:{i % 256:02x}", f"192.168.130.{100 + i}"


def _dhcp_hosts(xml: str) -> set[tuple[str, str]]:
    """(MAC, IP) of every ``<host>`` in the IPv4 ``<dhcp>`` of a network's XML."""
    tree = ET.fromstring(xml)
    return {
        (h.get("mac", ""), h.get("ip", ""))
        for ip in tree.iter("ip")
        if ip.get("family", "ipv4") == "ipv4"
        for h in ip.iterfind("dhcp/host")
    }


@pytest.mark.netns
def test_hundred_dhcp_hosts_are_added_live_without_restarting_the_network(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    # No LAN: the reservations concern the VMs' side only.
    host = topo.add("host")
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        apply_answers(ANSWERS, host.name, root)
        pid_file = root / "run/libvirt/network" / f"{NETWORK}.pid"
        dnsmasq = daemon(pid_file)
        assert str(dnsmasq[0]) in host.run("ip", "netns", "pids", host.name).stdout
        bridge = ifindex(topo["host"], BRIDGE)

        took = []
        for i in range(HOSTS):
            mac, ip = _reservation(i)
            start = time.monotonic()
            dhcp_host("add", NETWORK, host.name, root, "--mac", mac, "--ip", ip)
            took.append(time.monotonic() - start)
            # Never a restart: the same dnsmasq process serves the network after every add.
            assert daemon(pid_file) == dnsmasq, f"dnsmasq was restarted by add #{i + 1}"
        median = statistics.median(took)
        print(
            f"\ndhcp-host add on a real libvirtd: median {median:.3f} s, "
            f"min {min(took):.3f} s, max {max(took):.3f} s over {HOSTS} adds"
        )
        assert median < MAX_MEDIAN_ADD

        wanted = {_reservation(i) for i in range(HOSTS)}
        net = conn.networkLookupByName(NETWORK)
        assert _dhcp_hosts(net.XMLDesc(0)) == wanted, "the live definition"
        assert _dhcp_hosts(net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)) == wanted
        # What libvirt's running dnsmasq reads: the hosts file it was given at start.
        hostsfile = (root / "var/lib/libvirt/dnsmasq" / f"{NETWORK}.hostsfile").read_text()
        assert {tuple(line.split(",")[:2]) for line in hostsfile.split()} == wanted
        assert net.isActive() and ifindex(topo["host"], BRIDGE) == bridge, "the bridge is the same"
        # The wizard's state knows them all too (what a later re-run checks against).
        status = status_networks(host.name, root)[NETWORK]
        assert {(h["mac"], h["ip"]) for h in status["dhcp_hosts"]} == wanted
        assert status["live"]["dnsmasq_running"] and status["drift"] == []

        # The live update reached dnsmasq: a VM with a reserved MAC gets its address.
        mac, ip = _reservation(42)
        plug_vm(topo, "vm", BRIDGE, mac)
        lease = ipaddress.ip_interface(dhcp_lease(topo["vm"], tmp_path))
        assert str(lease.ip) == ip
        assert daemon(pid_file) == dnsmasq
