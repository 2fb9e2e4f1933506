"""What the real-VM tests check around a guest: the LAN's view of it, renewals."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from support.netns import Netns, stop

from e2e.guest.domain import Guest, ask
from e2e.guest.lab import Lab, Leased
from e2e.topology import daemon, ifindex, tcp_server
from e2e.wizard import dhcp_host

LAN_ROUTER, HOST_UPLINK = "198.51.100.1", "198.51.100.2"


def lan_asks_back(ns: Netns, lan: Netns, guest_ip: str) -> str:
    """What the LAN's server saw of a connection the guest (asked from ``ns``) opened to it."""
    server = tcp_server(lan, LAN_ROUTER, 7000, "lan")
    try:
        return ask(ns, guest_ip, f"ask+{LAN_ROUTER}+7000")
    finally:
        stop(server)


def assert_reserved_at_renewal(
    lab: Lab, vm: Guest, mac: str, network: str, bridge: str, pid_file: Path, leased: Leased
) -> str:
    """``dhcp-host add`` for the running guest's MAC, then a renewal; the reserved address.

    dnsmasq refuses the leased address at the renewal and hands out the reserved one,
    and it was never restarted for it (same pid and start time), nor was the bridge
    (same ifindex). ``leased`` is the guest's lease before.
    """
    current = ipaddress.ip_interface(leased.address)
    hosts = list(current.network.hosts())
    reserved = str(hosts[-2] if current.ip != hosts[-2] else hosts[-3])
    dnsmasq, link = daemon(pid_file), ifindex(lab.host, bridge)
    dhcp_host("add", network, lab.host.name, lab.root, "--mac", mac, "--ip", reserved)
    assert ask(lab.host, str(current.ip), "renew") == "renewing"
    assert vm.lease(seconds=30, after=leased.seen)[0] == f"{reserved}/{current.network.prefixlen}"
    assert daemon(pid_file) == dnsmasq, "dnsmasq was restarted"
    assert ifindex(lab.host, bridge) == link, "the bridge was re-created"
    return reserved
