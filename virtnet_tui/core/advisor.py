"""The decision guide: which libvirt network types suit a situation, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from virtnet_tui.core.model import NETWORK_TYPES, Family, NetworkType, Situation

SECTION_CHOOSE = "How to choose a network type"
SECTION_BRIDGED = "Bridged network"
SECTION_ROUTED = "Routed network"
SECTION_NAT = "NAT-based network"
SECTION_CUSTOM_ROUTED = "Custom routed network"
SECTION_CUSTOM_NAT = "Custom NAT-based network"
SECTION_EXAMPLE_1 = "Multiple networks, Example 1"
SECTION_EXAMPLE_2 = "Multiple networks, Example 2"
SECTION_EXAMPLE_3 = "Multiple networks, Example 3"

#: The handbook section that explains how to build each network type.
SECTIONS: dict[NetworkType, str] = {
    "bridged": SECTION_BRIDGED,
    "routed": SECTION_ROUTED,
    "nat": SECTION_NAT,
    "custom-routed": SECTION_CUSTOM_ROUTED,
    "custom-nat": SECTION_CUSTOM_NAT,
}

UplinkSide = Literal["ethernet", "wireless", ""]
PlainType = Literal["bridged", "routed", "nat"]
CustomCause = Literal["", "manual", "forwarding"]
Ipv6Use = Literal["none", "shared", "sliceable"]
"""``shared``: a single /64, which a bridge can share but routing cannot split."""

_PLAIN: dict[NetworkType, PlainType] = {
    "bridged": "bridged",
    "routed": "routed",
    "nat": "nat",
    "custom-routed": "routed",
    "custom-nat": "nat",
}
_CUSTOM: dict[PlainType, NetworkType] = {"routed": "custom-routed", "nat": "custom-nat"}


@dataclass(frozen=True)
class NetworkChoice:
    """One network to create, the address family it carries and why."""

    type: NetworkType
    family: Family
    why: str
    section: str
    uplink: UplinkSide = ""
    """On a host with two uplinks: which side's clients this network serves."""


@dataclass(frozen=True)
class Alternative:
    """A network type that was not chosen, and what ruled it out."""

    type: NetworkType
    why_not: str
    section: str


