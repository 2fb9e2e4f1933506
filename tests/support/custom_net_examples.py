"""The handbook's custom routed and custom NAT examples as models, shared by the render tests."""

from __future__ import annotations

import dataclasses

from virtnet_tui.core.model import DhcpHost, HostFacts, NetworkSpec, PortForward

BRIDGE = "virbr10"
BRIDGE_MAC = "52:54:00:7e:27:af"

FACTS = HostFacts(
    distro="debian",
    ipv4="203.0.113.86/28",
    dnsmasq_version="2.90",
    ssh_port=22,
    systemd=True,
    dummy_supported=True,
)

#: "Custom NAT-based network" with the forwards of "Example of iptables NAT with connection
#: forwarding": 80 and 443 to the VM, 7722 to the VM's port 22.
NAT = NetworkSpec(
    type="custom-nat",
    name=BRIDGE,
    bridge=BRIDGE,
    ipv4="192.168.100.1/24",
    dhcp4=("192.168.100.2", "192.168.100.254"),
    ipv6="",
    ipv6_mode="none",
    bridge_mac=BRIDGE_MAC,
    public_ipv4="203.0.113.3",
    dhcp_hosts=(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3"),),
    forwards=(
        PortForward(proto="tcp", ports=(80, 443), to="192.168.100.77"),
        PortForward(proto="tcp", ports=(7722,), to="192.168.100.77", to_port=22),
    ),
)

#: "Custom NAT-based network" without forwards ("Example of iptables NAT").
NAT_PLAIN = dataclasses.replace(NAT, forwards=(), public_ipv4="")

#: "Custom routed network": a public /29 and a /64, SLAAC by dnsmasq. The handbook puts the
#: network address itself on the bridge; the spec carries that host address as given.
ROUTED_SLAAC = NetworkSpec(
    type="custom-routed",
    name=BRIDGE,
    bridge=BRIDGE,
    ipv4="203.0.113.88/29",
    dhcp4=("203.0.113.89", "203.0.113.94"),
    ipv6="2001:db8:aa::1/64",
    ipv6_mode="slaac",
    bridge_mac=BRIDGE_MAC,
    dhcp_hosts=(
        DhcpHost(ip="203.0.113.90", mac="52:54:00:3b:9a:2b"),
        DhcpHost(ip="2001:db8:aa::1010", id="00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b"),
    ),
)

#: The same network with DHCPv6 (the handbook's commented-out alternative).
ROUTED_DHCPV6 = dataclasses.replace(ROUTED_SLAAC, ipv6_mode="dhcpv6")

#: A custom NAT network that also routes an IPv6 /64 (IPv6 is never NATed).
NAT_WITH_V6 = dataclasses.replace(NAT, ipv6="2001:db8:bb::1/64", ipv6_mode="slaac")

#: An IPv6-only routed network: no IPv4 rules, no DHCPv4.
ROUTED_V6_ONLY = dataclasses.replace(
    ROUTED_DHCPV6, ipv4="", dhcp4=None, dhcp_hosts=ROUTED_DHCPV6.dhcp_hosts[1:]
)

#: dnsmasq 2.60: no bind-dynamic, no router advertisements.
OLD_FACTS = dataclasses.replace(FACTS, dnsmasq_version="2.60")

#: Every firewall variant: (golden name, spec).
FIREWALL_VARIANTS: tuple[tuple[str, NetworkSpec], ...] = (
    ("nat-forwards", NAT),
    ("nat-plain", NAT_PLAIN),
    ("nat-v6", NAT_WITH_V6),
    ("routed-slaac", ROUTED_SLAAC),
    ("routed-dhcpv6", ROUTED_DHCPV6),
    ("routed-v6-only", ROUTED_V6_ONLY),
    ("nat-no-dhcp", dataclasses.replace(NAT_PLAIN, dhcp4=None, dhcp_hosts=())),
)
