"""Answers for every (type x distro x NetworkManager x IPv6 mode) combination, and edge cases."""

from __future__ import annotations

import dataclasses
import itertools

from virtnet_tui.core.model import (
    Answers,
    DhcpHost,
    Distro,
    HostFacts,
    Ipv6Mode,
    NetworkSpec,
    NetworkType,
    PortForward,
    Situation,
)

TYPES: tuple[NetworkType, ...] = ("bridged", "routed", "nat", "custom-routed", "custom-nat")
DISTROS: tuple[Distro, ...] = ("debian", "rhel", "fedora")
IPV6: tuple[Ipv6Mode, ...] = ("none", "slaac", "dhcpv6")

DUID = "00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b"


def facts(distro: Distro, nm: bool, ipv6: bool, **extra: object) -> HostFacts:
    base = HostFacts(
        distro=distro,
        distro_version={"debian": "12", "rhel": "9", "fedora": "40"}[distro],
        network_manager=nm,
        systemd=True,
        uplink_interface="eth0",
        mac="0c:c4:7a:92:ec:ee",
        ipv4="203.0.113.86/28",
        gateway4="203.0.113.81",
        ipv6="2001:db8::1/64" if ipv6 else "",
        gateway6="fe80::1" if ipv6 else "",
        dnsmasq_version="2.90",
        kernel="6.1.0",
        hostname="matrix",
        default_network_active=True,
    )
    return dataclasses.replace(base, **extra)  # type: ignore[arg-type]


def spec(kind: NetworkType, ipv6: Ipv6Mode) -> NetworkSpec:
    if kind == "bridged":
        return NetworkSpec(type="bridged", name="br0", bridge="br0", uplink="eth0")
    routed = kind in ("routed", "custom-routed")
    ipv4 = "203.0.113.88/29" if routed else "192.168.100.1/24"
    dhcp4 = ("203.0.113.89", "203.0.113.94") if routed else ("192.168.100.2", "192.168.100.254")
    vm4 = "203.0.113.90" if routed else "192.168.100.77"
    hosts = [DhcpHost(ip=vm4, mac="52:54:00:be:0a:f3", name="web")]
    v6 = "" if ipv6 == "none" else "2001:db8:aa::1/64"
    if ipv6 == "dhcpv6":
        hosts.append(DhcpHost(ip="2001:db8:aa::1010", id=DUID))
    bridge = "virbr10" if kind.startswith("custom") else "virbr1"
    forwards: tuple[PortForward, ...] = ()
    if kind == "custom-nat":
        forwards = (
            PortForward(proto="tcp", ports=(80, 443), to=vm4),
            PortForward(proto="tcp", ports=(7722,), to=vm4, to_port=22),
            PortForward(proto="udp", ports=(51820,), to=vm4),
        )
    return NetworkSpec(
        type=kind,
        name="mynetwork1" if kind in ("routed", "nat") else bridge,
        bridge=bridge,
        ipv4=ipv4,
        dhcp4=dhcp4,
        ipv6=v6,
        ipv6_mode=ipv6,
        dhcp6=("2001:db8:aa::1000", "2001:db8:aa::1fff") if ipv6 == "dhcpv6" else None,
        bridge_mac="52:54:00:7e:27:af" if kind.startswith("custom") else "",
        public_ipv4="203.0.113.86" if kind == "custom-nat" else "",
        dhcp_hosts=tuple(hosts),
        forwards=forwards,
    )


def situation(kind: NetworkType) -> Situation:
    return Situation(
        site="dedicated",
        uplink="ethernet",
        public_ipv4=6,
        vms=4,
        bridging_allowed=kind == "bridged",
        ipv6_prefix=56,
        inbound=True,
        firewall="manual" if kind.startswith("custom") else "libvirt",
    )


def case(kind: NetworkType, distro: Distro, nm: bool, ipv6: Ipv6Mode, **extra: object) -> Answers:
    return Answers(
        situation=situation(kind),
        host=facts(distro, nm, ipv6 != "none", **extra),
        networks=(spec(kind, ipv6),),
    )


