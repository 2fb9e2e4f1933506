"""Which network stack the recipes write for: the one that owns the uplink, else the distro's."""

from __future__ import annotations

from virtnet_tui.core.model import DEBIAN_FAMILY, HostFacts, NetConfig

#: The first releases whose NetworkManager no longer reads ifcfg files (the ifcfg-rh
#: plugin is gone): RHEL 10 (and Alma, Rocky 10) and Fedora 41.
IFCFG_GONE = {"rhel": 10, "fedora": 41}
#: RHEL 9 still reads them, deprecated.
IFCFG_DEPRECATED = {"rhel": 9}


def _major(facts: HostFacts) -> int | None:
    head = facts.distro_version.split(".")[0]
    return int(head) if head.isdigit() else None


def ifcfg_read(facts: HostFacts) -> bool:
    """Whether this release's NetworkManager still reads ifcfg files (unknown release: yes)."""
    major, gone = _major(facts), IFCFG_GONE.get(facts.distro)
    return major is None or gone is None or major < gone


def ifcfg_warning(facts: HostFacts) -> str:
    """The warning that goes with ifcfg files on a release that deprecates them ("" if none)."""
    if _major(facts) != IFCFG_DEPRECATED.get(facts.distro):
        return ""
    return (
        "ifcfg files are deprecated on RHEL 9: its NetworkManager still reads them, RHEL 10's "
        "does not; `nmcli connection migrate` turns them into keyfiles before an upgrade"
    )


def stack(facts: HostFacts) -> NetConfig:
    """The stack that configures the host's links.

    What the answers or the probe name wins; without it, the stack the distribution
    installs by default (ifupdown on Debian, netplan on Ubuntu, ifcfg files on RHEL and
    Fedora, NetworkManager's keyfiles where ifcfg is no longer read), which is what every
    answers file written before the key existed meant.
    """
    if facts.netconfig:
        return facts.netconfig
    if facts.distro == "ubuntu":
        return "netplan"
    if facts.distro in DEBIAN_FAMILY:
        return "ifupdown"
    return "ifcfg" if ifcfg_read(facts) else "networkmanager"


def _not_rendered(facts: HostFacts) -> str:
    if stack(facts) == "ifcfg" and not ifcfg_read(facts):
        return (
            f"NetworkManager on {facts.distro} {facts.distro_version} no longer reads ifcfg "
            "files (host.netconfig is 'ifcfg'); its profiles are keyfiles: 'networkmanager'"
        )
    return ""


def bridging_refusal(facts: HostFacts) -> str:
    """Why a bridged network cannot be written for this host ("" when it can)."""
    if facts.netconfig_problem and not facts.netconfig:
        return f"the stack that configures the uplink is unclear: {facts.netconfig_problem}"
    return _not_rendered(facts)


def bridge_refusal(facts: HostFacts) -> str:
    """Why a new (VM-only) bridge cannot be written for this host ("" when it can)."""
    return _not_rendered(facts)
