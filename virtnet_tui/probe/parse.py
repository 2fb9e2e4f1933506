"""Pure parsers for what the probe reads: os-release, ``ip -j`` output, libvirt XML, versions."""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any, Literal

from virtnet_tui.core.model import Distro
from virtnet_tui.probe.model import (
    Address,
    AddressScope,
    Interface,
    InterfaceKind,
    LibvirtNetwork,
    Route,
    SshSession,
)

_DEBIAN_IDS = frozenset({"debian", "raspbian", "devuan", "kali"})
_RHEL_IDS = frozenset(
    {"rhel", "centos", "rocky", "almalinux", "ol", "scientific", "cloudlinux", "eurolinux"}
)


class ParseError(ValueError):
    """Output that does not have the expected shape."""


def parse_os_release(text: str) -> dict[str, str]:
    """``KEY=value`` lines of os-release(5), with shell quoting removed."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep or not key or key.startswith("#"):
            continue
        try:
            words = shlex.split(value)
        except ValueError:
            words = [value.strip("\"'")]
        out[key] = " ".join(words)
    return out


def distro_family(release: Mapping[str, str]) -> Distro | None:
    """The family of file layouts the recipes know (``debian``, ``ubuntu``, ``rhel``...), if any."""
    ident = release.get("ID", "").lower()
    like = set(release.get("ID_LIKE", "").lower().split())
    if ident == "fedora":
        return "fedora"
    # Ubuntu and its derivatives configure links with netplan, not ifupdown.
    if ident == "ubuntu" or "ubuntu" in like:
        return "ubuntu"
    if ident in _DEBIAN_IDS or "debian" in like:
        return "debian"
    if ident in _RHEL_IDS or like & {"rhel", "centos", "fedora"}:
        return "rhel"
    return None


def redhat_release_version(text: str) -> str:
    """``CentOS release 6.10 (Final)`` -> ``6.10``; "" when there is no number."""
    match = re.search(r"release\s+(\d+(?:\.\d+)*)", text)
    return match.group(1) if match else ""


def dnsmasq_version(text: str) -> str:
    """``Dnsmasq version 2.90  Copyright...`` -> ``2.90``."""
    match = re.search(r"version\s+(\d+\.\d+(?:\.\d+)?)", text, re.IGNORECASE)
    if not match:
        raise ParseError("no version number in `dnsmasq --version` output")
    return match.group(1)


def ip_json(text: str, command: str) -> list[dict[str, Any]]:
    """The objects that ``ip -j`` prints, less the empty ones that old versions emit."""
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise ParseError(f"`{command}` printed something that is not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ParseError(f"`{command}` printed JSON that is not a list")
    return [item for item in data if isinstance(item, dict) and item]


def _link_kind(link: Mapping[str, Any], is_wireless: Callable[[str], bool]) -> InterfaceKind:
    name = str(link.get("ifname", ""))
    link_type = link.get("link_type", "")
    info = link.get("linkinfo")
    info_kind = str(info.get("info_kind", "")) if isinstance(info, dict) else ""
    if link_type == "loopback":
        return "loopback"
    if info_kind == "bridge":
        return "bridge"
    if info_kind == "veth":
        return "veth"
    if info_kind or link_type != "ether":
        return "virtual"
    # ip cannot tell a wireless card from a wired one; only sysfs knows.
    return "wireless" if is_wireless(name) else "ethernet"


def interfaces_from_ip(
    links: list[dict[str, Any]],
    addresses: list[dict[str, Any]],
    is_wireless: Callable[[str], bool],
) -> tuple[Interface, ...]:
    """Interfaces from ``ip -j -d link show`` and ``ip -j address show``."""
    by_name: dict[str, list[Address]] = {}
    for entry in addresses:
        by_name[str(entry.get("ifname", ""))] = _addresses(entry.get("addr_info"))
    out = []
    for link in links:
        name = link.get("ifname")
        if not isinstance(name, str) or not name:
            continue
        info = link.get("linkinfo")
        out.append(
            Interface(
                name=name,
                kind=_link_kind(link, is_wireless),
                mac=str(link.get("address", "")) if link.get("link_type") == "ether" else "",
                state=str(link.get("operstate", "unknown")).lower(),
                addresses=tuple(by_name.get(name, ())),
                master=str(link.get("master", "")),
                driver_kind=str(info.get("info_kind", "")) if isinstance(info, dict) else "",
            )
        )
    return tuple(out)


def _addresses(raw: object) -> list[Address]:
    out: list[Address] = []
    if not isinstance(raw, list):
        return out
    for info in raw:
        if not isinstance(info, dict):
            continue
        family: Literal[4, 6]
        if info.get("family") == "inet":
            family = 4
        elif info.get("family") == "inet6":
            family = 6
        else:
            continue
        local, prefix = info.get("local"), info.get("prefixlen")
        if not isinstance(local, str) or not isinstance(prefix, int):
            continue
        scope: AddressScope = "other"
        if info.get("scope") in ("global", "link", "host"):
            scope = info["scope"]
        out.append(Address(f"{local}/{prefix}", family, scope, bool(info.get("temporary"))))
    return out


def default_routes(routes: list[dict[str, Any]], family: Literal[4, 6]) -> tuple[Route, ...]:
    """Default routes from ``ip -j route show``, best (lowest metric) first."""
    out = []
    for route in routes:
        if route.get("dst") != "default" or route.get("type", "unicast") != "unicast":
            continue
        metric = route.get("metric", 0)
        metric = metric if isinstance(metric, int) else 0
        hops = route.get("nexthops")
        # A multipath default route lists its gateways as next hops.
        for hop in hops if isinstance(hops, list) else [route]:
            if isinstance(hop, dict) and hop.get("dev"):
                out.append(Route(family, str(hop["dev"]), str(hop.get("gateway", "")), metric))
    return tuple(sorted(out, key=lambda r: r.metric))


def routed_subnets(routes: list[dict[str, Any]]) -> list[str]:
    """Destinations of ``ip -j route show`` other than the default and link-local ones."""
    out = []
    for route in routes:
        dst = route.get("dst")
        if not isinstance(dst, str) or dst == "default":
            continue
        if route.get("type", "unicast") not in ("unicast", "local"):
            continue
        try:
            net = ipaddress.ip_network(dst, strict=False)
        except ValueError:
            continue
        if net.is_link_local or net.is_multicast or net.is_loopback:
            continue
        out.append(str(net))
    return out


def ssh_session(value: str) -> SshSession | None:
    """``SSH_CONNECTION`` (client address, client port, server address, server port)."""
    parts = value.split()
    if len(parts) != 4:
        return None
    client, client_port, server, server_port = parts
    try:
        return SshSession(
            client=_plain_address(client),
            client_port=int(client_port),
            server=_plain_address(server),
            server_port=int(server_port),
        )
    except ValueError:
        return None


def _plain_address(text: str) -> str:
    """An address without a zone, IPv4-mapped IPv6 turned back into IPv4."""
    addr = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def route_get_dev(routes: list[dict[str, Any]]) -> str:
    """The outgoing link of ``ip -j route get ADDRESS``."""
    for route in routes:
        dev = route.get("dev")
        if isinstance(dev, str) and dev:
            return dev
    return ""


def sshd_port(config: str) -> int | None:
    """The first ``Port`` of an sshd_config, if one is set."""
    for line in config.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2 and words[0].lower() == "port" and words[1].isdecimal():
            return int(words[1])
    return None


def libvirt_network(xml: str) -> LibvirtNetwork:
    """Name, bridge, forward mode and subnets of a libvirt network's XML description."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ParseError(f"unreadable network XML: {exc}") from exc
    bridge = root.find("bridge")
    forward = root.find("forward")
    subnets: list[str] = []
    for ip in root.findall("ip"):
        address = ip.get("address", "")
        v6 = ip.get("family") == "ipv6" or ":" in address
        prefix = ip.get("prefix") or ip.get("netmask") or ("64" if v6 else "24")
        try:
            subnets.append(str(ipaddress.ip_interface(f"{address}/{prefix}").network))
        except ValueError:
            continue
    for route in root.findall("route"):
        try:
            net = ipaddress.ip_network(
                f"{route.get('address', '')}/{route.get('prefix') or route.get('netmask')}",
                strict=False,
            )
        except ValueError:
            continue
        subnets.append(str(net))
    return LibvirtNetwork(
        name=root.findtext("name", ""),
        bridge=bridge.get("name", "") if bridge is not None else "",
        forward=(forward.get("mode") or "nat") if forward is not None else "",
        subnets=tuple(subnets),
    )
