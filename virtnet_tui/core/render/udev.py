"""Renders the udev rule that applies bridge.conf when the bridge netfilter module loads."""

from __future__ import annotations

import re

from virtnet_tui.core.render.header import header
from virtnet_tui.core.render.sysctl import BRIDGE_NF_PATH

UDEV_RULE_PATH = "/etc/udev/rules.d/99-bridge.rules"

#: From this kernel on, bridge netfilter lives in its own module, br_netfilter.
_BR_NETFILTER_SINCE = (3, 18)


def render_bridge_udev_rule(kernel: str) -> str:
    """``99-bridge.rules`` for ``kernel`` (a release string such as ``6.1.0-18-amd64``).

    The bridge-nf keys only exist once the module providing them is loaded, so a sysctl.d
    file read at boot may come too early; the rule reapplies it when the module appears.

    Raises:
        ValueError: ``kernel`` does not start with a major.minor version.
    """
    module = "br_netfilter" if _version(kernel) >= _BR_NETFILTER_SINCE else "bridge"
    rule = (
        f'ACTION=="add", SUBSYSTEM=="module", KERNEL=="{module}", '
        f'RUN+="/sbin/sysctl -p {BRIDGE_NF_PATH}"'
    )
    return header("#", f"Applies {BRIDGE_NF_PATH} when {module} is loaded.") + rule + "\n"


def _version(kernel: str) -> tuple[int, int]:
    match = re.match(r"\s*(\d+)\.(\d+)", kernel)
    if match is None:
        raise ValueError(f"not a kernel version: {kernel!r}")
    return int(match.group(1)), int(match.group(2))
