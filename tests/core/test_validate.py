"""Tests for the checks that the answers make sense together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from virtnet_tui.core.errors import AnswersError, FieldError
from virtnet_tui.core.model import Answers, DhcpHost, HostFacts, NetworkSpec, PortForward, Situation
from virtnet_tui.core.validate.answers import check_answers, require_valid
from virtnet_tui.core.validate.fields import (
    bridge_name_limit,
    check_address,
    check_bridge,
    check_cidr,
    check_duid,
    check_hostname,
    check_ifname,
    check_mac,
    check_name,
    check_port,
    check_version,
)

Change = Callable[[Answers], Answers]

# DESIGN.md's custom NAT network, with a unicast uplink MAC.
NAT = Answers(
    situation=Situation(site="dedicated", uplink="ethernet", vms=4, ipv6_prefix=56, inbound=True),
    host=HostFacts(
        uplink_interface="eth0",
        mac="00:25:90:ab:cd:ef",
        ipv4="203.0.113.166/29",
        gateway4="203.0.113.161",
        ipv6="2001:db8::1/64",
        gateway6="fe80::1",
    ),
    networks=(
        NetworkSpec(
            type="custom-nat",
            name="virbr10",
            bridge="virbr10",
            ipv4="192.168.100.1/24",
            dhcp4=("192.168.100.2", "192.168.100.254"),
            ipv6="2001:db8:aa::1/64",
            bridge_mac="52:54:00:7e:27:af",
            public_ipv4="203.0.113.3",
            dhcp_hosts=(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3"),),
            forwards=(PortForward("tcp", (80, 443), "192.168.100.77"),),
        ),
    ),
)

# The handbook's routed case: a /29 sliced from the host's /28, the bridge on its
# network address, and a /64 for VMs taken from the host's IPv6 block.
ROUTED = Answers(
    situation=Situation(site="dedicated", uplink="ethernet", public_ipv4=6, ipv6_prefix=56),
    host=HostFacts(
        mac="00:25:90:ab:cd:ef",
        ipv4="203.0.113.86/28",
        gateway4="203.0.113.81",
        ipv6="2001:db8::1/56",
        gateway6="fe80::1",
    ),
    networks=(
        NetworkSpec(
            type="custom-routed",
            name="virbr10",
            bridge="virbr10",
            ipv4="203.0.113.88/29",
            dhcp4=("203.0.113.89", "203.0.113.94"),
            ipv6="2001:db8:0:aa::/64",
            bridge_mac="52:54:00:7e:27:af",
        ),
    ),
)

BRIDGED = Answers(
    situation=Situation(site="dedicated", uplink="ethernet", bridging_allowed=True),
    host=HostFacts(
        mac="00:25:90:ab:cd:ef",
        ipv4="203.0.113.166/29",
        gateway4="203.0.113.161",
    ),
    networks=(NetworkSpec(type="bridged", name="br0", bridge="br0"),),
)


def situation(**changes: Any) -> Change:
    return lambda a: replace(a, situation=replace(a.situation, **changes))


def host(**changes: Any) -> Change:
    return lambda a: replace(a, host=replace(a.host, **changes))


def net(index: int = 0, **changes: Any) -> Change:
    def change(a: Answers) -> Answers:
        networks = list(a.networks)
        networks[index] = replace(networks[index], **changes)
        return replace(a, networks=tuple(networks))

    return change


def lease(*entries: DhcpHost, **network: Any) -> Change:
    return net(dhcp_hosts=entries, **network)


def forward(*entries: PortForward, **network: Any) -> Change:
    return net(forwards=entries, **network)


def both(*changes: Change) -> Change:
    def change(a: Answers) -> Answers:
        for step in changes:
            a = step(a)
        return a

    return change


def second_network(**fields: Any) -> Change:
    base = {"type": "custom-nat", "name": "virbr11", "bridge": "virbr11"}
    return lambda a: replace(a, networks=(*a.networks, NetworkSpec(**{**base, **fields})))


def error_fields(answers: Answers) -> list[str]:
    return [error.field for error in check_answers(answers).errors]


def warning_fields(answers: Answers) -> list[str]:
    return [warning.field for warning in check_answers(answers).warnings]


@pytest.mark.parametrize("answers", [NAT, ROUTED, BRIDGED], ids=["nat", "routed", "bridged"])
def test_base_answers_are_clean(answers: Answers) -> None:
    assert check_answers(answers).errors == ()
    assert check_answers(answers).warnings == ()


def test_routed_libvirt_type_is_clean_too() -> None:
    assert error_fields(net(type="routed", name="mynetwork1", bridge="virbr1")(ROUTED)) == []


V6_HOST = DhcpHost(ip="2001:db8:aa::1010", id="00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b")
DHCPV6: dict[str, Any] = {
    "ipv6_mode": "dhcpv6",
    "dhcp6": ("2001:db8:aa::1000", "2001:db8:aa::1fff"),
}

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
    # situation
    "public_ipv4 negative": (NAT, situation(public_ipv4=-1), "situation.public_ipv4"),
    "public_ipv4 huge": (NAT, situation(public_ipv4=1025), "situation.public_ipv4"),
    "vms zero": (NAT, situation(vms=0), "situation.vms"),
    "vms huge": (NAT, situation(vms=4097), "situation.vms"),
    "ipv6_prefix negative": (NAT, situation(ipv6_prefix=-1), "situation.ipv6_prefix"),
    "ipv6_prefix 129": (NAT, situation(ipv6_prefix=129), "situation.ipv6_prefix"),
    # host
    "host ipv4 no prefix": (NAT, host(ipv4="203.0.113.166"), "host.ipv4"),
    "host ipv4 netmask form": (NAT, host(ipv4="203.0.113.166/255.255.255.248"), "host.ipv4"),
    "host ipv4 is v6": (NAT, host(ipv4="2001:db8::5/64"), "host.ipv4"),
    "host ipv4 prefix 33": (NAT, host(ipv4="203.0.113.166/33"), "host.ipv4"),
    "host ipv4 network address": (NAT, host(ipv4="203.0.113.160/29"), "host.ipv4"),
    "host ipv4 broadcast": (NAT, host(ipv4="203.0.113.167/29"), "host.ipv4"),
    "gateway4 outside": (NAT, host(gateway4="203.0.113.1"), "host.gateway4"),
    "gateway4 is host": (NAT, host(gateway4="203.0.113.166"), "host.gateway4"),
    "gateway4 broadcast": (NAT, host(gateway4="203.0.113.167"), "host.gateway4"),
    "gateway4 garbage": (NAT, host(gateway4="gw"), "host.gateway4"),
    "host ipv6 is v4": (NAT, host(ipv6="10.0.0.1/24"), "host.ipv6"),
    "host ipv6 link-local": (NAT, host(ipv6="fe80::2/64"), "host.ipv6"),
    "gateway6 multicast": (NAT, host(gateway6="ff02::1"), "host.gateway6"),
    "gateway6 zone": (NAT, host(gateway6="fe80::1%eth0"), "host.gateway6"),
    "gateway6 is host": (NAT, host(gateway6="2001:db8::1"), "host.gateway6"),
    "host mac short": (NAT, host(mac="00:25:90:ab:cd"), "host.mac"),
    "host mac dashes": (NAT, host(mac="00-25-90-ab-cd-ef"), "host.mac"),
    "host mac zero": (NAT, host(mac="00:00:00:00:00:00"), "host.mac"),
    "uplink slash": (NAT, host(uplink_interface="eth/0"), "host.uplink_interface"),
    "uplink too long": (NAT, host(uplink_interface="enp0s31f6abcdefg"), "host.uplink_interface"),
    "wireless is uplink": (NAT, host(wireless_interface="eth0"), "host.wireless_interface"),
    "wireless space": (NAT, host(wireless_interface="wl an0"), "host.wireless_interface"),
    "dnsmasq version": (NAT, host(dnsmasq_version="2.x"), "host.dnsmasq_version"),
    "kernel": (NAT, host(kernel="six"), "host.kernel"),
    "ssh port 0": (NAT, host(ssh_port=0), "host.ssh_port"),
    "ssh port 65536": (NAT, host(ssh_port=65536), "host.ssh_port"),
    "hostname": (NAT, host(hostname="-bad-"), "host.hostname"),
    "distro version": (NAT, host(distro_version="twelve point one"), "host.distro_version"),
    "used subnet": (NAT, host(used_subnets=("nope",)), "host.used_subnets[0]"),
    # names and bridges
    "name space": (NAT, net(name="my net"), "network[0].name"),
    "name dash": (NAT, net(name="-net"), "network[0].name"),
    "name long": (NAT, net(name="n" * 51), "network[0].name"),
    "name empty": (NAT, net(name=""), "network[0].name"),
    "bridge slash": (NAT, net(bridge="vir/br"), "network[0].bridge"),
    "bridge colon": (NAT, net(bridge="virbr:1"), "network[0].bridge"),
    "bridge dot": (NAT, net(bridge="."), "network[0].bridge"),
    "bridge dotdot": (NAT, net(bridge=".."), "network[0].bridge"),
    "bridge no dummy room": (NAT, net(bridge="virbr10000"), "network[0].bridge"),
    "bridge 16 chars": (ROUTED, net(type="routed", bridge="b" * 16), "network[0].bridge"),
    "bridge is uplink": (NAT, net(bridge="eth0"), "network[0].bridge"),
    "bridge is wireless": (
        NAT,
        both(host(wireless_interface="wlan0"), net(bridge="wlan0")),
        "network[0].bridge",
    ),
    "bridge used": (NAT, host(used_bridges=("virbr10",)), "network[0].bridge"),
    "name used": (NAT, host(used_networks=("virbr10",)), "network[0].name"),
    "duplicate name": (NAT, second_network(name="virbr10", ipv4="10.1.0.1/24"), "network[1].name"),
    "duplicate bridge": (NAT, second_network(bridge="virbr10", ipv4="10.1.0.1/24"),
                         "network[1].bridge"),
    # VM IPv4 subnet
    "ipv4 /31": (NAT, net(ipv4="192.168.100.1/31", dhcp4=None, dhcp_hosts=(), forwards=()),
                 "network[0].ipv4"),
    "ipv4 /7": (NAT, net(ipv4="10.0.0.1/7", dhcp4=None, dhcp_hosts=(), forwards=()),
                "network[0].ipv4"),
    "ipv4 broadcast": (NAT, net(ipv4="192.168.100.255/24"), "network[0].ipv4"),
    "ipv4 network address on nat": (NAT, net(ipv4="192.168.100.0/24"), "network[0].ipv4"),
    "ipv4 no prefix": (NAT, net(ipv4="192.168.100.1"), "network[0].ipv4"),
    # DHCPv4
    "dhcp4 reversed": (NAT, net(dhcp4=("192.168.100.254", "192.168.100.2")), "network[0].dhcp4"),
    "dhcp4 outside": (NAT, net(dhcp4=("192.168.100.2", "10.0.0.1")), "network[0].dhcp4"),
    "dhcp4 host inside": (NAT, net(dhcp4=("192.168.100.1", "192.168.100.9")), "network[0].dhcp4"),
    "dhcp4 broadcast": (NAT, net(dhcp4=("192.168.100.2", "192.168.100.255")), "network[0].dhcp4"),
    "dhcp4 network": (ROUTED, net(dhcp4=("203.0.113.88", "203.0.113.94")), "network[0].dhcp4"),
    "dhcp4 garbage": (NAT, net(dhcp4=("192.168.100.2", "end")), "network[0].dhcp4"),
    "dhcp4 ipv6": (NAT, net(dhcp4=("2001:db8:aa::2", "2001:db8:aa::9")), "network[0].dhcp4"),
    "dhcp4 without ipv4": (NAT, net(ipv4="", dhcp_hosts=(), forwards=()), "network[0].dhcp4"),
    # VM IPv6 subnet
    "ipv6 slaac /80": (NAT, net(ipv6="2001:db8:aa::1/80"), "network[0].ipv6"),
    "ipv6 /128": (NAT, net(ipv6="2001:db8:aa::1/128", ipv6_mode="none"), "network[0].ipv6"),
    "ipv6 link-local": (NAT, net(ipv6="fe80::1/64"), "network[0].ipv6"),
    "ipv6 is v4": (NAT, net(ipv6="10.0.0.1/24"), "network[0].ipv6"),
    "dhcpv6 old dnsmasq": (NAT, both(host(dnsmasq_version="2.63"), net(**DHCPV6)),
                           "network[0].ipv6_mode"),
    "dhcp6 with slaac": (NAT, net(dhcp6=DHCPV6["dhcp6"]), "network[0].dhcp6"),
    "dhcp6 reversed": (NAT, net(ipv6_mode="dhcpv6",
                                dhcp6=("2001:db8:aa::1fff", "2001:db8:aa::1000")),
                       "network[0].dhcp6"),
    "dhcp6 outside": (NAT, net(ipv6_mode="dhcpv6", dhcp6=("2001:db8:bb::1", "2001:db8:bb::9")),
                      "network[0].dhcp6"),
    "dhcp6 host inside": (NAT, net(ipv6_mode="dhcpv6", dhcp6=("2001:db8:aa::", "2001:db8:aa::9")),
                          "network[0].dhcp6"),
    "dhcp6 without ipv6": (NAT, net(ipv6="", dhcp6=DHCPV6["dhcp6"]), "network[0].dhcp6"),
    # bridge MAC and public address
    "bridge_mac multicast": (NAT, net(bridge_mac="53:54:00:7e:27:af"), "network[0].bridge_mac"),
    "bridge_mac garbage": (NAT, net(bridge_mac="52:54:00:7e:27"), "network[0].bridge_mac"),
    "public_ipv4 garbage": (NAT, net(public_ipv4="203.0.113"), "network[0].public_ipv4"),
    "public_ipv4 v6": (NAT, net(public_ipv4="2001:db8::1"), "network[0].public_ipv4"),
    # overlaps
    "routed slice holds host": (ROUTED, net(ipv4="203.0.113.80/29", dhcp4=None),
                                "network[0].ipv4"),
    "routed slice holds gateway": (
        ROUTED,
        both(host(ipv4="203.0.113.90/28"), net(ipv4="203.0.113.81/29", dhcp4=None)),
        "network[0].ipv4",
    ),
    "routed superset of uplink": (ROUTED, net(ipv4="203.0.113.1/24", dhcp4=None),
                                  "network[0].ipv4"),
    "nat inside uplink block": (
        NAT,
        both(host(ipv4="192.168.1.10/24", gateway4="192.168.1.1"),
             net(ipv4="192.168.1.129/25", dhcp4=None, dhcp_hosts=(), forwards=())),
        "network[0].ipv4",
    ),
    "ipv6 same as uplink /64": (NAT, net(ipv6="2001:db8::2/64"), "network[0].ipv6"),
    "networks overlap v4": (NAT, second_network(ipv4="192.168.100.129/25"), "network[1].ipv4"),
    "networks overlap v6": (NAT, second_network(ipv6="2001:db8:aa::2/64"), "network[1].ipv6"),
    "used subnet overlap": (NAT, host(used_subnets=("192.168.0.0/16",)), "network[0].ipv4"),
    # fixed leases
    "lease no mac no id": (NAT, lease(DhcpHost(ip="192.168.100.77")), "network[0].dhcp_host[0]"),
    "lease mac and id": (NAT, lease(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3",
                                             id="00:01:00:01:1a:ff:2b:ff")),
                         "network[0].dhcp_host[0]"),
    "lease bad mac": (NAT, lease(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a")),
                      "network[0].dhcp_host[0].mac"),
    "lease multicast mac": (NAT, lease(DhcpHost(ip="192.168.100.77", mac="01:00:5e:00:00:01")),
                            "network[0].dhcp_host[0].mac"),
    "lease outside": (NAT, lease(DhcpHost(ip="10.0.0.7", mac="52:54:00:be:0a:f3")),
                      "network[0].dhcp_host[0].ip"),
    "lease is host": (NAT, lease(DhcpHost(ip="192.168.100.1", mac="52:54:00:be:0a:f3")),
                      "network[0].dhcp_host[0].ip"),
    "lease broadcast": (NAT, lease(DhcpHost(ip="192.168.100.255", mac="52:54:00:be:0a:f3")),
                        "network[0].dhcp_host[0].ip"),
    "lease v6 ip for mac": (NAT, lease(DhcpHost(ip="2001:db8:aa::7", mac="52:54:00:be:0a:f3")),
                            "network[0].dhcp_host[0].ip"),
    "lease without dhcp4": (NAT, net(dhcp4=None), "network[0].dhcp_host[0].ip"),
    "lease on ipv6-only network": (NAT, net(ipv4="", dhcp4=None, forwards=()),
                                   "network[0].dhcp_host[0].ip"),
    "lease on invalid ipv4 reported once": (NAT, net(ipv4="192.168.100.1/2x"), "network[0].ipv4"),
    "forward on ipv6-only network": (NAT, net(ipv4="", dhcp4=None, dhcp_hosts=()),
                                     "network[0].forward[0].to"),
    "lease duplicate mac": (NAT, lease(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3"),
                                       DhcpHost(ip="192.168.100.78", mac="52:54:00:BE:0A:F3")),
                            "network[0].dhcp_host[1].mac"),
    "lease duplicate ip": (NAT, lease(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3"),
                                      DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f4")),
                           "network[0].dhcp_host[1].ip"),
    "lease bad name": (NAT, lease(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3",
                                           name="web_1")),
                       "network[0].dhcp_host[0].name"),
    "duid lease with slaac": (NAT, lease(V6_HOST), "network[0].dhcp_host[0].id"),
    "duid bad": (NAT, lease(replace(V6_HOST, id="0001"), **DHCPV6), "network[0].dhcp_host[0].id"),
    "duid ip outside": (NAT, lease(replace(V6_HOST, ip="2001:db8:bb::7"), **DHCPV6),
                        "network[0].dhcp_host[0].ip"),
    "duid v4 ip": (NAT, lease(replace(V6_HOST, ip="192.168.100.9"), **DHCPV6),
                   "network[0].dhcp_host[0].ip"),
    "duid duplicate": (NAT, lease(V6_HOST, replace(V6_HOST, ip="2001:db8:aa::1011"), **DHCPV6),
                       "network[0].dhcp_host[1].id"),
    # port forwards
    "forward no ports": (NAT, forward(PortForward("tcp", (), "192.168.100.77")),
                         "network[0].forward[0].ports"),
    "forward port 0": (NAT, forward(PortForward("tcp", (0, 80), "192.168.100.77")),
                       "network[0].forward[0].ports"),
    "forward port big": (NAT, forward(PortForward("udp", (65536,), "192.168.100.77")),
                         "network[0].forward[0].ports"),
    "forward port twice": (NAT, forward(PortForward("tcp", (80, 80), "192.168.100.77")),
                           "network[0].forward[0].ports"),
    "forward to_port big": (NAT, forward(PortForward("tcp", (80,), "192.168.100.77", 65536)),
                            "network[0].forward[0].to_port"),
    "forward to_port many": (NAT, forward(PortForward("tcp", (80, 81), "192.168.100.77", 8080)),
                             "network[0].forward[0].to_port"),
    "forward to outside": (NAT, forward(PortForward("tcp", (80,), "10.0.0.7")),
                           "network[0].forward[0].to"),
    "forward to host": (NAT, forward(PortForward("tcp", (80,), "192.168.100.1")),
                        "network[0].forward[0].to"),
    "forward to garbage": (NAT, forward(PortForward("tcp", (80,), "vm1")),
                           "network[0].forward[0].to"),
    "forward ssh on host address": (
        NAT,
        forward(PortForward("tcp", (22,), "192.168.100.77"), public_ipv4="203.0.113.166"),
        "network[0].forward[0].ports",
    ),
    "forward custom ssh port, public unset": (
        NAT,
        both(host(ssh_port=2222),
             forward(PortForward("tcp", (2222,), "192.168.100.77"), public_ipv4="")),
        "network[0].forward[0].ports",
    ),
    "forward twice across networks": (
        NAT,
        second_network(ipv4="192.168.101.1/24", public_ipv4="203.0.113.3",
                       forwards=(PortForward("tcp", (443,), "192.168.101.5"),)),
        "network[1].forward[0].ports",
    ),
    "forward on libvirt nat": (NAT, net(type="nat"), "network[0].forward"),
    "forward on routed": (ROUTED, forward(PortForward("tcp", (80,), "203.0.113.90")),
                          "network[0].forward"),
    # type-specific
    "routed without subnets": (ROUTED, net(ipv4="", ipv6="", dhcp4=None), "network[0].ipv4"),
    "bridged with ipv4": (BRIDGED, net(ipv4="203.0.113.161/29"), "network[0].ipv4"),
    "bridged with dhcp4": (BRIDGED, net(dhcp4=("203.0.113.162", "203.0.113.165")),
                           "network[0].dhcp4"),
    "bridged with ipv6": (BRIDGED, net(ipv6="2001:db8::2/64"), "network[0].ipv6"),
    "bridged with lease": (BRIDGED, lease(DhcpHost(ip="203.0.113.162", mac="52:54:00:be:0a:f3")),
                           "network[0].dhcp_host"),
    "bridged with bridge_mac": (BRIDGED, net(bridge_mac="52:54:00:7e:27:af"),
                                "network[0].bridge_mac"),
    "bridged with forward": (BRIDGED, forward(PortForward("tcp", (80,), "203.0.113.162")),
                             "network[0].forward"),
    "bridged on wireless": (BRIDGED, situation(uplink="wireless"), "network[0].type"),
    "bridged without mac": (BRIDGED, host(mac=""), "host.mac"),
    "bridged without ipv4": (BRIDGED, host(ipv4="", gateway4=""), "host.ipv4"),
    "bridged without uplink": (BRIDGED, host(uplink_interface=""), "host.uplink_interface"),
    "bridged uplink bad": (BRIDGED, net(uplink="eth 1"), "network[0].uplink"),
    "bridged uplink wireless": (BRIDGED,
                                both(host(wireless_interface="wlan0"), net(uplink="wlan0")),
                                "network[0].uplink"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    findings = check_answers(change(base))
    assert [error.field for error in findings.errors] == [field], findings.errors
    (error,) = findings.errors
    assert error.reason
    assert str(error).startswith(field)


WARNINGS: dict[str, tuple[Answers, Change, str]] = {
    "ipv6 block smaller than /64": (NAT, situation(ipv6_prefix=80), "situation.ipv6_prefix"),
    "gateway4 outside a /32": (NAT, host(ipv4="203.0.113.166/32", gateway4="203.0.113.1"),
                               "host.gateway4"),
    "global gateway6 outside": (NAT, host(gateway6="2001:db9::1"), "host.gateway6"),
    "multicast uplink mac when bridged": (BRIDGED, host(mac="19:7c:3b:92:ec:ee"), "host.mac"),
    "ipv6 /80 without slaac": (NAT, net(ipv6="2001:db8:aa::1/80", ipv6_mode="none"),
                               "network[0].ipv6"),
    "bridge_mac not kvm or xen": (NAT, net(bridge_mac="02:00:00:7e:27:af"),
                                  "network[0].bridge_mac"),
    "dhcp range smaller than vms": (NAT, net(dhcp4=("192.168.100.2", "192.168.100.3")),
                                    "network[0].dhcp4"),
    "libvirt type with manual firewall": (
        ROUTED, both(situation(firewall="manual"), net(type="routed")), "network[0].type"),
    "uplink on a routed network": (ROUTED, net(uplink="eth1"), "network[0].uplink"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), WARNINGS.values(), ids=WARNINGS.keys())
def test_doubtful_value_gives_one_warning(base: Answers, change: Change, field: str) -> None:
    findings = check_answers(change(base))
    assert findings.errors == ()
    assert [warning.field for warning in findings.warnings] == [field]


ALLOWED: dict[str, tuple[Answers, Change]] = {
    "bridge of 15 chars on libvirt nat": (NAT, both(net(type="nat", forwards=()),
                                                    net(bridge="b" * 15))),
    "bridge of 15 chars without dummy": (NAT, both(host(dummy_supported=False),
                                                   net(bridge="b" * 15))),
    "routed bridge on network address": (ROUTED, net(type="routed")),
    "lease outside range inside subnet": (NAT, net(dhcp4=("192.168.100.100", "192.168.100.200"))),
    "duid lease with dhcpv6": (NAT, lease(V6_HOST, **DHCPV6)),
    "dhcpv6 on libvirt type ignores dnsmasq": (ROUTED, both(host(dnsmasq_version="2.48"),
                                                            net(type="routed", ipv6_mode="dhcpv6",
                                                                dhcp6=("2001:db8:0:aa::1000",
                                                                       "2001:db8:0:aa::1fff")))),
    "ipv6 mode ignored without ipv6": (NAT, net(ipv6="", ipv6_mode="dhcpv6")),
    "ssh port forwarded on another address": (
        NAT, forward(PortForward("tcp", (22,), "192.168.100.77"))),
    "udp 22 on host address": (NAT, forward(PortForward("udp", (22,), "192.168.100.77"),
                                            public_ipv4="")),
    "same port on two public addresses": (
        NAT, second_network(ipv4="192.168.101.1/24", public_ipv4="203.0.113.4",
                            forwards=(PortForward("tcp", (443,), "192.168.101.5"),))),
    "same port different proto": (
        NAT, second_network(ipv4="192.168.101.1/24", public_ipv4="203.0.113.3",
                            forwards=(PortForward("udp", (443,), "192.168.101.5"),))),
    "to_port with one port": (NAT, forward(PortForward("tcp", (7722,), "192.168.100.77", 22))),
    "kernel from uname": (NAT, host(kernel="6.1.0-18-amd64")),
    "kernel rhel": (NAT, host(kernel="3.10.0")),
    "link-local gateway6": (NAT, host(gateway6="fe80::1")),
    "host probed facts empty": (NAT, host(mac="", ipv4="", gateway4="", ipv6="", gateway6="",
                                          dnsmasq_version="", kernel="")),
    "ipv6-only routed": (ROUTED, net(ipv4="", dhcp4=None)),
    "bridged on a both-uplink host": (BRIDGED, both(situation(uplink="both"),
                                                    host(wireless_interface="wlan0"))),
    "private routed subnet": (ROUTED, net(ipv4="192.168.50.1/24", dhcp4=None)),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []


def test_many_errors_are_all_reported() -> None:
    answers = both(situation(vms=0), host(ssh_port=0), net(name="a b", bridge="x/y"))(NAT)
    assert error_fields(answers) == [
        "situation.vms",
        "host.ssh_port",
        "network[0].name",
        "network[0].bridge",
    ]


def test_message_names_field_value_and_reason() -> None:
    answers = net(dhcp4=("192.168.100.2", "10.0.0.1"))(NAT)
    (error,) = check_answers(answers).errors
    assert str(error) == (
        "network[0].dhcp4 = ['192.168.100.2', '10.0.0.1']: "
        "end 10.0.0.1 is outside the subnet 192.168.100.0/24"
    )


def test_forward_on_libvirt_nat_explains_the_hook() -> None:
    (error,) = check_answers(net(type="nat")(NAT)).errors
    assert "hook" in error.reason and "custom-nat" in error.reason


def test_require_valid_raises_with_every_error() -> None:
    with pytest.raises(AnswersError) as caught:
        require_valid(both(situation(vms=0), host(ssh_port=0))(NAT))
    assert [e.field for e in caught.value.errors] == ["situation.vms", "host.ssh_port"]


def test_require_valid_returns_warnings() -> None:
    warnings = require_valid(situation(ipv6_prefix=80)(NAT))
    assert [w.field for w in warnings] == ["situation.ipv6_prefix"]


# -- per-field validators for forms -----------------------------------------------------

FieldCheck = Callable[[str, str], FieldError | None]

FIELD_CASES: list[tuple[FieldCheck, str, bool]] = [
    (check_cidr, "192.168.100.1/24", True),
    (check_cidr, "2001:db8:aa::1/64", True),
    (check_cidr, "192.168.100.1", False),
    (check_cidr, "192.168.100.1/33", False),
    (check_cidr, "192.168.1/24", False),
    (check_cidr, "", False),
    (check_cidr, "fe80::1%eth0/64", False),
    (lambda f, v: check_cidr(f, v, version=6), "10.0.0.1/8", False),
    (check_address, "10.0.0.1", True),
    (check_address, "fe80::1", True),
    (check_address, "10.0.0.1/32", False),
    (check_address, "010.0.0.1", False),
    (lambda f, v: check_address(f, v, version=4), "::1", False),
    (check_mac, "52:54:00:7e:27:af", True),
    (check_mac, "52:54:00:7E:27:AF", True),
    (check_mac, "53:54:00:7e:27:af", False),
    (check_mac, "52:54:00:7e:27", False),
    (check_mac, "5254.007e.27af", False),
    (check_duid, "00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b", True),
    (check_duid, "00:01", False),
    (check_duid, "00:01:0g", False),
    (check_name, "virbr10", True),
    (check_name, "my-net.v2_x", True),
    (check_name, ".hidden", False),
    (check_name, "a/b", False),
    (check_ifname, "enp0s31f6", True),
    (check_ifname, "a" * 15, True),
    (check_ifname, "a" * 16, False),
    (check_ifname, "eth 0", False),
    (check_ifname, "..", False),
    (check_ifname, "-x", False),
    (check_hostname, "web-1.example", True),
    (check_hostname, "web_1", False),
    (check_hostname, "-web", False),
    (check_version, "2.90", True),
    (check_version, "2.90rc1", False),
    (lambda f, v: check_version(f, v, kernel=True), "5.14.0-362.el9.x86_64", True),
    (lambda f, v: check_version(f, v, kernel=True), "latest", False),
    (check_port, "22", True),
    (check_port, "0", False),
    (check_port, "65536", False),
    (check_port, "２２", False),
    (lambda f, v: check_port(f, v, allow_zero=True), "0", True),
]


@pytest.mark.parametrize(
    ("check", "value", "good"), FIELD_CASES, ids=[f"{c[1]!r}" for c in FIELD_CASES]
)
def test_field_validator(check: FieldCheck, value: str, good: bool) -> None:
    result = check("form.field", value)
    if good:
        assert result is None
    else:
        assert result is not None
        assert (result.field, result.value) == ("form.field", value)
        assert result.reason


def test_bridge_validator_knows_the_dummy_suffix() -> None:
    assert bridge_name_limit("custom-nat", dummy_supported=True) == 9
    assert bridge_name_limit("custom-nat", dummy_supported=False) == 15
    assert bridge_name_limit("routed", dummy_supported=True) == 15
    error = check_bridge("b", "virbr1000a", network_type="custom-routed", dummy_supported=True)
    assert error is not None and "-dummy" in error.reason
    assert (
        check_bridge("b", "virbr1000", network_type="custom-routed", dummy_supported=True) is None
    )
    assert check_bridge("b", "virbr1000a", network_type="nat", dummy_supported=True) is None
    assert check_bridge("b", "vir/br", network_type="nat", dummy_supported=True) is not None
