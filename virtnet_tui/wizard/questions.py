"""The questions and fields of the wizard, worded once for the TUI and the plain prompts.

No Textual here: ``virtnet-wizard --plain`` asks the same questions with questionary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from virtnet_tui.core.model import IPV6_MODES, PROTOS, Family, NetworkType

QuestionKind = Literal["choice", "number", "yesno", "text"]


@dataclass(frozen=True)
class Question:
    """One answer the wizard needs, with a one-line help and, where it matters, why."""

    key: str
    """The field of ``Situation`` (or of ``HostFacts`` for the host questions)."""
    label: str
    help: str
    kind: QuestionKind
    choices: tuple[tuple[str, str], ...] = ()
    """(value, label) for a choice; for yes/no the labels of "yes" and "no"."""
    why: str = ""
    """Why the answer matters, for questions whose effect is not obvious."""
    homelab: Question | None = None
    """The same question in a home lab's words, where a provider's would not fit."""

    def worded_for(self, site: str) -> Question:
        """The question as it reads for ``site`` ("dedicated" or "homelab")."""
        return self.homelab if site == "homelab" and self.homelab else self


#: Whether VMs may bind their own MACs, before the operator says: a provider usually
#: refuses them, a LAN of your own usually accepts them.
BRIDGING_DEFAULT = {"dedicated": "no", "homelab": "yes"}

SITUATION_QUESTIONS: tuple[Question, ...] = (
    Question(
        "site",
        "Where does this host run?",
        "A server rented from a hosting provider, or a machine on a LAN you run yourself.",
        "choice",
        (("dedicated", "dedicated server at a provider"), ("homelab", "home lab on my own LAN")),
    ),
    Question(
        "uplink",
        "How is the host connected?",
        "The link that carries its traffic to the outside: a cable, Wi-Fi, or both.",
        "choice",
        (("ethernet", "Ethernet"), ("wireless", "wireless"), ("both", "both")),
        why="Wi-Fi access points accept only the host's own MAC, so a wireless link "
        "cannot carry VMs on a bridge.",
    ),
    Question(
        "public_ipv4",
        "IPv4 addresses for VMs",
        "How many IPv4 addresses (public, or on your LAN) you can hand to VMs; 0 if none.",
        "number",
    ),
    Question(
        "vms",
        "VMs that need an address of their own",
        "How many VMs must be reachable at an address of their own.",
        "number",
    ),
    Question(
        "bridging_allowed",
        "Does the provider accept the VMs' own MACs?",
        "Most providers accept frames only from the server's own MAC address, unless you "
        "rent a private VLAN (or extra addresses with MACs of their own).",
        "yesno",
        (("yes", "yes, VM MACs may bind addresses"), ("no", "no, only the server's MAC")),
        why="A bridge puts every VM straight on the wire with its own MAC; most providers "
        "drop such frames, which leaves routing or NAT.",
        homelab=Question(
            "bridging_allowed",
            "Does your LAN accept the VMs' own MACs?",
            "A LAN of your own usually does; a switch port limited to one MAC (port "
            "security) or a Wi-Fi link does not.",
            "yesno",
            (("yes", "yes, VM MACs may bind addresses"), ("no", "no, only the host's MAC")),
            why="A bridge puts every VM straight on the LAN with its own MAC, as if it were "
            "a computer of its own; without that, routing or NAT is left.",
        ),
    ),
    Question(
        "ipv6_prefix",
        "IPv6 block size (prefix length)",
        "The length of the IPv6 block the host was given, such as 56 or 64; 0 for no IPv6.",
        "number",
        why="A /64 can only be shared on a bridge; a shorter block such as a /56 can be cut "
        "into /64s routed to VMs.",
    ),
    Question(
        "inbound",
        "Must others reach services on the VMs?",
        "Yes when VMs serve clients (web, SSH...); no when they only connect out.",
        "yesno",
        (("yes", "yes, VMs run services"), ("no", "no, they only connect out")),
        why="Reachable VMs need addresses of their own, or ports forwarded to them.",
    ),
    Question(
        "firewall",
        "Who manages the host's firewall?",
        "libvirt inserts its own iptables rules for NAT and routed networks; "
        "'manual' keeps every rule yours.",
        "choice",
        (("libvirt", "libvirt may add its rules"), ("manual", "I manage it myself")),
    ),
)

HOST_QUESTIONS: tuple[Question, ...] = (
    Question(
        "uplink_interface",
        "Uplink interface",
        "The Ethernet device that carries the host's traffic, such as eth0.",
        "text",
    ),
    Question(
        "wireless_interface",
        "Wireless interface",
        "The Wi-Fi device, if the host has one in use; empty otherwise.",
        "text",
    ),
    Question(
        "ipv4",
        "Uplink IPv4 address",
        "The host's address on the uplink with its prefix, such as 203.0.113.3/24.",
        "text",
    ),
    Question("gateway4", "IPv4 gateway", "The router the host sends IPv4 traffic to.", "text"),
    Question(
        "ipv6",
        "Uplink IPv6 address",
        "The host's global IPv6 address with its prefix; empty when it has none.",
        "text",
    ),
    Question(
        "gateway6",
        "IPv6 gateway",
        "The IPv6 router, often a link-local address such as fe80::1.",
        "text",
    ),
)

#: The host questions' heading, and what it says of them.
HOST_SECTION = ("The host's uplink", "found by the probe; correct it if it is wrong")

#: The address families a network may carry, as (label, value).
FAMILIES: tuple[tuple[str, Family], ...] = (
    ("IPv4", "ipv4"),
    ("IPv6", "ipv6"),
    ("IPv4 + IPv6", "both"),
)

NetworkFieldKind = Literal["text", "choice", "range"]


@dataclass(frozen=True)
class NetworkField:
    """One field of a network's Parameters form."""

    key: str
    """The text's key in ``NetworkForm.texts``; a range has two, ``<key>_start`` and
    ``<key>_end``. Findings name ``network[N].<key>``."""
    label: str
    help: str
    kind: NetworkFieldKind = "text"
    choices: tuple[str, ...] = ()


