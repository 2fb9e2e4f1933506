"""Whole-answers checks of collisions between networks and with the host."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    NAT,
    ROUTED,
    Change,
    assert_one_error,
    both,
    error_fields,
    host,
    net,
    second_network,
)

from virtnet_tui.core.model import Answers

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
    "duplicate name": (NAT, second_network(name="virbr10", ipv4="10.1.0.1/24"), "network[1].name"),
    "duplicate bridge": (NAT, second_network(bridge="virbr10", ipv4="10.1.0.1/24"),
                         "network[1].bridge"),
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
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    assert_one_error(change(base), field)


ALLOWED: dict[str, tuple[Answers, Change]] = {
    "private routed subnet": (ROUTED, net(ipv4="192.168.50.1/24", dhcp4=None)),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []
