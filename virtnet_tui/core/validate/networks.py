"""One network: its name and bridge, then what its type needs (subnets, bridge MAC, uplink)."""

from __future__ import annotations

from virtnet_tui.core.model import Answers, NetworkSpec
from virtnet_tui.core.netconfig import bridge_refusal
from virtnet_tui.core.validate.bridged import check_bridged
from virtnet_tui.core.validate.fields import check_address, check_bridge, check_mac, check_name
from virtnet_tui.core.validate.findings import Report
from virtnet_tui.core.validate.subnets import Subnets, check_subnets

#: MAC prefixes that libvirt hands out (KVM, Xen): clearly a virtual interface's.
VIRTUAL_MAC_PREFIXES = ("52:54:00", "00:16:3e")


def check_network(report: Report, index: int, spec: NetworkSpec, answers: Answers) -> Subnets:
    """Check ``network[index]``; its subnets that passed, for the checks that follow."""
    p = f"network[{index}]"
    h = answers.host
    report.add(check_name(f"{p}.name", spec.name))
    if report.add(
        check_bridge(
            f"{p}.bridge",
            spec.bridge,
            network_type=spec.type,
            dummy_supported=h.dummy_supported,
        )
    ):
        for label, used in (
            ("host.uplink_interface", h.uplink_interface),
            ("host.wireless_interface", h.wireless_interface),
        ):
            if used and spec.bridge == used:
                report.error(
                    f"{p}.bridge",
                    spec.bridge,
                    f"is the host's uplink ({label}); the bridge needs a name of its own",
                )
    if spec.name in h.used_networks:
        report.error(
            f"{p}.name",
            spec.name,
            "a libvirt network with this name already exists (host.used_networks)",
        )
    if spec.bridge in h.used_bridges:
        report.error(
            f"{p}.bridge",
            spec.bridge,
            "a link with this name already exists on the host (host.used_bridges)",
        )
    if spec.type == "bridged":
        check_bridged(report, p, spec, answers)
        return Subnets(None, None)
    return _routed_or_nat(report, p, spec, answers)


def _routed_or_nat(report: Report, p: str, spec: NetworkSpec, answers: Answers) -> Subnets:
    routed = spec.type in ("routed", "custom-routed")
    sides = {answers.host.uplink_interface, answers.host.wireless_interface} - {""}
    if spec.uplink and not routed:
        report.warn(
            f"{p}.uplink", spec.uplink, "is ignored: only bridged and routed networks use it"
        )
    elif spec.uplink and spec.uplink not in sides:
        # A routed network's uplink names the LAN whose router learns the route to it.
        report.error(
            f"{p}.uplink",
            spec.uplink,
            "must be host.uplink_interface or host.wireless_interface: the LAN whose "
            "router is to route the subnet to this host",
        )
    if spec.is_libvirt and answers.situation.firewall == "manual":
        report.warn(
            f"{p}.type",
            spec.type,
            "libvirt inserts its own iptables rules for this type, yet "
            "situation.firewall is 'manual'; custom-routed or custom-nat leave "
            "the firewall to you",
        )
    refusal = bridge_refusal(answers.host) if spec.is_custom else ""
    if refusal:
        report.error(
            f"{p}.type",
            spec.type,
            f"a custom network's bridge is configured by the host's network stack, and "
            f"{refusal}; a libvirt routed or nat network needs no host configuration",
        )
    subnets = check_subnets(report, p, spec, answers)
    mac_ok = spec.bridge_mac and report.add(check_mac(f"{p}.bridge_mac", spec.bridge_mac))
    if mac_ok and not spec.bridge_mac.lower().startswith(VIRTUAL_MAC_PREFIXES):
        report.warn(
            f"{p}.bridge_mac",
            spec.bridge_mac,
            "does not start with 52:54:00 (KVM) or 00:16:3e (Xen), the prefixes "
            "that mark a virtual interface's address",
        )
    if spec.public_ipv4:
        report.add(check_address(f"{p}.public_ipv4", spec.public_ipv4, version=4))
    return subnets
