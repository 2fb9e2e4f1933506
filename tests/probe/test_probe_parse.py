"""The probe's pure parsers and rules: distributions, ip output, libvirt XML, uplink choice."""

from __future__ import annotations

import pytest

from virtnet_tui.probe.facts import behind_nat, choose_uplink, uplink_facts
from virtnet_tui.probe.model import Address, Interface, InterfaceKind, Route
from virtnet_tui.probe.parse import (
    ParseError,
    default_routes,
    distro_family,
    dnsmasq_version,
    libvirt_network,
    parse_os_release,
    redhat_release_version,
    routed_subnets,
    ssh_session,
    sshd_port,
)


@pytest.mark.parametrize(
    ("text", "family", "version"),
    [
        ('ID=debian\nVERSION_ID="12"\n', "debian", "12"),
        ('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n', "ubuntu", "22.04"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n', "rhel", "9.3"),
        ('ID="centos"\nVERSION_ID="7"\n', "rhel", "7"),
        ("ID=fedora\nVERSION_ID=40\n", "fedora", "40"),
        ('ID="almalinux"\nVERSION_ID="8.9"\n', "rhel", "8.9"),
        ("ID=arch\n", None, ""),
    ],
)
def test_distributions(text: str, family: str | None, version: str) -> None:
    release = parse_os_release(text)
    assert distro_family(release) == family
    assert release.get("VERSION_ID", "") == version


def test_old_release_files() -> None:
    assert redhat_release_version("CentOS release 6.10 (Final)\n") == "6.10"
    assert redhat_release_version("Red Hat Enterprise Linux Server release 6.5 (Santiago)") == "6.5"
    assert redhat_release_version("nothing") == ""


def test_dnsmasq_versions() -> None:
    assert dnsmasq_version("Dnsmasq version 2.90  Copyright (c) 2000-2024 Simon Kelley\n") == "2.90"
    assert dnsmasq_version("Dnsmasq version 2.66 Copyright\n") == "2.66"
    with pytest.raises(ParseError):
        dnsmasq_version("dnsmasq: unknown option\n")


def test_default_routes_best_first_and_multipath() -> None:
    routes = [
        {"dst": "default", "gateway": "192.0.2.254", "dev": "eth1", "metric": 200},
        {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0", "metric": 100},
        {"dst": "default", "type": "unreachable", "dev": "lo", "metric": 1},
        {
            "dst": "default",
            "metric": 50,
            "nexthops": [
                {"gateway": "fe80::1", "dev": "eth0"},
                {"gateway": "fe80::2", "dev": "eth1"},
            ],
        },
    ]
    assert default_routes(routes, 6) == (
        Route(6, "eth0", "fe80::1", 50),
        Route(6, "eth1", "fe80::2", 50),
        Route(6, "eth0", "192.0.2.1", 100),
        Route(6, "eth1", "192.0.2.254", 200),
    )


def test_routed_subnets_skip_default_link_local_and_junk() -> None:
    routes = [
        {"dst": "default"},
        {"dst": "10.1.2.0/24"},
        {"dst": "10.9.9.9"},
        {"dst": "fe80::/64"},
        {"dst": "ff00::/8"},
        {"dst": "192.0.2.0/24", "type": "blackhole"},
        {"dst": "oops"},
    ]
    assert routed_subnets(routes) == ["10.1.2.0/24", "10.9.9.9/32"]


def test_ssh_connection() -> None:
    session = ssh_session("2001:db8::99 51000 2001:db8:5::2 2222")
    assert session is not None
    assert (session.client, session.client_port, session.server, session.server_port) == (
        "2001:db8::99",
        51000,
        "2001:db8:5::2",
        2222,
    )
    mapped = ssh_session("::ffff:198.51.100.23 1 ::ffff:203.0.113.10 22")
    assert mapped is not None and (mapped.client, mapped.server) == (
        "198.51.100.23",
        "203.0.113.10",
    )
    assert ssh_session("") is None
    assert ssh_session("198.51.100.23 x 203.0.113.10 22") is None
    assert ssh_session("not-an-address 1 203.0.113.10 22") is None


def test_sshd_port() -> None:
    assert sshd_port("#Port 22\nPort 2200 \nPort 2300\n") == 2200
    assert sshd_port("ListenAddress 0.0.0.0\n") is None


def test_libvirt_network_xml() -> None:
    net = libvirt_network(
        "<network><name>lab</name><forward mode='route'/><bridge name='virbr9'/>"
        "<ip address='192.168.9.1' netmask='255.255.255.0'/>"
        "<ip family='ipv6' address='2001:db8:9::1' prefix='64'/>"
        "<route address='198.51.100.0' prefix='28' gateway='192.168.9.2'/></network>"
    )
    assert (net.name, net.bridge, net.forward) == ("lab", "virbr9", "route")
    assert net.subnets == ("192.168.9.0/24", "2001:db8:9::/64", "198.51.100.0/28")
    isolated = libvirt_network("<network><name>iso</name><forward/></network>")
    assert isolated.forward == "nat" and isolated.bridge == "" and isolated.subnets == ()
    assert libvirt_network("<network><name>x</name></network>").forward == ""
    with pytest.raises(ParseError):
        libvirt_network("<network")


def _iface(name: str, kind: InterfaceKind, *cidrs: str, state: str = "up") -> Interface:
    addresses = tuple(Address(c, 6 if ":" in c else 4) for c in cidrs)
    return Interface(
        name, kind, mac=f"02:00:00:00:00:{len(name):02x}", state=state, addresses=addresses
    )


def test_uplink_is_the_default_route_link() -> None:
    links = [_iface("eth0", "ethernet", "192.0.2.2/24"), _iface("eth1", "ethernet", "10.0.0.2/24")]
    routes = [Route(4, "eth1", "10.0.0.1"), Route(6, "eth0", "fe80::1")]
    assert choose_uplink(links, routes) == ("eth1", "")


def test_a_wireless_default_route_keeps_the_wired_card_as_uplink() -> None:
    links = [
        _iface("eth0", "ethernet", state="down"),
        _iface("wlan0", "wireless", "192.168.1.20/24"),
    ]
    assert choose_uplink(links, [Route(4, "wlan0", "192.168.1.1")]) == ("eth0", "wlan0")
    assert choose_uplink(links[1:], [Route(4, "wlan0", "192.168.1.1")]) == ("wlan0", "")


def test_without_a_default_route_the_card_with_an_address_wins() -> None:
    links = [
        _iface("lo", "loopback", "127.0.0.1/8"),
        _iface("eth0", "ethernet", state="down"),
        _iface("eth1", "ethernet", "192.0.2.2/24"),
    ]
    assert choose_uplink(links, []) == ("eth1", "")
    assert choose_uplink([], []) == ("", "")


def test_uplink_facts_skip_privacy_addresses() -> None:
    eth0 = Interface(
        "eth0",
        "ethernet",
        mac="02:00:00:00:00:01",
        addresses=(
            Address("2001:db8::aaaa/64", 6, temporary=True),
            Address("2001:db8::1/64", 6),
            Address("fe80::1/64", 6, scope="link"),
        ),
    )
    up = uplink_facts([eth0], [Route(6, "eth0", "fe80::ff")], "eth0", "")
    assert (up.ipv6, up.gateway6, up.ipv4, up.ipv6_prefix) == ("2001:db8::1/64", "fe80::ff", "", 64)


def test_behind_nat_counts_lan_ranges_only() -> None:
    assert (
        behind_nat("192.168.1.20/24") and behind_nat("10.1.2.3/8") and behind_nat("100.64.0.5/10")
    )
    # documentation ranges stand for public addresses in examples
    assert not behind_nat("203.0.113.10/24") and not behind_nat("198.51.100.1/24")
