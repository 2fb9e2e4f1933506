"""Whole-answers checks of the host's facts: interfaces, MAC, uplink addresses, versions."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    NAT,
    Change,
    assert_one_error,
    assert_one_warning,
    error_fields,
    host,
)

from virtnet_tui.core.model import Answers

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
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
    "firewalld zone": (
        NAT, host(firewall_backend="firewalld", firewalld_zone="my zone"), "host.firewalld_zone"
    ),
    "nftables old kernel": (
        NAT, host(firewall_backend="nftables", kernel="4.19.0"), "host.firewall_backend"
    ),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    assert_one_error(change(base), field)


WARNINGS: dict[str, tuple[Answers, Change, str]] = {
    "gateway4 outside a /32": (NAT, host(ipv4="203.0.113.166/32", gateway4="203.0.113.1"),
                               "host.gateway4"),
    "global gateway6 outside": (NAT, host(gateway6="2001:db9::1"), "host.gateway6"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), WARNINGS.values(), ids=WARNINGS.keys())
def test_doubtful_value_gives_one_warning(base: Answers, change: Change, field: str) -> None:
    assert_one_warning(change(base), field)


ALLOWED: dict[str, tuple[Answers, Change]] = {
    "kernel from uname": (NAT, host(kernel="6.1.0-18-amd64")),
    "kernel rhel": (NAT, host(kernel="3.10.0")),
    "link-local gateway6": (NAT, host(gateway6="fe80::1")),
    "host probed facts empty": (NAT, host(mac="", ipv4="", gateway4="", ipv6="", gateway6="",
                                          dnsmasq_version="", kernel="")),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change"), ALLOWED.values(), ids=ALLOWED.keys())
def test_acceptable_setups_have_no_error(base: Answers, change: Change) -> None:
    assert error_fields(change(base)) == []
