"""Whole-answers checks of one network: name, bridge, bridge MAC, public address, bridged."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    BRIDGED,
    NAT,
    ROUTED,
    Change,
    assert_one_error,
    assert_one_warning,
    both,
    error_fields,
    host,
    lease,
    net,
    situation,
)

from virtnet_tui.core.model import Answers, DhcpHost

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
    # A routed network's uplink names the LAN that routes to it: one of the host's.
    "routed uplink not the host's": (ROUTED, net(uplink="eth1"), "network[0].uplink"),
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
    "bridge_mac multicast": (NAT, net(bridge_mac="53:54:00:7e:27:af"), "network[0].bridge_mac"),
    "bridge_mac garbage": (NAT, net(bridge_mac="52:54:00:7e:27"), "network[0].bridge_mac"),
    "public_ipv4 garbage": (NAT, net(public_ipv4="203.0.113"), "network[0].public_ipv4"),
    "public_ipv4 v6": (NAT, net(public_ipv4="2001:db8::1"), "network[0].public_ipv4"),
    "bridged with ipv4": (BRIDGED, net(ipv4="203.0.113.161/29"), "network[0].ipv4"),
    "bridged with dhcp4": (BRIDGED, net(dhcp4=("203.0.113.162", "203.0.113.165")),
                           "network[0].dhcp4"),
    "bridged with ipv6": (BRIDGED, net(ipv6="2001:db8::2/64"), "network[0].ipv6"),
    "bridged with lease": (BRIDGED, lease(DhcpHost(ip="203.0.113.162", mac="52:54:00:be:0a:f3")),
                           "network[0].dhcp_host"),
    "bridged with bridge_mac": (BRIDGED, net(bridge_mac="52:54:00:7e:27:af"),
                                "network[0].bridge_mac"),
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
    assert_one_error(change(base), field)


WARNINGS: dict[str, tuple[Answers, Change, str]] = {
    "multicast uplink mac when bridged": (BRIDGED, host(mac="19:7c:3b:92:ec:ee"), "host.mac"),
    "bridge_mac not kvm or xen": (NAT, net(bridge_mac="02:00:00:7e:27:af"),
                                  "network[0].bridge_mac"),
    "libvirt type with manual firewall": (
        ROUTED, both(situation(firewall="manual"), net(type="routed")), "network[0].type"),
    "uplink on a NAT network": (NAT, net(uplink="eth0"), "network[0].uplink"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), WARNINGS.values(), ids=WARNINGS.keys())
def test_doubtful_value_gives_one_warning(base: Answers, change: Change, field: str) -> None:
    assert_one_warning(change(base), field)


ALLOWED: dict[str, tuple[Answers, Change]] = {
    "bridge of 15 chars on libvirt nat": (NAT, both(net(type="nat", forwards=()),
                                                    net(bridge="b" * 15))),
    "bridge of 15 chars without dummy": (NAT, both(host(dummy_supported=False),
                                                   net(bridge="b" * 15))),
    "bridged on a both-uplink host": (BRIDGED, both(situation(uplink="both"),
                                                    host(wireless_interface="wlan0"))),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []
