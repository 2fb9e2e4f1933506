"""Whole-answers checks of a network's VM subnets and DHCP ranges."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    DHCPV6,
    NAT,
    ROUTED,
    Change,
    assert_one_error,
    assert_one_warning,
    both,
    error_fields,
    host,
    net,
)

from virtnet_tui.core.model import Answers

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
    "ipv4 /31": (NAT, net(ipv4="192.168.100.1/31", dhcp4=None, dhcp_hosts=(), forwards=()),
                 "network[0].ipv4"),
    "ipv4 /7": (NAT, net(ipv4="10.0.0.1/7", dhcp4=None, dhcp_hosts=(), forwards=()),
                "network[0].ipv4"),
    "ipv4 broadcast": (NAT, net(ipv4="192.168.100.255/24"), "network[0].ipv4"),
    "ipv4 network address on nat": (NAT, net(ipv4="192.168.100.0/24"), "network[0].ipv4"),
    "ipv4 no prefix": (NAT, net(ipv4="192.168.100.1"), "network[0].ipv4"),
    "dhcp4 reversed": (NAT, net(dhcp4=("192.168.100.254", "192.168.100.2")), "network[0].dhcp4"),
    "dhcp4 outside": (NAT, net(dhcp4=("192.168.100.2", "10.0.0.1")), "network[0].dhcp4"),
    "dhcp4 host inside": (NAT, net(dhcp4=("192.168.100.1", "192.168.100.9")), "network[0].dhcp4"),
    "dhcp4 broadcast": (NAT, net(dhcp4=("192.168.100.2", "192.168.100.255")), "network[0].dhcp4"),
    "dhcp4 network": (ROUTED, net(dhcp4=("203.0.113.88", "203.0.113.94")), "network[0].dhcp4"),
    "dhcp4 garbage": (NAT, net(dhcp4=("192.168.100.2", "end")), "network[0].dhcp4"),
    "dhcp4 ipv6": (NAT, net(dhcp4=("2001:db8:aa::2", "2001:db8:aa::9")), "network[0].dhcp4"),
    "dhcp4 without ipv4": (NAT, net(ipv4="", dhcp_hosts=(), forwards=()), "network[0].dhcp4"),
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
    "routed without subnets": (ROUTED, net(ipv4="", ipv6="", dhcp4=None), "network[0].ipv4"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    assert_one_error(change(base), field)


WARNINGS: dict[str, tuple[Answers, Change, str]] = {
    "ipv6 /80 without slaac": (NAT, net(ipv6="2001:db8:aa::1/80", ipv6_mode="none"),
                               "network[0].ipv6"),
    "dhcp range smaller than vms": (NAT, net(dhcp4=("192.168.100.2", "192.168.100.3")),
                                    "network[0].dhcp4"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), WARNINGS.values(), ids=WARNINGS.keys())
def test_doubtful_value_gives_one_warning(base: Answers, change: Change, field: str) -> None:
    assert_one_warning(change(base), field)


ALLOWED: dict[str, tuple[Answers, Change]] = {
    "routed bridge on network address": (ROUTED, net(type="routed")),
    "dhcpv6 on libvirt type ignores dnsmasq": (ROUTED, both(host(dnsmasq_version="2.48"),
                                                            net(type="routed", ipv6_mode="dhcpv6",
                                                                dhcp6=("2001:db8:0:aa::1000",
                                                                       "2001:db8:0:aa::1fff")))),
    "ipv6 mode ignored without ipv6": (NAT, net(ipv6="", ipv6_mode="dhcpv6")),
    "ipv6-only routed": (ROUTED, net(ipv4="", dhcp4=None)),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []
