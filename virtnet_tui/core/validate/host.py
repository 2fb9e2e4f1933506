"""The host's facts: interfaces, MAC, the uplink's addresses and gateways, versions, SSH port."""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface

from virtnet_tui.core.model import HostFacts
from virtnet_tui.core.validate.fields import (
    Address,
    check_cidr,
    check_distro_version,
    check_hostname,
    check_ifname,
    check_mac,
    check_port,
    check_version,
)
from virtnet_tui.core.validate.findings import Report
from virtnet_tui.core.versions import at_least


@dataclass(frozen=True)
class Uplink:
    """The uplink's addresses that passed their checks; None where absent or refused."""

    v4: IPv4Interface | None = None
    v6: IPv6Interface | None = None
    gateway4: IPv4Address | None = None
    gateway6: Address | None = None


def check_host(report: Report, host: HostFacts) -> Uplink:
    """Check the host's facts; the uplink's usable addresses, for the checks that follow."""
    h = host
    if h.distro_version:
        report.add(check_distro_version("host.distro_version", h.distro_version))
    if h.uplink_interface:
        report.add(check_ifname("host.uplink_interface", h.uplink_interface))
    wireless_ok = h.wireless_interface and report.add(
        check_ifname("host.wireless_interface", h.wireless_interface)
    )
    if wireless_ok and h.wireless_interface == h.uplink_interface:
        report.error(
            "host.wireless_interface",
            h.wireless_interface,
            "is the same as host.uplink_interface; the wired and wireless "
            "uplinks are different devices",
        )
    if h.wireless_ipv4:
        report.interface("host.wireless_ipv4", h.wireless_ipv4, 4)
        if not h.wireless_interface:
            report.warn(
                "host.wireless_ipv4",
                h.wireless_ipv4,
                "is unused without host.wireless_interface",
            )
    if h.mac:
        # Read from the card, so a multicast bit is only a doubt, and only when a
        # bridge takes the MAC over (bridged.py).
        report.add(check_mac("host.mac", h.mac, unicast=False))
    v4, gateway4 = _ipv4(report, h)
    v6, gateway6 = _ipv6(report, h)
    if h.dnsmasq_version:
        report.add(check_version("host.dnsmasq_version", h.dnsmasq_version))
    if h.kernel:
        report.add(check_version("host.kernel", h.kernel, kernel=True))
    report.add(check_port("host.ssh_port", h.ssh_port))
    if h.hostname:
        report.add(check_hostname("host.hostname", h.hostname))
    for index, subnet in enumerate(h.used_subnets):
        report.add(check_cidr(f"host.used_subnets[{index}]", subnet))
    check_firewall_backend(report, h)
    return Uplink(v4, v6, gateway4, gateway6)


#: NAT chains in an ``inet`` table (one table for IPv4 and IPv6) need Linux 5.2.
NFT_INET_NAT_KERNEL = "5.2"


#: firewalld's zone names: letters, digits, ``_`` and ``-``, at most 17 characters.
_ZONE = re.compile(r"[A-Za-z0-9_-]{1,17}")


def check_firewall_backend(report: Report, h: HostFacts) -> None:
    """The backend chosen for the wizard's rules must work here; firewalld's zones must parse."""
    if h.firewall_backend == "firewalld":
        for index, zone in enumerate(h.firewalld_zones):
            if not _ZONE.fullmatch(zone):
                report.error(f"host.firewalld_zones[{index}]", zone, "is not a firewalld zone")
        if not _ZONE.fullmatch(h.firewalld_zone):
            report.error("host.firewalld_zone", h.firewalld_zone, "is not a firewalld zone")
    if h.firewall_backend == "nftables" and not at_least(h.kernel, NFT_INET_NAT_KERNEL):
        report.error(
            "host.firewall_backend",
            h.firewall_backend,
            f"needs Linux {NFT_INET_NAT_KERNEL} or later (NAT in an inet table); "
            f'host.kernel is {h.kernel}: use "iptables"',
        )


def _ipv4(report: Report, h: HostFacts) -> tuple[IPv4Interface | None, IPv4Address | None]:
    """The uplink's IPv4 address and gateway, each None when absent or refused."""
    own: IPv4Interface | None = None
    if h.ipv4:
        parsed = report.interface("host.ipv4", h.ipv4, 4)
        if isinstance(parsed, IPv4Interface):
            net = parsed.network
            if net.prefixlen <= 30 and parsed.ip in (net.network_address, net.broadcast_address):
                report.error(
                    "host.ipv4",
                    h.ipv4,
                    f"is the network or broadcast address of {net}, which no host can use",
                )
            else:
                own = parsed
    if not h.gateway4:
        return own, None
    gateway = report.address("host.gateway4", h.gateway4, 4)
    if not isinstance(gateway, IPv4Address) or own is None:
        return own, None
    net = own.network
    if gateway == own.ip:
        report.error("host.gateway4", h.gateway4, "is the host's own address (host.ipv4)")
    elif gateway not in net and net.prefixlen == 32:
        report.warn(
            "host.gateway4",
            h.gateway4,
            f"is outside {net}; a /32 uplink reaches its gateway only through a "
            "host route, which the provider's setup must supply",
        )
    elif gateway not in net:
        report.error(
            "host.gateway4",
            h.gateway4,
            f"is outside the uplink's subnet {net} (host.ipv4); the host could not reach it",
        )
    elif net.prefixlen <= 30 and gateway in (net.network_address, net.broadcast_address):
        report.error("host.gateway4", h.gateway4, f"is the network or broadcast address of {net}")
    return own, gateway


def _ipv6(report: Report, h: HostFacts) -> tuple[IPv6Interface | None, Address | None]:
    """The uplink's IPv6 address and gateway, each None when absent or refused."""
    own: IPv6Interface | None = None
    if h.ipv6:
        parsed = report.interface("host.ipv6", h.ipv6, 6)
        if isinstance(parsed, IPv6Interface):
            if parsed.ip.is_link_local or parsed.ip.is_multicast:
                report.error(
                    "host.ipv6",
                    h.ipv6,
                    "must be the uplink's global address, not a link-local or multicast one",
                )
            else:
                own = parsed
    if not h.gateway6:
        return own, None
    gateway = report.address("host.gateway6", h.gateway6, 6)
    if gateway is None:
        return own, None
    if gateway.is_multicast:
        report.error("host.gateway6", h.gateway6, "is a multicast address, not a router")
    elif own is not None and gateway == own.ip:
        report.error("host.gateway6", h.gateway6, "is the host's own address (host.ipv6)")
    elif own is not None and not gateway.is_link_local and gateway not in own.network:
        # Some providers put the router outside the server's /64; that works
        # only when they route it on-link, so this is a doubt, not an error.
        report.warn(
            "host.gateway6",
            h.gateway6,
            f"is outside the uplink's subnet {own.network} (host.ipv6); "
            "a link-local gateway such as fe80::1 is the usual choice",
        )
    return own, gateway
