"""A bridged network: no addresses of its own, and an uplink that can join a bridge."""

from __future__ import annotations

from virtnet_tui.core.model import Answers, NetworkSpec
from virtnet_tui.core.netconfig import bridging_refusal
from virtnet_tui.core.validate.fields import check_ifname, is_multicast_mac, mac_syntax_problem
from virtnet_tui.core.validate.findings import Report

_NOT_HERE = (
    "a bridged network puts VMs straight on the LAN, where they take their "
    "addresses from the LAN or provider, not from the host; remove it"
)


def check_bridged(report: Report, p: str, spec: NetworkSpec, answers: Answers) -> None:
    """Check bridged network ``p`` (the prefix of its fields, ``network[0]``)."""
    h = answers.host
    for key, value in (
        ("ipv4", spec.ipv4),
        ("dhcp4", spec.dhcp4),
        ("ipv6", spec.ipv6),
        ("dhcp6", spec.dhcp6),
    ):
        if value:
            report.error(f"{p}.{key}", value, _NOT_HERE)
    if spec.dhcp_hosts:
        report.error(f"{p}.dhcp_host", None, _NOT_HERE)
    if spec.bridge_mac:
        report.error(
            f"{p}.bridge_mac",
            spec.bridge_mac,
            "a bridged network's bridge takes over the uplink's MAC (host.mac); remove it",
        )
    if answers.situation.uplink == "wireless":
        report.error(
            f"{p}.type",
            spec.type,
            "a wireless uplink cannot be bridged (situation.uplink is 'wireless'); "
            "use a routed or NAT network",
        )
    refusal = bridging_refusal(h)
    if refusal:
        report.error(
            "host.netconfig",
            h.netconfig,
            f"a bridged network ({p}) rewrites the uplink's configuration, and {refusal}; "
            "set host.netconfig to the stack that configures it, or choose another type",
        )
    uplink = spec.uplink or h.uplink_interface
    if spec.uplink:
        report.add(check_ifname(f"{p}.uplink", spec.uplink))
    if not uplink:
        report.error(
            "host.uplink_interface",
            h.uplink_interface,
            f"a bridged network ({p}) needs the Ethernet device to enslave",
        )
    elif h.wireless_interface and uplink == h.wireless_interface:
        field = f"{p}.uplink" if spec.uplink else "host.uplink_interface"
        report.error(field, uplink, "is the wireless interface, which cannot join a bridge")
    if not h.mac:
        report.error(
            "host.mac",
            h.mac,
            f"a bridged network ({p}) needs the uplink's MAC address: the bridge keeps it",
        )
    elif not mac_syntax_problem(h.mac) and is_multicast_mac(h.mac):
        # The MAC is read from the card, so an odd first byte is most likely a
        # typo; only a bridge that takes it over is refused by the kernel. Once
        # is enough however many bridged networks share the uplink.
        report.warn_once(
            "host.mac",
            h.mac,
            "has the multicast bit set (odd first byte), which Linux refuses on the "
            "bridge that takes it over; check that it is the uplink's address",
        )
    if not h.ipv4:
        report.error(
            "host.ipv4",
            h.ipv4,
            f"a bridged network ({p}) moves the uplink's address onto the bridge; "
            "give it with its prefix",
        )
