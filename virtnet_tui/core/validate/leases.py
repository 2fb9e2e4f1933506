"""A network's fixed DHCP leases, and the rule for any address handed to a VM."""

from __future__ import annotations

from ipaddress import IPv4Network

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.validate.fields import (
    Address,
    Interface,
    Version,
    check_duid,
    check_hostname,
    check_mac,
)
from virtnet_tui.core.validate.findings import Report
from virtnet_tui.core.validate.subnets import Subnets


def check_leases(report: Report, index: int, spec: NetworkSpec, subnets: Subnets) -> None:
    """Check ``network[index]``'s fixed leases: one key each, unique, inside the subnet."""
    if spec.type == "bridged":
        return  # the host serves no DHCP there; check_bridged refuses the leases whole
    p = f"network[{index}]"
    seen: dict[tuple[str, str], str] = {}
    for number, entry in enumerate(spec.dhcp_hosts):
        hp = f"{p}.dhcp_host[{number}]"
        if bool(entry.mac) == bool(entry.id):
            report.error(
                hp,
                None,
                "give exactly one of mac (for an IPv4 lease) or id (a DUID, for an IPv6 lease)",
            )
            continue
        if entry.name:
            report.add(check_hostname(f"{hp}.name", entry.name))
        if entry.mac:
            report.add(check_mac(f"{hp}.mac", entry.mac))
            key, field = ("mac", entry.mac.lower()), f"{hp}.mac"
            own: Interface | None = subnets.v4
            version: Version = 4
            if spec.dhcp4 is None and spec.ipv4:
                report.error(
                    f"{hp}.ip",
                    entry.ip,
                    f"fixed IPv4 leases are served by DHCPv4, which {p} does not run; "
                    f"set {p}.dhcp4",
                )
        else:
            report.add(check_duid(f"{hp}.id", entry.id))
            key, field = ("id", entry.id.lower()), f"{hp}.id"
            own, version = subnets.v6, 6
            if spec.ipv6 and spec.ipv6_mode != "dhcpv6":
                report.error(
                    f"{hp}.id",
                    entry.id,
                    f"a DUID lease needs {p}.ipv6_mode = 'dhcpv6'; SLAAC hands out no leases",
                )
        if key in seen:
            report.error(field, key[1], f"is also used by {seen[key]}")
        seen.setdefault(key, hp)
        configured = bool(spec.ipv4 if version == 4 else spec.ipv6)
        address = check_vm_address(report, f"{hp}.ip", entry.ip, own, version, p, configured)
        if address is not None:
            ip_key = ("ip", str(address))
            if ip_key in seen:
                report.error(f"{hp}.ip", entry.ip, f"is also used by {seen[ip_key]}")
            seen.setdefault(ip_key, hp)


def check_vm_address(
    report: Report,
    field: str,
    text: str,
    own: Interface | None,
    version: Version,
    p: str,
    configured: bool,
) -> Address | None:
    """An address a VM gets: inside ``own``'s subnet and not the host's.

    ``configured`` says whether network ``p`` sets that family's subnet at all.
    """
    address = report.address(field, text, version)
    if address is None:
        return None
    family = "ipv4" if version == 4 else "ipv6"
    if own is None:
        # An invalid subnet is reported on its own field; only a missing one
        # is news here.
        if not configured:
            report.error(field, text, f"{p} has no IPv{version} subnet ({p}.{family})")
        return None
    net = own.network
    if address not in net:
        report.error(field, text, f"is outside the network's subnet {net} ({p}.{family})")
    elif address == own.ip:
        report.error(field, text, f"is the host's own address on this network ({p}.{family})")
    elif isinstance(net, IPv4Network) and address in (
        net.network_address,
        net.broadcast_address,
    ):
        report.error(field, text, f"is the network or broadcast address of {net}")
    else:
        return address
    return None
