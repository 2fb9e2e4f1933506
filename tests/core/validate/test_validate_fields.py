"""Checks of one value at a time, as a form runs them while the operator types."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from virtnet_tui.core.errors import FieldError
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
    check_ports,
    check_version,
)

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


def test_host_mac_may_be_multicast_when_asked() -> None:
    # The host's own MAC is read from its card: the multicast bit is a doubt there, not an error.
    assert check_mac("host.mac", "19:7c:3b:92:ec:ee", unicast=False) is None
    assert check_mac("host.mac", "19:7c:3b:92:ec:ee") is not None
    error = check_mac("host.mac", "00:00:00:00:00:00", unicast=False)
    assert error is not None and "all zeros" in error.reason


@pytest.mark.parametrize(
    ("ports", "reason"),
    [
        ((), "must list at least one port"),
        ((0, 80), "port 0 is outside 1 to 65535"),
        ((80, 65536), "port 65536 is outside 1 to 65535"),
        ((443, 80, 443, 80), "port 80 is listed twice"),
    ],
)
def test_ports_validator_names_the_first_bad_port(ports: tuple[int, ...], reason: str) -> None:
    assert check_ports("f.ports", ports) == FieldError("f.ports", ports, reason)


def test_ports_validator_accepts_distinct_ports_in_range() -> None:
    assert check_ports("f.ports", (1, 22, 65535)) is None