@dataclass(frozen=True)
class Recommendation:
    """The advisor's answer: networks to create, the reasoning and the runners-up."""

    networks: tuple[NetworkChoice, ...]
    """First is the primary network; never empty."""
    reasons: tuple[str, ...]
    """The rules that led here, in the order they were applied."""
    alternatives: tuple[Alternative, ...]
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``recommend --json`` document."""
        return {
            "networks": [
                {
                    "type": n.type,
                    "family": n.family,
                    "why": n.why,
                    "section": n.section,
                    "uplink": n.uplink,
                }
                for n in self.networks
            ],
            "reasons": list(self.reasons),
            "alternatives": [
                {"type": a.type, "why_not": a.why_not, "section": a.section}
                for a in self.alternatives
            ],
            "warnings": list(self.warnings),
        }


@dataclass
class _Pick:
    """A network being decided on; its explanation is written once the rules are done."""

    kind: PlainType
    family: Family
    section: str
    uplink: UplinkSide = ""
    ipv6_only: bool = False
    custom: CustomCause = ""

    @property
    def type(self) -> NetworkType:
        return _CUSTOM[self.kind] if self.custom and self.kind != "bridged" else self.kind


@dataclass
class _Draft:
    """What the rules know so far and what they have decided."""

    situation: Situation
    vms: int
    ipv4: int
    ipv6: Ipv6Use = "none"
    can_bridge: bool = False
    picks: list[_Pick] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ipv4_enough(self) -> bool:
        return self.ipv4 >= self.vms

    @property
    def homelab(self) -> bool:
        return self.situation.site == "homelab"

    @property
    def types(self) -> set[NetworkType]:
        return {p.type for p in self.picks}

    @property
    def kinds(self) -> set[PlainType]:
        return {p.kind for p in self.picks}


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


# --- facts about the host ---------------------------------------------------------------


def _weigh_ipv6_block(d: _Draft) -> None:
    prefix = d.situation.ipv6_prefix
    if prefix <= 0:
        d.reasons.append("The host has no IPv6 block, so the VMs get IPv4 only.")
    elif prefix > 64:
        d.reasons.append(
            f"The IPv6 block is a /{prefix}, too small for a VM subnet; IPv6 is left out."
        )
        d.warnings.append(
            f"/64 is the smallest block a VM subnet should use: a /{prefix} breaks SLAAC and "
            "other IPv6 features. Ask the provider for a /64 (or a /56 to route) and run again."
        )
    elif prefix == 64:
        d.ipv6 = "shared"
        d.reasons.append(
            "The host has a single /64: a bridge can share it with the VMs, but it cannot be "
            "split to route a /64 of their own."
        )
    else:
        d.ipv6 = "sliceable"
        spare = 2 ** (64 - prefix)
        count = f"{spare:,}" if spare <= 65536 else "plenty of"
        d.reasons.append(
            f"The /{prefix} IPv6 block holds {count} /64 subnets, so one can be set aside for "
            "the VMs."
        )


def _weigh_ipv4_supply(d: _Draft) -> None:
    if d.homelab:
        # The guide limits bridging by the address count on dedicated servers only: on a
        # LAN of your own the VMs take LAN addresses (its DHCP server), or a private subnet.
        d.reasons.append(
            "In a home lab the VMs take their IPv4 addresses from the LAN or from a private "
            "subnet, so no count of spare addresses limits the choice."
        )
        return
    where = "spare"
    vms = _count(d.vms, "VM", "VMs")
    if d.ipv4 == 0:
        d.reasons.append(f"No IPv4 address {where} for the VMs: none can have one of its own.")
    elif d.ipv4_enough:
        have = _count(d.ipv4, "IPv4 address", "IPv4 addresses")
        d.reasons.append(f"{have} {where} for {vms}: enough for one each.")
    else:
        have = _count(d.ipv4, "IPv4 address", "IPv4 addresses")
        d.reasons.append(f"Only {have} {where} for {vms}: too few for one each.")


def _check_bridging(d: _Draft) -> None:
    s = d.situation
    if s.uplink == "wireless":
        d.reasons.append("A wireless uplink cannot be shared through a bridge.")
    elif not s.bridging_allowed:
        where = "LAN" if d.homelab else "provider"
        d.reasons.append(
            f"The {where} only accepts the host's own MAC address, so VMs cannot bind "
            "addresses through a bridge."
        )
    else:
        d.can_bridge = True
        d.reasons.append(
            "The Ethernet uplink may carry the VMs' own MAC addresses: bridging works."
        )


# --- the network that carries IPv4 -----------------------------------------------------


def _nat_for_outbound_homelab(d: _Draft) -> bool:
    if not d.homelab or d.situation.inbound:
        return False
    d.picks.append(_Pick("nat", "ipv4", SECTION_NAT))
    d.reasons.append(
        "In a home lab whose VMs only connect out, NAT behind the host's address is all they need."
    )
    return True


def _one_network_per_uplink(d: _Draft) -> bool:
    if not (d.homelab and d.situation.uplink == "both"):
        return False
    wired: PlainType = "bridged" if d.can_bridge else "routed"
    d.picks.append(_Pick(wired, "ipv4", SECTION_EXAMPLE_3, uplink="ethernet"))
    d.picks.append(_Pick("routed", "ipv4", SECTION_EXAMPLE_3, uplink="wireless"))
    d.reasons.append(
        f"Clients on both uplinks must reach the VMs: a {wired} network serves the Ethernet side "
        "and a routed network serves the wireless side, which cannot be bridged."
    )
    return True


def _bridge_ipv4(d: _Draft) -> bool:
    # On a dedicated server each bridged VM needs one of the provider's addresses.
    if not (d.can_bridge and (d.homelab or d.ipv4_enough)):
        return False
    side: UplinkSide = "ethernet" if d.situation.uplink == "both" else ""
    d.picks.append(_Pick("bridged", "ipv4", SECTION_BRIDGED, uplink=side))
    d.reasons.append(
        "Every VM can bind an IPv4 address of its own on a bridge, the fastest and simplest setup."
    )
    return True


def _route_ipv4(d: _Draft) -> bool:
    # In a home lab the routed subnet is private and chosen freely; on a dedicated server
    # each VM still needs one of the provider's addresses.
    if not (d.homelab or d.ipv4_enough):
        return False
    d.picks.append(_Pick("routed", "ipv4", SECTION_ROUTED))
    if d.homelab:
        d.reasons.append(
            "The VMs serve the LAN but cannot be bridged onto it: a private subnet routed to the "
            "host lets LAN clients reach them."
        )
    else:
        d.reasons.append(
            "Bridging is out but there is an IPv4 address for every VM: route a subnet of them "
            "to the host."
        )
    return True


def _nat_for_scarce_ipv4(d: _Draft) -> bool:
    d.picks.append(_Pick("nat", "ipv4", SECTION_NAT))
    d.reasons.append("IPv4 is too scarce to give each VM an address: the VMs share the host's.")
    return True


def _pick_ipv4_network(d: _Draft) -> None:
    pickers = (
        _nat_for_outbound_homelab,
        _one_network_per_uplink,
        _bridge_ipv4,
        _route_ipv4,
        _nat_for_scarce_ipv4,
    )
    for picker in pickers:
        if picker(d):
            return


# --- the network that carries IPv6 -----------------------------------------------------


def _add_ipv6_network(d: _Draft, kind: PlainType) -> None:
    """Put IPv6 on a network of its own, listed first as in the handbook's examples."""
    ipv4 = d.picks[0]
    side: UplinkSide = "ethernet" if kind == "bridged" and d.situation.uplink == "both" else ""
    section = SECTIONS[kind]
    if ipv4.kind == "nat":
        section = SECTION_EXAMPLE_2 if kind == "bridged" else SECTION_EXAMPLE_1
        ipv4.section = section
    d.picks.insert(0, _Pick(kind, "ipv6", section, uplink=side, ipv6_only=True))


