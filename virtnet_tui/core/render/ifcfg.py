"""Renders RHEL/Fedora ifcfg files for a bridged uplink and for custom virtual bridges."""

from __future__ import annotations

import re
from collections.abc import Sequence

from netaddr import IPAddress, IPNetwork

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.header import header

Entry = tuple[str, str]

# Values made only of these characters mean the same to a shell with or without quotes.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:/%@+,=-]*")
_LINK_LOCAL = IPNetwork("fe80::/10")


def render_ifcfg_uplink(spec: NetworkSpec, facts: HostFacts) -> str:
    """``ifcfg-<uplink>`` for a bridged network: the Ethernet device becomes a bridge port."""
    uplink = spec.uplink or facts.uplink_interface
    entries: list[Entry] = [("DEVICE", uplink), ("NAME", uplink)]
    if facts.mac:
        # Pins the file to the card, so a renamed device does not join the bridge by accident.
        entries.append(("HWADDR", facts.mac))
    entries += [
        ("NM_CONTROLLED", _yes_no(facts.network_manager)),
        ("ONBOOT", "yes"),
        ("TYPE", "Ethernet"),
        ("BRIDGE", spec.bridge),
    ]
    purpose = f"{uplink} carries no address; it is a port of {spec.bridge}."
    return _render(purpose, [entries])


def _bridge_device(spec: NetworkSpec, facts: HostFacts) -> list[Entry]:
    """The entries every bridge's ifcfg file starts with."""
    return [
        ("DEVICE", spec.bridge),
        ("NAME", spec.bridge),
        ("NM_CONTROLLED", _yes_no(facts.network_manager)),
        ("ONBOOT", "yes"),
        ("TYPE", "Bridge"),
    ]


def render_ifcfg_bridge(spec: NetworkSpec, facts: HostFacts) -> str:
    """``ifcfg-<bridge>`` for a bridged network: the bridge takes over the uplink's addresses."""
    device: list[Entry] = [
        *_bridge_device(spec, facts),
        # The bridge sits on the provider's LAN, where spanning tree frames may be unwelcome;
        # without STP no forwarding delay is needed.
        ("STP", "off"),
        ("DELAY", "0"),
    ]
    if facts.ipv4:
        net = IPNetwork(facts.ipv4)
        ipv4: list[Entry] = [
            ("BOOTPROTO", "none"),
            ("IPADDR", str(net.ip)),
            ("NETMASK", str(net.netmask)),
        ]
        if facts.gateway4:
            ipv4.append(("GATEWAY", facts.gateway4))
    else:
        ipv4 = [("BOOTPROTO", "dhcp")]
    if facts.ipv6:
        ipv6: list[Entry] = [
            ("IPV6INIT", "yes"),
            ("IPV6_AUTOCONF", "no"),
            ("IPV6ADDR", str(IPNetwork(facts.ipv6))),
        ]
        if facts.gateway6:
            ipv6.append(("IPV6_DEFAULTGW", _ipv6_gateway(facts.gateway6, spec.bridge)))
    else:
        ipv6 = [("IPV6INIT", "no")]
    purpose = f"Bridge {spec.bridge}: the host's own address, shared with VMs on the LAN."
    return _render(purpose, [device, ipv4, ipv6])


def render_ifcfg_virtual_bridge(spec: NetworkSpec, facts: HostFacts) -> str:
    """``ifcfg-<bridge>`` for a custom routed or NAT network: a bridge with no physical port."""
    device: list[Entry] = [
        *_bridge_device(spec, facts),
        ("DELAY", "2"),
        ("STP", "on"),
    ]
    if not facts.dummy_supported and spec.bridge_mac:
        # Without a dummy port to lend it a MAC, the bridge would take the MAC of whichever
        # VM starts first; set it directly so it never changes.
        device.append(("MACADDR", spec.bridge_mac))
    groups = [device]
    if spec.ipv4:
        net = IPNetwork(spec.ipv4)
        groups.append([("IPADDR", str(net.ip)), ("NETMASK", str(net.netmask))])
    if _ipv6(spec):
        groups.append(
            [
                ("IPV6INIT", "yes"),
                ("IPV6_AUTOCONF", "no"),
                ("IPV6ADDR", str(IPNetwork(_ipv6(spec)))),
                # VMs' IPv6 traffic is routed, never masqueraded, on both custom types.
                ("IPV6FORWARDING", "yes"),
            ]
        )
    else:
        groups.append([("IPV6INIT", "no")])
    purpose = f"Virtual bridge {spec.bridge} of the {spec.type} network {spec.name}."
    return _render(purpose, groups)


def render_ifcfg_dummy0(spec: NetworkSpec) -> str:
    """``ifcfg-dummy0``: the dummy port that fixes the bridge MAC when neither NM nor systemd runs.

    The ``dummy`` module then creates ``dummy0`` itself (``numdummies=1``).
    """
    entries: list[Entry] = [
        ("DEVICE", "dummy0"),
        ("MACADDR", spec.bridge_mac),
        ("NM_CONTROLLED", "no"),
        ("ONBOOT", "yes"),
        ("TYPE", "Ethernet"),
        ("BRIDGE", spec.bridge),
        ("IPV6INIT", "no"),
    ]
    purpose = f"dummy0 lends its fixed MAC to {spec.bridge}."
    return _render(purpose, [entries])


def rhel6_nm_network_line() -> str:
    """The /etc/sysconfig/network line (no newline) that lets RHEL 6's NM manage bridges."""
    return "NM_BOND_BRIDGE_VLAN_ENABLED=yes"


def shell_value(value: str) -> str:
    """``value`` as a shell word: unquoted when that is safe, else in single quotes."""
    if value and _PLAIN_VALUE.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def _render(purpose: str, groups: Sequence[Sequence[Entry]]) -> str:
    blocks = ["\n".join(f"{key}={shell_value(value)}" for key, value in g) for g in groups if g]
    return header("#", purpose) + "\n" + "\n\n".join(blocks) + "\n"


def _ipv6_gateway(gateway: str, bridge: str) -> str:
    # A link-local gateway is only meaningful together with the link it is reached on.
    if IPAddress(gateway) in _LINK_LOCAL:
        return f"{gateway}%{bridge}"
    return gateway


def _ipv6(spec: NetworkSpec) -> str:
    # ipv6_mode "none" switches IPv6 off even when an address is filled in.
    return spec.ipv6 if spec.ipv6_mode != "none" else ""


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
