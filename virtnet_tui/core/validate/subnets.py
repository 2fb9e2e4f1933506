"""A routed or NAT network's VM subnets, IPv4 and IPv6, with their DHCP ranges."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Interface

from virtnet_tui.core.model import Answers, NetworkSpec, NetworkType
from virtnet_tui.core.validate.fields import version_tuple
from virtnet_tui.core.validate.findings import Report
from virtnet_tui.core.validate.ranges import check_dhcp_range

#: dnsmasq answers DHCPv6 and sends router advertisements from this release on.
DNSMASQ_IPV6_MIN = (2, 64)
#: Prefixes a VM subnet may use: a /31 or /32 leaves no address for a VM.
VM_PREFIX4 = (8, 30)
#: Types that route their IPv4 subnet rather than hide it behind NAT.
ROUTED4_TYPES: frozenset[NetworkType] = frozenset({"routed", "custom-routed"})


@dataclass(frozen=True)
class Subnets:
    """A network's parsed addresses; None where absent or invalid (already reported)."""

    v4: IPv4Interface | None
    v6: IPv6Interface | None


def check_subnets(report: Report, p: str, spec: NetworkSpec, answers: Answers) -> Subnets:
    """Check the subnets of network ``p``; those that passed, for the checks that follow."""
    if not spec.ipv4 and not spec.ipv6:
        report.error(
            f"{p}.ipv4",
            spec.ipv4,
            f"a {spec.type} network needs an IPv4 subnet (ipv4) or an IPv6 subnet (ipv6)",
        )
    return Subnets(_ipv4(report, p, spec, answers), _ipv6(report, p, spec, answers))


def _ipv4(report: Report, p: str, spec: NetworkSpec, answers: Answers) -> IPv4Interface | None:
    v4: IPv4Interface | None = None
    if spec.ipv4:
        parsed = report.interface(f"{p}.ipv4", spec.ipv4, 4)
        if isinstance(parsed, IPv4Interface):
            v4 = _ipv4_prefix(report, p, spec, parsed)
    if spec.dhcp4 is None:
        return v4
    if not spec.ipv4:
        report.error(f"{p}.dhcp4", spec.dhcp4, f"DHCPv4 needs an IPv4 subnet in {p}.ipv4")
    elif v4 is not None:
        check_dhcp_range(report, f"{p}.dhcp4", spec.dhcp4, v4, 4, answers.situation.vms)
    return v4


def _ipv4_prefix(
    report: Report, p: str, spec: NetworkSpec, parsed: IPv4Interface
) -> IPv4Interface | None:
    net = parsed.network
    low, high = VM_PREFIX4
    if net.prefixlen > high:
        report.error(
            f"{p}.ipv4",
            spec.ipv4,
            f"a /{net.prefixlen} leaves no address for VMs; use a prefix from /{low} to /{high}",
        )
        return None
    if net.prefixlen < low:
        report.error(
            f"{p}.ipv4",
            spec.ipv4,
            f"a /{net.prefixlen} is larger than any VM subnet needs; "
            f"use a prefix from /{low} to /{high}",
        )
        return None
    if parsed.ip == net.broadcast_address:
        report.error(f"{p}.ipv4", spec.ipv4, f"is the broadcast address of {net}")
        return None
    # A routed subnet may give the host its network address so that every
    # other address goes to a VM, as when a /29 is sliced from a provider's
    # block. Behind NAT the addresses are free, and hosts expect .1 or so.
    if parsed.ip == net.network_address and spec.type not in ROUTED4_TYPES:
        report.error(
            f"{p}.ipv4",
            spec.ipv4,
            f"is the network address of {net}; give the host a usable address "
            f"such as {net.network_address + 1}/{net.prefixlen}",
        )
        return None
    return parsed


def _ipv6(report: Report, p: str, spec: NetworkSpec, answers: Answers) -> IPv6Interface | None:
    v6: IPv6Interface | None = None
    if spec.ipv6:
        parsed = report.interface(f"{p}.ipv6", spec.ipv6, 6)
        if isinstance(parsed, IPv6Interface):
            v6 = _ipv6_prefix(report, p, spec, parsed)
    dnsmasq = answers.host.dnsmasq_version
    if spec.ipv6 and spec.ipv6_mode == "dhcpv6" and spec.is_custom:
        found = version_tuple(dnsmasq)
        if found is not None and found < DNSMASQ_IPV6_MIN:
            report.error(
                f"{p}.ipv6_mode",
                spec.ipv6_mode,
                f"DHCPv6 needs dnsmasq 2.64 or later, and host.dnsmasq_version is {dnsmasq}; "
                "use 'slaac' or upgrade dnsmasq",
            )
    if spec.dhcp6 is None:
        return v6
    if not spec.ipv6:
        report.error(f"{p}.dhcp6", spec.dhcp6, f"DHCPv6 needs an IPv6 subnet in {p}.ipv6")
    elif spec.ipv6_mode != "dhcpv6":
        report.error(
            f"{p}.dhcp6",
            spec.dhcp6,
            f"a DHCPv6 range is used only with ipv6_mode = 'dhcpv6' "
            f"({p}.ipv6_mode is {spec.ipv6_mode!r})",
        )
    elif v6 is not None:
        check_dhcp_range(report, f"{p}.dhcp6", spec.dhcp6, v6, 6, answers.situation.vms)
    return v6


def _ipv6_prefix(
    report: Report, p: str, spec: NetworkSpec, parsed: IPv6Interface
) -> IPv6Interface | None:
    prefix = parsed.network.prefixlen
    if parsed.ip.is_link_local or parsed.ip.is_multicast:
        report.error(
            f"{p}.ipv6",
            spec.ipv6,
            "must be a global or unique-local subnet, not link-local or multicast",
        )
        return None
    if prefix >= 127:
        report.error(f"{p}.ipv6", spec.ipv6, f"a /{prefix} leaves no address for VMs; use a /64")
        return None
    if prefix != 64 and spec.ipv6_mode == "slaac":
        report.error(
            f"{p}.ipv6",
            spec.ipv6,
            f"SLAAC works only on a /64 (VMs build addresses from a 64-bit prefix); "
            f"use a /64 instead of a /{prefix}",
        )
    elif prefix != 64:
        report.warn(
            f"{p}.ipv6",
            spec.ipv6,
            f"is a /{prefix}; VM subnets should be /64, which SLAAC and other IPv6 features assume",
        )
    return parsed
