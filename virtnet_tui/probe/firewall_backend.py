"""Which firewall the host runs, and which one libvirt's own networks write their rules with."""

from __future__ import annotations

import re

from virtnet_tui.core.model import FirewallBackend, LibvirtFirewall
from virtnet_tui.core.versions import at_least
from virtnet_tui.hosts.base import CommandResult
from virtnet_tui.probe.files import SafeFiles
from virtnet_tui.probe.model import Firewalls

LIBVIRT_NETWORK_CONF = "/etc/libvirt/network.conf"
#: libvirt's nftables backend came with 10.4; from then on it is preferred when nft is there.
LIBVIRT_NFTABLES_SINCE = "10.4"
#: Where ``systemctl enable nftables`` links the unit (Debian: sysinit, Fedora: multi-user).
NFTABLES_ENABLED_LINKS = (
    "/etc/systemd/system/sysinit.target.wants/nftables.service",
    "/etc/systemd/system/multi-user.target.wants/nftables.service",
)
_SETTING = re.compile(r'^\s*firewall_backend\s*=\s*"([^"]*)"', re.MULTILINE)


def choose_firewall_backend(
    firewalls: Firewalls, iptables_installed: bool, nftables_enabled: bool
) -> FirewallBackend:
    """The backend the host's own firewall suggests for the wizard's rules.

    A running firewalld owns the rule set: anything else is lost on its reload and its
    zones drop forwarded traffic. A host that loads /etc/nftables.conf at boot (which
    begins with ``flush ruleset`` on Debian), or has nft and no iptables, runs nftables.
    Everyone else keeps the handbook's iptables.
    """
    if firewalls.firewalld_running:
        return "firewalld"
    if firewalls.nftables_installed and (nftables_enabled or not iptables_installed):
        return "nftables"
    return "iptables"


def libvirt_firewall_backend(
    network_conf: str | None, libvirt_version: str, nft_installed: bool
) -> LibvirtFirewall:
    """libvirt's choice: ``firewall_backend`` in network.conf, else what its version prefers.

    Before 10.4 libvirt only knows iptables; from 10.4 on it takes nftables when ``nft``
    is installed (the upstream and Fedora 41+ default), iptables otherwise. An unknown
    version (libvirt unreachable) counts as old: iptables, the handbook's case.
    """
    match = _SETTING.search(network_conf or "")
    if match and match[1] in ("iptables", "nftables"):
        return "nftables" if match[1] == "nftables" else "iptables"
    new = bool(libvirt_version) and at_least(libvirt_version, LIBVIRT_NFTABLES_SINCE)
    return "nftables" if new and nft_installed else "iptables"


def nftables_enabled(files: SafeFiles) -> bool:
    """nftables.service loads /etc/nftables.conf at boot."""
    return any(files.exists(link) for link in NFTABLES_ENABLED_LINKS)


def _words(done: CommandResult | None) -> list[str]:
    return done.stdout.split() if done is not None and done.ok else []


def firewalld_zones(
    zones: CommandResult | None, default: CommandResult | None, of_uplink: CommandResult | None
) -> tuple[str, tuple[str, ...]]:
    """The uplink's zone (its own, else the default zone, else ``public``) and every zone."""
    uplink = _words(of_uplink) or _words(default) or ["public"]
    return uplink[0], tuple(_words(zones))
