"""Fixed leases as libvirt and dnsmasq keep them: ``<host>`` elements and hostsfile lines."""

# Only the standard library: the ``dhcp-host`` command imports this on every call,
# and it must start fast.

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from virtnet_tui.core.changes.records import host_key
from virtnet_tui.core.model import DhcpHost

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")


def ip_version(text: str) -> int:
    """4 or 6; 0 when ``text`` is not an address."""
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return 0


def host_xml(host: DhcpHost) -> str:
    """The ``<host>`` element ``virsh net-update ... ip-dhcp-host`` takes.

    The same text as ``render.libvirt_xml.render_dhcp_host_xml`` (a test keeps them
    equal); written here with the standard library so ``dhcp-host`` needs no netaddr.
    """
    element = ET.Element("host")
    if ip_version(host.ip) == 6:
        if host.id:
            element.set("id", host.id)
    elif host.mac:
        element.set("mac", host.mac)
    if host.name:
        element.set("name", host.name)
    element.set("ip", host.ip)
    return ET.tostring(element, encoding="unicode")


@dataclass(frozen=True)
class NetworkDhcp:
    """The DHCP parts of a libvirt network's definition."""

    ips: tuple[tuple[int, str, bool], ...]
    """Every ``<ip>`` element in order: (parent index, ``ipv4``/``ipv6``, has ``<dhcp>``)."""
    hosts: tuple[tuple[int, DhcpHost], ...]
    """Every ``<host>`` with the parent index of its ``<ip>``."""

    def parent_index(self, version: int) -> int | None:
        """The ``--parent-index`` for a lease of IP ``version``: its family's ``<ip>``.

        The one with ``<dhcp>`` is preferred, as libvirt serves leases only there.
        """
        family = f"ipv{version}"
        candidates = [(index, dhcp) for index, fam, dhcp in self.ips if fam == family]
        with_dhcp = [index for index, dhcp in candidates if dhcp]
        if with_dhcp:
            return with_dhcp[0]
        return candidates[0][0] if candidates else None

    @property
    def leases(self) -> tuple[DhcpHost, ...]:
        return tuple(host for _, host in self.hosts)


def parse_network_dhcp(xml: str) -> NetworkDhcp:
    """The ``<ip>`` elements and fixed leases of a ``<network>`` definition.

    Raises:
        ValueError: the text is not XML.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"the network definition is not XML: {exc}") from None
    ips: list[tuple[int, str, bool]] = []
    hosts: list[tuple[int, DhcpHost]] = []
    for index, ip in enumerate(root.findall("ip")):
        address = ip.get("address", "")
        family = ip.get("family") or ("ipv6" if ":" in address else "ipv4")
        dhcp = ip.find("dhcp")
        ips.append((index, family, dhcp is not None))
        if dhcp is None:
            continue
        for element in dhcp.findall("host"):
            hosts.append(
                (
                    index,
                    DhcpHost(
                        ip=element.get("ip", ""),
                        mac=element.get("mac", ""),
                        id=element.get("id", ""),
                        name=element.get("name", ""),
                    ),
                )
            )
    return NetworkDhcp(tuple(ips), tuple(hosts))


# --- dnsmasq's hostsfile ---------------------------------------------------------------------


def parse_hostsfile_line(line: str) -> DhcpHost | None:
    """The lease a hostsfile line reserves: ``[mac][,id:duid],ip[,name]``.

    Lines this does not understand (comments, tags, options) give ``None`` and are
    kept as they are when the file is edited.
    """
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    mac = duid = ip = name = ""
    for token in (t.strip() for t in text.split(",")):
        if _MAC.fullmatch(token) and not mac:
            mac = token
        elif token.startswith("id:") and not duid:
            duid = token[3:]
        elif token.startswith("[") and token.endswith("]") and ip_version(token[1:-1]) == 6:
            ip = token[1:-1]
        elif ip_version(token) == 4 and not ip:
            ip = token
        elif token and not name and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", token):
            name = token
        else:
            return None
    if not ip or not (mac or duid):
        return None
    return DhcpHost(ip=ip, mac=mac, id=duid, name=name)


def parse_hostsfile(text: str) -> tuple[DhcpHost, ...]:
    """Every lease the hostsfile reserves, in file order."""
    hosts = (parse_hostsfile_line(line) for line in text.splitlines())
    return tuple(h for h in hosts if h is not None)


def edit_hostsfile(
    text: str,
    remove: DhcpHost | None,
    add: DhcpHost | None,
    render_line: Callable[[DhcpHost], str],
) -> str:
    """The hostsfile with ``remove``'s line replaced by ``add`` (or dropped, or appended).

    Every other line stays exactly as it was, hand-written ones included.
    """
    lines = text.splitlines()
    out: list[str] = []
    placed = False
    for line in lines:
        parsed = parse_hostsfile_line(line)
        if remove is not None and parsed is not None and host_key(parsed) == host_key(remove):
            if add is not None and not placed:
                out.append(render_line(add))
                placed = True
            continue
        out.append(line)
    if add is not None and not placed:
        out.append(render_line(add))
    return "".join(line + "\n" for line in out)