MATRIX: dict[str, Answers] = {
    f"{kind}-{distro}-{'nm' if nm else 'nonm'}-{ipv6}": case(kind, distro, nm, ipv6)
    for kind, distro, nm, ipv6 in itertools.product(TYPES, DISTROS, (False, True), IPV6)
}

EDGE_CASES: dict[str, Answers] = {
    # RHEL 6: NetworkManager needs a switch before it manages bridges.
    "bridged-rhel6-nm": case(
        "bridged", "rhel", True, "slaac", distro_version="6.10", systemd=False
    ),
    "custom-nat-rhel6-nm": case(
        "custom-nat", "rhel", True, "none", distro_version="6.10", systemd=False
    ),
    # Without NetworkManager and systemd the dummy module's dummy0 is used.
    "custom-routed-rhel-nonm-nosystemd": case(
        "custom-routed", "rhel", False, "slaac", systemd=False
    ),
    # A kernel without the dummy link type: the bridge's own MAC is fixed instead.
    "custom-nat-debian-nodummy": case("custom-nat", "debian", False, "none", dummy_supported=False),
    "custom-routed-fedora-nm-nodummy": case(
        "custom-routed", "fedora", True, "slaac", dummy_supported=False
    ),
    # dnsmasq 2.62 and older: listen on addresses; before 2.64 radvd does SLAAC.
    "custom-routed-debian-dnsmasq260": case(
        "custom-routed", "debian", False, "slaac", dnsmasq_version="2.60"
    ),
    "custom-routed-debian-dnsmasq263": case(
        "custom-routed", "debian", False, "slaac", dnsmasq_version="2.63"
    ),
    # An old kernel: the udev rule matches the "bridge" module.
    "bridged-rhel-oldkernel": case("bridged", "rhel", False, "none", kernel="3.10.0"),
    # A system-wide dnsmasq must be told to keep off the bridge.
    "custom-nat-debian-systemdnsmasq": case(
        "custom-nat", "debian", False, "none", system_dnsmasq=True
    ),
    # An existing /etc/network/interfaces is edited, not replaced.
    "bridged-debian-existing-interfaces": case(
        "bridged",
        "debian",
        False,
        "slaac",
        files=(
            (
                "/etc/network/interfaces",
                "# The loopback network interface\nauto lo\niface lo inet loopback\n\n"
                "# The primary network interface\nallow-hotplug eth0\niface eth0 inet static\n"
                "    address 203.0.113.86/28\n    gateway 203.0.113.81\n"
                "    dns-nameservers 192.0.2.53\n",
            ),
        ),
    ),
    # host.firewall_backend = "nftables": one table per network, loaded from one file.
    "custom-nat-debian-nftables": case(
        "custom-nat", "debian", False, "dhcpv6", firewall_backend="nftables"
    ),
    "custom-routed-fedora-nm-nftables": case(
        "custom-routed", "fedora", True, "slaac", firewall_backend="nftables"
    ),
    # libvirt's own nftables backend: the warnings name its libvirt_network tables.
    "nat-fedora-nm-libvirt-nftables": case(
        "nat", "fedora", True, "none", libvirt_firewall_backend="nftables"
    ),
    # host.firewall_backend = "firewalld": the bridge in libvirt's zone where it exists,
    # else in a zone of the wizard's; masquerade and port forwards as rich rules.
    "custom-nat-fedora-nm-firewalld": case(
        "custom-nat",
        "fedora",
        True,
        "none",
        firewall_backend="firewalld",
        firewalld_zone="FedoraServer",
        firewalld_zones=("FedoraServer", "libvirt", "public"),
    ),
    "custom-routed-debian-firewalld": case(
        "custom-routed", "debian", False, "dhcpv6", firewall_backend="firewalld"
    ),
    # Docker's FORWARD policy DROP: DOCKER-USER lets the bridge forward, in every backend.
    "custom-nat-debian-nftables-docker": case(
        "custom-nat", "debian", False, "none", firewall_backend="nftables", docker=True
    ),
    "custom-routed-debian-docker": case("custom-routed", "debian", False, "none", docker=True),
    "nat-debian-docker": case("nat", "debian", False, "none", docker=True),
}

ALL_CASES: dict[str, Answers] = {**MATRIX, **EDGE_CASES}
