"""Whole-answers checks of port forwards."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    BRIDGED,
    NAT,
    ROUTED,
    Change,
    assert_one_error,
    both,
    error_fields,
    forward,
    host,
    net,
    second_network,
)

from virtnet_tui.core.model import Answers, PortForward
from virtnet_tui.core.validate.answers import check_answers

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
    "forward on ipv6-only network": (NAT, net(ipv4="", dhcp4=None, dhcp_hosts=()),
                                     "network[0].forward[0].to"),
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
    "bridged with forward": (BRIDGED, forward(PortForward("tcp", (80,), "203.0.113.162")),
                             "network[0].forward"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    assert_one_error(change(base), field)


ALLOWED: dict[str, tuple[Answers, Change]] = {
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
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []


def test_forward_on_libvirt_nat_explains_the_hook() -> None:
    (error,) = check_answers(net(type="nat")(NAT)).errors
    assert "hook" in error.reason and "custom-nat" in error.reason
