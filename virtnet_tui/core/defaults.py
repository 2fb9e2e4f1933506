"""Safe defaults: names, bridges, subnets and MACs that collide with nothing on the host."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import replace

import netaddr

from virtnet_tui.core.advisor import NetworkChoice, Recommendation
from virtnet_tui.core.errors import AnswersError, FieldError
from virtnet_tui.core.model import Answers, HostFacts, NetworkSpec, NetworkType

KVM_OUI = "52:54:00"


def stable_mac(hostname: str, bridge: str) -> str:
    """A KVM-style MAC derived from the host and bridge names.

    Derived rather than random so that a re-run, a preview and a snapshot test all
    agree, while two bridges (or two hosts) still get different addresses.
    """
    digest = hashlib.sha256(f"{hostname}/{bridge}".encode()).digest()
    return KVM_OUI + "".join(f":{byte:02x}" for byte in digest[:3])


def _overlaps(cidr: netaddr.IPNetwork, taken: Iterable[netaddr.IPNetwork]) -> bool:
    return any(cidr.version == t.version and (cidr in t or t in cidr) for t in taken)


def _taken_subnets(facts: HostFacts, specs: Iterable[NetworkSpec]) -> list[netaddr.IPNetwork]:
    taken = [netaddr.IPNetwork(s).cidr for s in facts.used_subnets if s]
    taken += [netaddr.IPNetwork(c).cidr for c in (facts.ipv4, facts.ipv6) if c]
    for spec in specs:
        taken += [netaddr.IPNetwork(c).cidr for c in (spec.ipv4, spec.ipv6) if c]
    return taken


def free_private_subnet(facts: HostFacts, specs: Iterable[NetworkSpec], start: int = 100) -> str:
    """The first free 192.168.N.0/24 from ``start`` on, as the host's ``.1/24``."""
    taken = _taken_subnets(facts, specs)
    for third in [*range(start, 255), *range(1, start)]:
        net = netaddr.IPNetwork(f"192.168.{third}.0/24")
        if not _overlaps(net, taken):
            return f"192.168.{third}.1/24"
    for second in range(16, 32):
        for third in range(256):
            net = netaddr.IPNetwork(f"172.{second}.{third}.0/24")
            if not _overlaps(net, taken):
                return f"172.{second}.{third}.1/24"
    raise AnswersError((FieldError("network.ipv4", "", "no free private /24 subnet left"),))


def sliced_ipv6(facts: HostFacts, prefix: int, specs: Iterable[NetworkSpec], field: str) -> str:
    """A /64 for VMs, cut from the host's IPv6 block and clear of the uplink's own /64."""
    if not facts.ipv6:
        raise AnswersError(
            (
                FieldError(
                    field,
                    "",
                    "set host.ipv6 (the host's IPv6 address) or "
                    "this network's ipv6: a /64 is cut from the host's block",
                ),
            )
        )
    if not 0 < prefix < 64:
        raise AnswersError(
            (
                FieldError(
                    field,
                    f"/{prefix}",
                    "a routed IPv6 subnet needs a block "
                    "shorter than /64 to cut a /64 from; ask the provider for a /56",
                ),
            )
        )
    block = netaddr.IPNetwork(f"{netaddr.IPNetwork(facts.ipv6).ip}/{prefix}").cidr
    taken = _taken_subnets(facts, specs)
    for candidate in block.subnet(64):
        if not _overlaps(candidate, taken):
            return f"{candidate.ip + 1}/64"
    raise AnswersError((FieldError(field, str(block), "every /64 of the block is in use"),))


def _handbook_default_is_free(facts: HostFacts, planned: list[NetworkSpec]) -> bool:
    taken = set(facts.used_bridges) | set(facts.used_networks)
    taken |= {s.bridge for s in planned} | {s.name for s in planned}
    subnet = netaddr.IPNetwork("192.168.122.0/24")
    return not ({"default", "virbr0"} & taken) and not _overlaps(
        subnet, _taken_subnets(facts, planned)
    )


def _names(prefix: str, start: int, taken: set[str]) -> Iterator[str]:
    n = start
    while True:
        name = f"{prefix}{n}"
        if name not in taken:
            yield name
        n += 1


