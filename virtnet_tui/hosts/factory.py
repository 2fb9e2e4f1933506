"""The host the command-line flags select."""

from __future__ import annotations

from virtnet_tui.hosts.base import Host
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import SandboxHost


def make_host(root: str | None, netns: str | None) -> Host:
    """The host that ``--root`` and ``--netns`` select (docs/contract.md: where a command acts)."""
    if netns:
        return NetnsHost(netns, root or "/")
    if root:
        return SandboxHost(root)
    return RealHost()
