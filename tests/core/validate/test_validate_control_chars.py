"""Every free-text field refuses a trailing newline and other control characters."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from support.validate_cases import NAT

from virtnet_tui.core.model import Answers, DhcpHost
from virtnet_tui.core.validate.answers import check_answers
from virtnet_tui.core.validate.fields import check_hostname, check_mac

#: Per table, each free-text field with a value that is valid there.
HOST = {
    "uplink_interface": "eth0",
    "wireless_interface": "wlan0",
    "wireless_ipv4": "192.168.1.10/24",
    "mac": "00:25:90:ab:cd:ef",
    "ipv4": "203.0.113.166/29",
    "gateway4": "203.0.113.161",
    "ipv6": "2001:db8::1/64",
    "gateway6": "fe80::1",
    "dnsmasq_version": "2.90",
    "kernel": "6.1.0-18-amd64",
    "hostname": "web.example.org",
    "distro_version": "12",
}
NETWORK = {
    "name": "virbr10",
    "bridge": "virbr10",
    "ipv4": "192.168.100.1/24",
    "ipv6": "2001:db8:aa::1/64",
    "bridge_mac": "52:54:00:7e:27:af",
    "public_ipv4": "203.0.113.3",
}
LEASE = {"mac": "52:54:00:be:0a:f3", "ip": "192.168.100.77", "name": "web"}
BAD_ENDINGS = ["\n", "\r", "\t", "\x00", "\x1b[31m"]


def _with_host(key: str, value: str) -> Answers:
    change: dict[str, Any] = {key: value}
    if key == "wireless_ipv4":
        change["wireless_interface"] = "wlan0"
    return dataclasses.replace(NAT, host=dataclasses.replace(NAT.host, **change))


def _with_network(key: str, value: str) -> Answers:
    change: dict[str, Any] = {key: value}
    spec = dataclasses.replace(NAT.networks[0], **change)
    return dataclasses.replace(NAT, networks=(spec,))


def _with_lease(key: str, value: str) -> Answers:
    change: dict[str, Any] = {key: value}
    lease = dataclasses.replace(NAT.networks[0].dhcp_hosts[0], **change)
    spec = dataclasses.replace(NAT.networks[0], dhcp_hosts=(lease,))
    return dataclasses.replace(NAT, networks=(spec,))


CASES = (
    [(f"host.{k}", _with_host, k, v) for k, v in HOST.items()]
    + [(f"network[0].{k}", _with_network, k, v) for k, v in NETWORK.items()]
    + [(f"network[0].dhcp_host[0].{k}", _with_lease, k, v) for k, v in LEASE.items()]
)


@pytest.mark.parametrize(("field", "make", "key", "good"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("ending", BAD_ENDINGS, ids=repr)
def test_a_control_character_is_refused_by_field(
    field: str, make: object, key: str, good: str, ending: str
) -> None:
    assert callable(make)
    fine = check_answers(make(key, good))
    assert field not in {e.field for e in fine.errors}, "the good value is accepted"
    findings = check_answers(make(key, good + ending))
    assert field in {e.field for e in findings.errors}, f"{good + ending!r} passed"


def test_the_single_value_checks_use_the_whole_value() -> None:
    assert check_mac("f", "52:54:00:be:0a:f3\n") is not None
    assert check_hostname("f", "web\n.evil") is not None
    assert DhcpHost(ip="192.168.100.9", mac="52:54:00:be:0a:f3").name == ""
