"""Renders libvirt network XML, DHCP host snippets and VM interface XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from netaddr import IPAddress, IPNetwork

from virtnet_tui.core.model import DhcpHost, NetworkSpec
from virtnet_tui.core.render.header import header

#: Offsets of the DHCPv6 range offered when the spec gives none (``<prefix>::1000`` .. ``::1fff``).
DHCP6_DEFAULT_FIRST = 0x1000
DHCP6_DEFAULT_LAST = 0x1FFF

_FORWARD_MODES = {"routed": "route", "nat": "nat"}


def render_network_xml(spec: NetworkSpec) -> str:
    """The ``<network>`` definition that ``virsh net-define`` reads for a routed or NAT network.

    The IPv4 ``<ip>`` comes first, then the IPv6 one, so ``dhcp_parent_index`` can name them.
    With SLAAC the IPv6 ``<ip>`` has no ``<dhcp>`` (libvirt then only sends router
    advertisements), so DHCPv6 host entries are rendered only in ``dhcpv6`` mode.

    Raises:
        ValueError: the spec is not a libvirt network type, or a DHCP host has no identifier.
    """
    mode = _FORWARD_MODES.get(spec.type)
    if mode is None:
        raise ValueError(f"{spec.type} networks are not defined in libvirt")
    network = ET.Element("network")
    ET.SubElement(network, "name").text = spec.name
    ET.SubElement(network, "bridge", name=spec.bridge)
    ET.SubElement(network, "forward", mode=mode)
    if spec.ipv4:
        network.append(_ipv4_element(spec))
    if _ipv6(spec):
        network.append(_ipv6_element(spec))
    # "--" may not appear inside an XML comment, and a network name could contain it.
    purpose = re.sub("-(?=-)", "- ", f"libvirt network {spec.name} ({spec.type}).")
    comment = ET.Comment("\n" + header("", purpose))
    return _serialize(comment) + "\n" + _serialize(network) + "\n"


def render_dhcp_host_xml(host: DhcpHost) -> str:
    """The ``<host .../>`` element that ``virsh net-update ... ip-dhcp-host`` takes.

    Raises:
        ValueError: an IPv4 host has neither MAC nor name, or an IPv6 host neither DUID nor name.
    """
    return _serialize(_host_element(host))


def dhcp_parent_index(spec: NetworkSpec, host: DhcpHost) -> int:
    """Index of the ``<ip>`` element holding ``host`` (``--parent-index`` of ``virsh net-update``).

    Raises:
        ValueError: the network has no ``<ip>`` of the host's address family.
    """
    if IPAddress(host.ip).version == 4:
        if not spec.ipv4:
            raise ValueError(f"network {spec.name} has no IPv4 subnet for {host.ip}")
        return 0
    if not _ipv6(spec):
        raise ValueError(f"network {spec.name} has no IPv6 subnet for {host.ip}")
    return 1 if spec.ipv4 else 0


def render_interface_xml(spec: NetworkSpec, mac: str = "") -> str:
    """A VM ``<interface>`` attached to the network; ``mac`` keeps an existing VM's address.

    Bridged and custom networks are plain host bridges; libvirt networks are named.
    """
    if spec.is_libvirt:
        interface = ET.Element("interface", type="network")
        ET.SubElement(interface, "source", network=spec.name)
    else:
        interface = ET.Element("interface", type="bridge")
        ET.SubElement(interface, "source", bridge=spec.bridge)
    if mac:
        ET.SubElement(interface, "mac", address=mac)
    return _serialize(interface) + "\n"


def virt_install_network_arg(spec: NetworkSpec) -> str:
    """The value of ``virt-install --network`` for a new VM on this network."""
    if spec.is_libvirt:
        return f"network={spec.name}"
    return f"bridge={spec.bridge}"


def _ipv6(spec: NetworkSpec) -> str:
    # ipv6_mode "none" switches IPv6 off even when an address is filled in.
    return spec.ipv6 if spec.ipv6_mode != "none" else ""


def _ipv4_element(spec: NetworkSpec) -> ET.Element:
    net = IPNetwork(spec.ipv4)
    ip = ET.Element("ip", address=str(net.ip), netmask=str(net.netmask))
    hosts = [h for h in spec.dhcp_hosts if IPAddress(h.ip).version == 4]
    if spec.dhcp4 or hosts:
        dhcp = ET.SubElement(ip, "dhcp")
        if spec.dhcp4:
            ET.SubElement(dhcp, "range", start=spec.dhcp4[0], end=spec.dhcp4[1])
        dhcp.extend(_host_element(h) for h in hosts)
    return ip


def _ipv6_element(spec: NetworkSpec) -> ET.Element:
    net = IPNetwork(_ipv6(spec))
    ip = ET.Element("ip", family="ipv6", address=str(net.ip), prefix=str(net.prefixlen))
    if spec.ipv6_mode == "dhcpv6":
        start, end = spec.dhcp6 or _default_dhcp6_range(net)
        dhcp = ET.SubElement(ip, "dhcp")
        ET.SubElement(dhcp, "range", start=start, end=end)
        dhcp.extend(_host_element(h) for h in spec.dhcp_hosts if IPAddress(h.ip).version == 6)
    return ip


def _default_dhcp6_range(net: IPNetwork) -> tuple[str, str]:
    first = IPAddress(net.first + DHCP6_DEFAULT_FIRST, 6)
    last = IPAddress(net.first + DHCP6_DEFAULT_LAST, 6)
    if last not in net:
        raise ValueError(f"{net.cidr} is too small for the default DHCPv6 range; give dhcp6")
    return str(first), str(last)


def _host_element(host: DhcpHost) -> ET.Element:
    # libvirt matches IPv4 clients by MAC and IPv6 clients by DUID; a name works for both.
    element = ET.Element("host")
    if IPAddress(host.ip).version == 4:
        if host.mac:
            element.set("mac", host.mac)
        if not (host.mac or host.name):
            raise ValueError(f"DHCP host {host.ip} needs a MAC address")
    else:
        if host.id:
            element.set("id", host.id)
        if not (host.id or host.name):
            raise ValueError(f"DHCPv6 host {host.ip} needs a DUID")
    if host.name:
        element.set("name", host.name)
    element.set("ip", host.ip)
    return element


def _serialize(element: ET.Element[Any]) -> str:
    ET.indent(element, space="  ")
    return ET.tostring(element, encoding="unicode")
