"""Renders /etc/radvd.conf for custom networks whose dnsmasq cannot send router advertisements."""

from __future__ import annotations

from collections.abc import Sequence

import netaddr

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.render.header import header

RADVD_CONF = "/etc/radvd.conf"


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"


def render_radvd_interface(spec: NetworkSpec) -> str:
    """One ``interface`` block advertising the network's /64 (or other) prefix."""
    prefix = netaddr.IPNetwork(spec.ipv6).cidr
    # SLAAC: hosts build their own addresses. DHCPv6 (normally dnsmasq's own job): the
    # managed flag sends them to the DHCPv6 server instead.
    managed = spec.ipv6_mode == "dhcpv6"
    return (
        f"interface {spec.bridge}\n"
        "{\n"
        "  AdvSendAdvert on;\n"
        f"  AdvManagedFlag {_on_off(managed)};\n"
        f"  AdvOtherConfigFlag {_on_off(managed)};\n"
        "\n"
        f"  prefix {prefix}\n"
        "  {\n"
        "    AdvOnLink on;\n"
        f"    AdvAutonomous {_on_off(not managed)};\n"
        "    AdvRouterAddr off;\n"
        "  };\n"
        "};\n"
    )


def render_radvd_conf(specs: Sequence[NetworkSpec]) -> str:
    """``/etc/radvd.conf`` with one interface block per network that has IPv6.

    Networks without IPv6, or with ``ipv6_mode = "none"``, are left out: nothing is
    advertised on their bridges.
    """
    blocks = [render_radvd_interface(s) for s in specs if s.ipv6 and s.ipv6_mode != "none"]
    return header(purpose="Router advertisements on the wizard's bridges.") + "".join(
        "\n" + block for block in blocks
    )
