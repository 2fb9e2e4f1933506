"""Collisions: names, bridges and subnets shared between networks or with the host's own."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from virtnet_tui.core.model import Answers, NetworkSpec
from virtnet_tui.core.validate.fields import InvalidValue, parse_interface
from virtnet_tui.core.validate.findings import Report
from virtnet_tui.core.validate.host import Uplink
from virtnet_tui.core.validate.subnets import ROUTED4_TYPES, Subnets

Subnet = IPv4Network | IPv6Network


def check_unique(report: Report, networks: tuple[NetworkSpec, ...]) -> None:
    """No two networks share a name or a bridge."""
    names: dict[str, int] = {}
    bridges: dict[str, int] = {}
    for index, spec in enumerate(networks):
        if spec.name in names:
            report.error(
                f"network[{index}].name",
                spec.name,
                f"is also used by network[{names[spec.name]}]",
            )
        if spec.bridge in bridges:
            report.error(
                f"network[{index}].bridge",
                spec.bridge,
                f"is also used by network[{bridges[spec.bridge]}]",
            )
        names.setdefault(spec.name, index)
        bridges.setdefault(spec.bridge, index)


def check_overlaps(
    report: Report, answers: Answers, subnets: list[Subnets], uplink: Uplink
) -> None:
    """No VM subnet overlaps the uplink's, an earlier network's, or one in use on the host."""
    used = []
    for subnet in answers.host.used_subnets:
        try:
            used.append(parse_interface(subnet).network)
        except InvalidValue:
            continue  # reported by check_host
    earlier: list[tuple[str, Subnet]] = []
    for index, (spec, parsed) in enumerate(zip(answers.networks, subnets, strict=True)):
        for family, own in (("ipv4", parsed.v4), ("ipv6", parsed.v6)):
            if own is None:
                continue
            field = f"network[{index}].{family}"
            value = spec.ipv4 if family == "ipv4" else spec.ipv6
            net = own.network
            _uplink_overlap(report, field, value, spec, net, uplink)
            for other_field, other in earlier:
                if _overlaps(net, other):
                    report.error(field, value, f"overlaps {other} of {other_field}")
            for taken in used:
                if _overlaps(net, taken):
                    report.error(
                        field,
                        value,
                        f"overlaps {taken}, already in use on the host (host.used_subnets)",
                    )
            earlier.append((field, net))


def _uplink_overlap(
    report: Report, field: str, value: str, spec: NetworkSpec, net: Subnet, uplink: Uplink
) -> None:
    own = uplink.v4 if net.version == 4 else uplink.v6
    if own is None or net.version != own.version:
        return
    block = own.network
    if not _overlaps(net, block):
        return
    # A routed subnet may be a slice of the uplink's own block: a provider
    # routes the whole block to the server, which hands part of it to VMs.
    # That only works while the slice leaves out the host's own address and
    # its gateway. IPv6 is routed on every non-bridged type (no NAT66).
    gateway = uplink.gateway4 if net.version == 4 else uplink.gateway6
    routed = spec.type in ROUTED4_TYPES or net.version == 6
    sliced = _subnet_of(net, block)
    keeps_host = own.ip not in net and (gateway is None or gateway not in net)
    if routed and sliced and keeps_host:
        return
    source = "host.ipv4" if net.version == 4 else "host.ipv6"
    if net == block:
        reason = f"is the uplink's own subnet ({source}); VMs need a subnet of their own"
    elif routed and sliced:
        reason = (
            f"is a slice of the uplink's block {block} ({source}) but holds the host's "
            "own address or its gateway; pick a slice that leaves both out"
        )
    else:
        reason = f"overlaps the uplink's subnet {block} ({source})"
    report.error(field, value, reason)


def _overlaps(a: Subnet, b: Subnet) -> bool:
    if isinstance(a, IPv4Network) and isinstance(b, IPv4Network):
        return a.overlaps(b)
    if isinstance(a, IPv6Network) and isinstance(b, IPv6Network):
        return a.overlaps(b)
    return False


def _subnet_of(a: Subnet, b: Subnet) -> bool:
    if isinstance(a, IPv4Network) and isinstance(b, IPv4Network):
        return a.subnet_of(b)
    if isinstance(a, IPv6Network) and isinstance(b, IPv6Network):
        return a.subnet_of(b)
    return False