def _pick_ipv6_network(d: _Draft) -> None:
    if d.ipv6 == "none":
        return
    prefix = d.situation.ipv6_prefix
    main = d.picks[0]
    if main.kind == "bridged":
        main.family = "both"
        d.reasons.append(f"The bridge carries IPv6 too: VMs bind addresses from the /{prefix}.")
    elif main.kind == "routed" and d.ipv6 == "sliceable":
        main.family = "both"
        d.reasons.append(
            f"A /64 from the /{prefix} is routed to the same network, for both families."
        )
    elif d.can_bridge:
        _add_ipv6_network(d, "bridged")
        d.reasons.append(
            "IPv6 addresses are plentiful, so a separate bridged network lets every VM bind one "
            "even though IPv4 is shared."
        )
    elif d.ipv6 == "sliceable":
        _add_ipv6_network(d, "routed")
        d.reasons.append(
            f"IPv6 is never NATed: a separate routed network gives each VM an address from a /64 "
            f"of the /{prefix}."
        )
    else:
        d.reasons.append("IPv6 would need a routed /64 of its own, which a single /64 cannot give.")
        d.warnings.append(
            "Routing IPv6 to the VMs needs a /64 set apart from the host's own, so the host's "
            "single /64 cannot be used. Ask the provider for a /56 (most give one on request) "
            "and run again."
        )


# --- adjustments -----------------------------------------------------------------------


def _forward_ports_with_custom_nat(d: _Draft) -> None:
    if not (d.situation.inbound and "nat" in d.kinds):
        return
    for pick in d.picks:
        if pick.kind == "nat" and not pick.custom:
            pick.custom = "forwarding"
    d.reasons.append(
        "The VMs serve clients over a shared IPv4 address, so ports must be forwarded: a custom "
        "NAT network does that with iptables rules you own instead of libvirt's fragile hook."
    )
    d.warnings.append(
        "A port on the host forwards to one VM only; if several VMs need the same port "
        "(80/443), forward it to a reverse proxy that spreads the connections."
    )


def _keep_libvirt_out_of_firewall(d: _Draft) -> None:
    if d.situation.firewall != "manual":
        return
    for pick in d.picks:
        if pick.kind != "bridged":
            pick.custom = "manual"
    d.reasons.append(
        "The firewall is managed by hand, so libvirt must not insert iptables rules: routed and "
        "NAT networks become their custom variants, while a bridge adds no rules at all."
    )


def _require_static_routes(d: _Draft) -> None:
    if "routed" not in d.kinds:
        return
    who = (
        "configure the LAN router (consumer firmware may not support static routes)"
        if d.homelab
        else "ask the hosting provider to add it"
    )
    d.warnings.append(
        f"A routed subnet is reachable only once the upstream router has a static route to it "
        f"through the host: {who}."
    )


Rule = Callable[[_Draft], None]

#: The rules in the order they are applied; each records why it changed the draft.
RULES: tuple[Rule, ...] = (
    _weigh_ipv6_block,
    _weigh_ipv4_supply,
    _check_bridging,
    _pick_ipv4_network,
    _pick_ipv6_network,
    _forward_ports_with_custom_nat,
    _keep_libvirt_out_of_firewall,
    _require_static_routes,
)


# --- explanations ----------------------------------------------------------------------


def _explain(pick: _Pick, d: _Draft) -> str:
    prefix = d.situation.ipv6_prefix
    if pick.kind == "bridged":
        if pick.ipv6_only:
            why = f"Each VM binds its own IPv6 address from the /{prefix} directly on the bridge."
        else:
            own = "IPv4 and IPv6 addresses" if pick.family == "both" else "IPv4 address"
            why = f"VMs join the LAN through a bridge and bind their own {own}, like real machines."
    elif pick.kind == "routed":
        if pick.ipv6_only:
            why = "Each VM gets its own IPv6 address from a /64 routed to the host, without NAT."
        elif pick.uplink == "wireless":
            why = (
                "Clients on the wireless network reach the VMs through a subnet routed to the host."
            )
        else:
            why = (
                "VMs keep addresses of their own in a subnet routed to the host, without a bridge."
            )
    elif d.homelab and not d.situation.inbound:
        why = "VMs reach out through the host's address; nothing needs to connect to them."
    else:
        why = "VMs share the host's IPv4 address, as there are too few to give each one its own."
    if pick.custom == "manual":
        why += " Built from your own bridge, iptables rules and dnsmasq, so libvirt stays out."
    elif pick.custom == "forwarding":
        why += " Built by hand so port forwards are plain iptables rules rather than a hook."
    return why


def _bridging_lost(d: _Draft) -> str:
    s = d.situation
    if s.uplink == "wireless":
        return "The uplink is wireless, and a wireless link cannot be bridged."
    if not s.bridging_allowed:
        if d.homelab:
            return "The LAN accepts only the host's MAC on this port (switch port security)."
        return "Only the host's MAC may bind addresses here; a rented private VLAN would lift that."
    if d.homelab and not s.inbound:
        return "VMs only connect out, so giving each one a LAN address is not needed."
    if d.ipv6 == "none":
        return f"Needs one IPv4 address per VM ({d.ipv4} for {d.vms}) and there is no usable IPv6."
    return f"Needs one IPv4 address per VM: {d.ipv4} for {d.vms}."


def _routing_lost(d: _Draft) -> str:
    s = d.situation
    if "bridged" in d.kinds:
        if not (d.homelab or d.ipv4_enough):
            return (
                f"Too few IPv4 addresses to route one per VM ({d.ipv4} for {d.vms}), and IPv6 "
                "is bridged, which is faster and needs no static routes."
            )
        return "A bridge is possible, and it is faster and needs no static routes."
    if d.homelab and not s.inbound:
        return "Routing is for VMs that others must reach; these only connect out."
    if d.ipv6 == "shared":
        return (
            f"Needs one IPv4 address per VM ({d.ipv4} for {d.vms}) and a /64 set apart from the "
            "host's single /64."
        )
    return f"On a dedicated server it needs one IPv4 address per VM: {d.ipv4} for {d.vms}."


def _nat_lost(d: _Draft) -> str:
    if d.homelab:
        return (
            "NAT hides the VMs from the LAN; clients could reach them only through forwarded ports."
        )
    return "There are enough addresses for the VMs to have their own; NAT would hide them."


def _why_not(kind: NetworkType, d: _Draft) -> str:
    chosen = d.types
    s = d.situation
    if kind == "bridged":
        return _bridging_lost(d)
    if kind in ("routed", "nat"):
        if _CUSTOM[_PLAIN[kind]] in chosen:
            if s.firewall == "manual":
                return "libvirt would insert its own iptables rules, and you manage the firewall."
            return (
                "libvirt forwards ports only through a fragile hook script, where a custom "
                "network's forwards are ordinary iptables rules."
            )
        return _routing_lost(d) if kind == "routed" else _nat_lost(d)
    plain = _PLAIN[kind]
    if plain in chosen:
        return (
            "The same network with your own bridge, iptables rules and dnsmasq: more to maintain, "
            "and only worth it to keep libvirt out of the firewall."
        )
    return _routing_lost(d) if plain == "routed" else _nat_lost(d)


def recommend(situation: Situation) -> Recommendation:
    """Follow the handbook's decision guide for ``situation``.

    Returns:
        The networks to create (the first is the primary), the rules that chose them, the
        other network types with what ruled them out, and any warnings.
    """
    draft = _Draft(
        situation=situation,
        vms=max(1, situation.vms),
        ipv4=max(0, situation.public_ipv4),
    )
    for rule in RULES:
        rule(draft)
    networks = tuple(
        NetworkChoice(
            type=p.type,
            family=p.family,
            why=_explain(p, draft),
            section=p.section if p.section != SECTIONS[p.kind] else SECTIONS[p.type],
            uplink=p.uplink,
        )
        for p in draft.picks
    )
    chosen = draft.types
    alternatives = tuple(
        Alternative(type=t, why_not=_why_not(t, draft), section=SECTIONS[t])
        for t in NETWORK_TYPES
        if t not in chosen
    )
    return Recommendation(
        networks=networks,
        reasons=tuple(draft.reasons),
        alternatives=alternatives,
        warnings=tuple(draft.warnings),
    )
