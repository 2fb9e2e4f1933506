"""Pure rules that turn probed interfaces, routes and libvirt networks into recipe facts."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from virtnet_tui.probe.model import Address, Interface, LibvirtNetwork, Route


@dataclass(frozen=True)
class UplinkFacts:
    """The HostFacts fields that describe the uplink."""

    uplink_interface: str = ""
    wireless_interface: str = ""
    mac: str = ""
    ipv4: str = ""
    gateway4: str = ""
    ipv6: str = ""
    gateway6: str = ""
    wireless_ipv4: str = ""

    @property
    def ipv6_prefix(self) -> int:
        return ipaddress.ip_interface(self.ipv6).network.prefixlen if self.ipv6 else 0


def choose_uplink(interfaces: Iterable[Interface], routes: Iterable[Route]) -> tuple[str, str]:
    """The wired uplink and the wireless interface (either may be "").

    The uplink is the link of the best default route. When that link is wireless and
    the host also has an Ethernet card, the card is the uplink and the wireless link
    is reported apart: only a wired link can be enslaved to a bridge, and the recipes
    keep the two apart. Without a default route, the first Ethernet card with an
    address (or up) is taken.
    """
    links = [i for i in interfaces if i.kind != "loopback"]
    kinds = {i.name: i.kind for i in links}
    wired = [i for i in links if i.kind == "ethernet"]
    wireless = [i.name for i in links if i.kind == "wireless"]
    via = next((r.dev for r in sorted(routes, key=_route_rank) if r.dev in kinds), "")
    if via and kinds[via] != "wireless":
        uplink = via
    elif wired:
        uplink = _best_wired(wired)
    elif via:
        uplink = via
    else:
        uplink = wireless[0] if wireless else ""
    if via in wireless and uplink != via:
        wireless.insert(0, via)
    return uplink, next((name for name in wireless if name != uplink), "")


def _route_rank(route: Route) -> tuple[int, int]:
    # IPv4 first: the uplink's IPv4 address is what the operator most likely reaches.
    return (route.family, route.metric)


def _best_wired(wired: list[Interface]) -> str:
    with_address = [i for i in wired if i.global_addresses(4) or i.global_addresses(6)]
    up = [i for i in wired if i.state == "up"]
    return (with_address or up or wired)[0].name


def _stable(addresses: tuple[Address, ...]) -> str:
    """The first address that is not a privacy (temporary) one."""
    for address in addresses:
        if not address.temporary:
            return address.cidr
    return addresses[0].cidr if addresses else ""


def uplink_facts(
    interfaces: Iterable[Interface], routes: Iterable[Route], uplink: str, wireless: str
) -> UplinkFacts:
    """MAC, addresses and gateways of ``uplink``."""
    interfaces = list(interfaces)
    radio = next((i for i in interfaces if wireless and i.name == wireless), None)
    wireless_ipv4 = _stable(radio.global_addresses(4)) if radio else ""
    iface = next((i for i in interfaces if i.name == uplink), None)
    if iface is None:
        return UplinkFacts(uplink, wireless, wireless_ipv4=wireless_ipv4)
    gateways = {4: "", 6: ""}
    for route in sorted(routes, key=_route_rank, reverse=True):
        if route.dev == uplink and route.gateway:
            gateways[route.family] = route.gateway
    return UplinkFacts(
        uplink_interface=uplink,
        wireless_interface=wireless,
        mac=iface.mac,
        ipv4=_stable(iface.global_addresses(4)),
        gateway4=gateways[4],
        ipv6=_stable(iface.global_addresses(6)),
        gateway6=gateways[6],
        wireless_ipv4=wireless_ipv4,
    )


def used_subnets(
    routed: Iterable[str],
    interfaces: Iterable[Interface],
    networks: Iterable[LibvirtNetwork],
    uplink: str = "",
) -> tuple[str, ...]:
    """Every subnet that a new network must stay clear of, in the order found, once each.

    The uplink's own subnets are left out: validation checks overlaps with the uplink
    itself (``host.ipv4``/``host.ipv6``), where a routed slice of the host's block that
    spares its address and gateway is allowed, as the handbook's routed examples do.
    """
    interfaces = list(interfaces)
    own = {
        str(ipaddress.ip_interface(a.cidr).network)
        for i in interfaces
        if uplink and i.name == uplink
        for a in i.addresses
    }
    found: list[str] = [s for s in routed if s not in own]
    for iface in interfaces:
        if uplink and iface.name == uplink:
            continue
        for address in iface.addresses:
            if address.scope in ("global", "other"):
                found.append(str(ipaddress.ip_interface(address.cidr).network))
    for net in networks:
        found.extend(net.subnets)
    out: list[str] = []
    for subnet in found:
        if subnet not in out:
            out.append(subnet)
    return tuple(out)


def used_bridges(
    interfaces: Iterable[Interface], networks: Iterable[LibvirtNetwork]
) -> tuple[str, ...]:
    """Every link name taken on the host or promised to a libvirt network."""
    names = [i.name for i in interfaces] + [n.bridge for n in networks if n.bridge]
    return tuple(sorted(set(names)))


#: The private ranges a home router hands out (RFC 1918) and carrier-grade NAT (RFC 6598).
_LAN_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def behind_nat(ipv4: str) -> bool:
    """Whether the uplink address is a private LAN address rather than a public one.

    Python's ``is_private`` also counts the documentation ranges, which stand for
    public addresses in examples, so the ranges are spelled out here.
    """
    address = ipaddress.ip_interface(ipv4).ip
    return any(address in net for net in _LAN_RANGES)