NETWORK_FIELDS: dict[str, NetworkField] = {
    field.key: field
    for field in (
        NetworkField(
            "name", "libvirt network name", "How virsh and the wizard's files call this network."
        ),
        NetworkField("bridge", "Bridge device", "The Linux bridge the VMs' interfaces join."),
        NetworkField(
            "uplink",
            "Enslaved Ethernet device",
            "The device the bridge takes over (its address moves).",
        ),
        NetworkField(
            "ipv4", "IPv4 subnet", "The host's address inside the VM subnet, with the prefix."
        ),
        NetworkField(
            "dhcp4", "DHCPv4 range", "Addresses handed to VMs; empty: none.", kind="range"
        ),
        NetworkField(
            "ipv6", "IPv6 subnet", "The host's IPv6 address in the VM /64; empty for no IPv6."
        ),
        NetworkField(
            "ipv6_mode",
            "IPv6 address assignment",
            "slaac: VMs pick addresses; dhcpv6: leases.",
            kind="choice",
            choices=IPV6_MODES,
        ),
        NetworkField("dhcp6", "DHCPv6 range", "Used with dhcpv6; empty: a default.", kind="range"),
        NetworkField(
            "bridge_mac",
            "Bridge MAC address",
            "Fixed so the bridge keeps one MAC across reboots.",
        ),
        NetworkField(
            "public_ipv4",
            "Public IPv4 for forwards",
            "The host address that forwarded ports listen on.",
        ),
    )
}


def network_fields(kind: NetworkType) -> tuple[NetworkField, ...]:
    """The fields a network of this type asks for, in the order they are asked."""
    if kind == "bridged":
        keys = ["name", "bridge", "uplink"]
    else:
        keys = ["name", "bridge", "ipv4", "dhcp4", "ipv6", "ipv6_mode", "dhcp6"]
        if kind in ("custom-routed", "custom-nat"):
            keys.append("bridge_mac")
        if kind == "custom-nat":
            keys.append("public_ipv4")
    return tuple(NETWORK_FIELDS[key] for key in keys)


def has_leases(kind: NetworkType) -> bool:
    """A network of this type can have fixed DHCP leases (a bridged one uses the LAN's DHCP)."""
    return kind != "bridged"


def has_forwards(kind: NetworkType) -> bool:
    """A network of this type can forward ports (the wizard writes the DNAT rules itself)."""
    return kind == "custom-nat"


@dataclass(frozen=True)
class RowField:
    """One field of a lease or a port forward: a text, or a pick among ``choices``."""

    key: str
    label: str
    choices: tuple[str, ...] = ()


LEASE_HELP = (
    "A MAC reserves an IPv4 address; a DUID (DHCPv6 client id) an IPv6 one. Give one of them."
)
LEASE_FIELDS = (
    RowField("mac", "MAC"),
    RowField("ip", "IP address"),
    RowField("name", "host name"),
    RowField("id", "DUID (IPv6)"),
)
FORWARD_FIELDS = (
    RowField("proto", "protocol", PROTOS),
    RowField("ports", "ports (80, 443)"),
    RowField("to", "to VM address"),
    RowField("to_port", "VM port (0: same)"),
)
