"""Whole-answers checks of a network's fixed DHCP leases."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.validate_cases import (
    DHCPV6,
    NAT,
    V6_HOST,
    Change,
    assert_one_error,
    error_fields,
    lease,
    net,
)

from virtnet_tui.core.model import Answers, DhcpHost

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
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
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    assert_one_error(change(base), field)


ALLOWED: dict[str, tuple[Answers, Change]] = {
    "lease outside range inside subnet": (NAT, net(dhcp4=("192.168.100.100", "192.168.100.200"))),
    "duid lease with dhcpv6": (NAT, lease(V6_HOST, **DHCPV6)),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []
