"""The situation questions and host fields, worded once for the TUI and the plain prompts.

No Textual here: ``virtnet-wizard --plain`` asks the same questions with questionary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
        "May VMs use their own MAC addresses on the uplink?",
        "Whether the provider or LAN accepts frames from MACs other than the host's "
        "(or you rent a private VLAN).",
        "yesno",
        (("yes", "yes, VM MACs may bind addresses"), ("no", "no, only the host's MAC")),
        why="A bridge puts every VM straight on the wire with its own MAC; most providers "
        "drop such frames, which leaves routing or NAT.",
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
