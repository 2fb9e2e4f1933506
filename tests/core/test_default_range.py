"""The DHCPv4 range the wizard proposes for a subnet: one run of addresses, never the host's."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

import pytest

from virtnet_tui.core.defaults import default_range


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        ("192.168.100.1/24", ("192.168.100.2", "192.168.100.254")),
        ("192.168.100.254/24", ("192.168.100.1", "192.168.100.253")),
        # The host in the middle: the longer run beside it, after it on a tie.
        ("192.168.100.77/24", ("192.168.100.78", "192.168.100.254")),
        ("192.168.100.200/24", ("192.168.100.1", "192.168.100.199")),
        ("10.0.0.2/30", ("10.0.0.1", "10.0.0.1")),
        ("10.0.0.1/31", None),
    ],
)
def test_the_range_skips_the_host_the_network_and_the_broadcast(
    cidr: str, expected: tuple[str, str] | None
) -> None:
    got = default_range(cidr)
    assert got == expected
    if got is not None:
        own = IPv4Interface(cidr)
        start, end = (IPv4Address(a) for a in got)
        assert own.network.network_address < start <= end < own.network.broadcast_address
        assert not start <= own.ip <= end
