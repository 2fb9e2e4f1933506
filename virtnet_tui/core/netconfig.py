"""Which network stack the recipes write for: the one that owns the uplink, else the distro's."""

from __future__ import annotations

from virtnet_tui.core.model import DEBIAN_FAMILY, HostFacts, NetConfig

#: Stacks whose bridge configuration the recipes cannot write yet, and why.
NOT_RENDERED: dict[NetConfig, str] = {
    "networkmanager": "the wizard cannot yet write NetworkManager's own (keyfile) profiles; "
    "files for another stack would be ignored, or cut the host off",
}


def stack(facts: HostFacts) -> NetConfig:
    """The stack that configures the host's links.

    What the answers or the probe name wins; without it, the stack the distribution
    installs by default (ifupdown on Debian, netplan on Ubuntu, ifcfg files on RHEL and
    Fedora), which is what every answers file written before the key existed meant.
    """
    if facts.netconfig:
        return facts.netconfig
    if facts.distro == "ubuntu":
        return "netplan"
    return "ifupdown" if facts.distro in DEBIAN_FAMILY else "ifcfg"


def bridging_refusal(facts: HostFacts) -> str:
    """Why a bridged network cannot be written for this host ("" when it can)."""
    if facts.netconfig_problem and not facts.netconfig:
        return f"the stack that configures the uplink is unclear: {facts.netconfig_problem}"
    return NOT_RENDERED.get(stack(facts), "")


def bridge_refusal(facts: HostFacts) -> str:
    """Why a new (VM-only) bridge cannot be written for this host ("" when it can)."""
    return NOT_RENDERED.get(stack(facts), "")
