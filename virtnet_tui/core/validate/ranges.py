"""A network's DHCP range: inside its subnet, in order, clear of the host's own address."""

from __future__ import annotations

from ipaddress import IPv4Network

from virtnet_tui.core.validate.fields import (
    Address,
    Interface,
    InvalidValue,
    Version,
    parse_address,
)
from virtnet_tui.core.validate.findings import Report


def check_dhcp_range(
    report: Report,
    field: str,
    pair: tuple[str, str],
    own: Interface,
    version: Version,
    vms: int,
) -> None:
    """A ``[start, end]`` range inside ``own``'s subnet that skips ``own``'s address.

    ``vms`` is situation.vms: an IPv4 range with fewer addresses is a doubt.
    """
    bounds: list[Address] = []
    for label, text in zip(("start", "end"), pair, strict=True):
        try:
            address = parse_address(text, version)
        except InvalidValue as exc:
            report.error(field, pair, f"{label} {text!r} {exc}")
            return
        net = own.network
        if address not in net:
            report.error(field, pair, f"{label} {address} is outside the subnet {net}")
            return
        if isinstance(net, IPv4Network) and address in (
            net.network_address,
            net.broadcast_address,
        ):
            report.error(
                field, pair, f"{label} {address} is the network or broadcast address of {net}"
            )
            return
        bounds.append(address)
    start, end = bounds
    if int(start) > int(end):
        report.error(field, pair, f"start {start} comes after end {end}; swap them")
    elif int(start) <= int(own.ip) <= int(end):
        report.error(
            field,
            pair,
            f"includes the host's own address {own.ip}; start the range after it "
            "or end it before it",
        )
    elif version == 4:
        size = int(end) - int(start) + 1
        if size < vms:
            report.warn(
                field,
                pair,
                f"holds {size} addresses, fewer than the {vms} VMs of situation.vms",
            )
