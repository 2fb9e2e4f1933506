"""What the probe offers the answers: a suggested situation, merged facts, another uplink."""

from __future__ import annotations

from dataclasses import replace

from virtnet_tui.core.model import Answers, HostFacts
from virtnet_tui.probe.facts import UplinkFacts, behind_nat, uplink_facts
from virtnet_tui.probe.model import ProbeResult


def with_uplink(facts: HostFacts, up: UplinkFacts) -> HostFacts:
    """``facts`` with the uplink fields of ``up``."""
    return replace(
        facts,
        uplink_interface=up.uplink_interface,
        wireless_interface=up.wireless_interface,
        mac=up.mac,
        ipv4=up.ipv4,
        gateway4=up.gateway4,
        ipv6=up.ipv6,
        gateway6=up.gateway6,
        wireless_ipv4=up.wireless_ipv4,
    )


def facts_for_uplink(result: ProbeResult, uplink: str) -> HostFacts:
    """The probed facts with ``uplink`` (an interface the operator picked) as the uplink."""
    wireless = result.facts.wireless_interface
    up = uplink_facts(
        result.interfaces, result.default_routes, uplink, "" if wireless == uplink else wireless
    )
    return with_uplink(result.facts, up)


def suggest_situation(result: ProbeResult) -> dict[str, object]:
    """Situation answers the probe can vouch for, keyed by ``Situation`` field name.

    Only what the machine shows: the kind of uplink, the IPv6 prefix on it, and a home
    lab when the uplink address is a private LAN address. The rest is for the operator.
    """
    out: dict[str, object] = {}
    facts = result.facts
    uplink = result.interface(facts.uplink_interface)
    if uplink is None:
        return out
    wired = uplink.kind != "wireless"
    if facts.wireless_interface and wired:
        out["uplink"] = "both"
    else:
        out["uplink"] = "ethernet" if wired else "wireless"
    out["ipv6_prefix"] = result.ipv6_prefix
    if facts.ipv4:
        out["site"] = "homelab" if behind_nat(facts.ipv4) or not wired else "dedicated"
    return out


def merge_facts(probed: HostFacts, answers: Answers) -> Answers:
    """The answers with their host facts completed from the probe.

    A ``[host]`` key the answers file set (listed in ``answers.host_given``) wins; every
    other field, and the probe-only ``files``, comes from the probe.
    """
    from virtnet_tui.core.answers import HOST_KEYS

    given = {name: getattr(answers.host, name) for name in answers.host_given}
    if "netconfig" in given:
        # The operator named the stack: what the probe found unclear no longer matters.
        given["netconfig_problem"] = ""
    return replace(
        answers,
        host=replace(probed, **given),
        host_probed=tuple(key for key in HOST_KEYS if key not in given),
    )
