"""The situation's numbers: public addresses, VMs and the size of the IPv6 block."""

from __future__ import annotations

from virtnet_tui.core.model import Situation
from virtnet_tui.core.validate.findings import Report

SITUATION_PUBLIC_IPV4_MAX = 1024
SITUATION_VMS_MAX = 4096


def check_situation(report: Report, situation: Situation) -> None:
    s = situation
    if not 0 <= s.public_ipv4 <= SITUATION_PUBLIC_IPV4_MAX:
        report.error(
            "situation.public_ipv4",
            s.public_ipv4,
            f"must be from 0 to {SITUATION_PUBLIC_IPV4_MAX} (addresses available for VMs)",
        )
    if not 1 <= s.vms <= SITUATION_VMS_MAX:
        report.error("situation.vms", s.vms, f"must be from 1 to {SITUATION_VMS_MAX}")
    if not 0 <= s.ipv6_prefix <= 128:
        report.error(
            "situation.ipv6_prefix",
            s.ipv6_prefix,
            "must be 0 (no IPv6) or a prefix length from 1 to 128",
        )
    elif s.ipv6_prefix > 64:
        report.warn(
            "situation.ipv6_prefix",
            s.ipv6_prefix,
            "is smaller than a /64, and each IPv6 VM subnet needs a whole /64; "
            "ask the provider for a /64 or larger block, or plan without IPv6 for VMs",
        )