def _new_spec(
    choice: NetworkChoice, answers: Answers, planned: list[NetworkSpec], index: int
) -> NetworkSpec:
    facts = answers.host
    situation = answers.situation
    taken = set(facts.used_bridges) | set(facts.used_networks)
    taken |= {s.bridge for s in planned} | {s.name for s in planned}
    kind: NetworkType = choice.type
    field = f"network[{index}]"
    if kind == "bridged":
        bridge = next(_names("br", 0, taken))
        uplink = facts.uplink_interface
        return NetworkSpec(type="bridged", name=bridge, bridge=bridge, uplink=uplink)
    if kind == "nat" and choice.family == "ipv4" and _handbook_default_is_free(facts, planned):
        # The guide's NAT network is libvirt's own "default" (virbr0, 192.168.122.0/24);
        # a host without it gets exactly that, which is what its documentation expects.
        return NetworkSpec(
            type="nat",
            name="default",
            bridge="virbr0",
            ipv4="192.168.122.1/24",
            dhcp4=("192.168.122.2", "192.168.122.254"),
        )
    custom = kind in ("custom-routed", "custom-nat")
    bridge = next(_names("virbr", 10 if custom else 1, taken))
    ipv4 = ""
    dhcp4: tuple[str, str] | None = None
    if choice.family in ("ipv4", "both"):
        routed = kind in ("routed", "custom-routed")
        if routed and situation.site == "dedicated":
            raise AnswersError(
                (
                    FieldError(
                        f"{field}.ipv4",
                        "",
                        "a routed network on a dedicated "
                        "server needs the block your provider routes to this host "
                        "(for example 203.0.113.88/29); set it in [[network]]",
                    ),
                )
            )
        ipv4 = free_private_subnet(facts, planned, start=50 if routed else 100)
        dhcp4 = default_range(ipv4)
    ipv6 = ""
    if choice.family in ("ipv6", "both"):
        ipv6 = sliced_ipv6(facts, situation.ipv6_prefix, planned, f"{field}.ipv6")
    return NetworkSpec(
        type=kind,
        name=bridge,
        bridge=bridge,
        ipv4=ipv4,
        dhcp4=dhcp4,
        ipv6=ipv6,
        ipv6_mode="slaac" if ipv6 else "none",
        bridge_mac=stable_mac(facts.hostname, bridge) if custom else "",
        public_ipv4=str(netaddr.IPNetwork(facts.ipv4).ip) if facts.ipv4 else "",
        # The wireless side's routed network: its LAN routes to it via the wireless link.
        uplink=facts.wireless_interface
        if choice.uplink == "wireless" and kind in ("routed", "custom-routed")
        else "",
    )


def default_range(cidr: str) -> tuple[str, str] | None:
    """Every address of the subnet but the host's own, the network and the broadcast.

    A range is one run of addresses: with the host's address inside the subnet rather
    than at an end, it is the longer run on either side of it (after it on a tie).
    """
    net = netaddr.IPNetwork(cidr)
    if net.cidr.size < 4:
        return None
    first, last = net.cidr[1], net.cidr[-2]
    if first <= net.ip <= last:
        below = int(net.ip) - int(first)
        above = int(last) - int(net.ip)
        if above >= below:
            first = netaddr.IPAddress(int(net.ip) + 1, net.version)
        else:
            last = netaddr.IPAddress(int(net.ip) - 1, net.version)
    if first > last:
        return None
    return (str(first), str(last))


def fill_in(spec: NetworkSpec, facts: HostFacts) -> NetworkSpec:
    """Fill the optional fields of a network the operator described."""
    changes: dict[str, object] = {}
    if not spec.bridge:
        changes["bridge"] = spec.name
    bridge = spec.bridge or spec.name
    if spec.type == "bridged" and not spec.uplink:
        changes["uplink"] = facts.uplink_interface
    if spec.is_custom and not spec.bridge_mac:
        changes["bridge_mac"] = stable_mac(facts.hostname, bridge)
    if spec.type == "custom-nat" and not spec.public_ipv4 and facts.ipv4:
        changes["public_ipv4"] = str(netaddr.IPNetwork(facts.ipv4).ip)
    if not spec.ipv6 and spec.ipv6_mode != "none":
        changes["ipv6_mode"] = "none"
    if spec.ipv6 and spec.ipv6_mode == "dhcpv6" and spec.dhcp6 is None:
        net = netaddr.IPNetwork(spec.ipv6).cidr
        changes["dhcp6"] = (str(net[0x1000]), str(net[0x1FFF]))
    return replace(spec, **changes) if changes else spec  # type: ignore[arg-type]


def complete(answers: Answers, recommendation: Recommendation) -> Answers:
    """Answers with every network spelled out: the operator's, or the recommended ones."""
    if answers.networks:
        specs = tuple(fill_in(s, answers.host) for s in answers.networks)
        return replace(answers, networks=specs)
    planned: list[NetworkSpec] = []
    for index, choice in enumerate(recommendation.networks):
        planned.append(fill_in(_new_spec(choice, answers, planned, index), answers.host))
    return replace(answers, networks=tuple(planned))
