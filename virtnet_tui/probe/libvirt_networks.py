"""The probe's view of libvirt: which networks exist, their bridges and subnets."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from virtnet_tui.hosts.base import Host
from virtnet_tui.probe.model import LibvirtNetwork
from virtnet_tui.probe.parse import ParseError, libvirt_network

if TYPE_CHECKING:
    import libvirt


@dataclass(frozen=True)
class LibvirtView:
    """libvirt's networks, or why libvirt could not be asked."""

    networks: tuple[LibvirtNetwork, ...] = ()
    problem: str = ""
    default_users: tuple[str, ...] = ()
    """Running VMs with an interface on the ``default`` network (or on its bridge)."""
    version: str = ""
    """libvirt's version (``10.4.0``), "" when it could not be asked."""

    @property
    def reachable(self) -> bool:
        return not self.problem


def _quiet(_ctx: object, _error: object) -> None:
    """libvirt prints every error to stderr unless a handler takes it; the exception is enough."""


def query_libvirt(host: Host) -> LibvirtView:
    """The host's libvirt networks; a daemon that is down is a problem, never an exception."""
    try:
        import libvirt
    except ImportError as exc:
        return LibvirtView(problem=f"libvirt unreachable: the Python binding is missing ({exc})")
    libvirt.registerErrorHandler(_quiet, None)
    try:
        conn = host.connect_libvirt()
    except libvirt.libvirtError as exc:
        return LibvirtView(problem=f"libvirt unreachable: {exc.get_error_message() or exc}")
    except Exception as exc:
        return LibvirtView(problem=f"libvirt unreachable: {exc}")
    if conn is None:
        return LibvirtView(problem="libvirt unreachable: no connection")
    try:
        version = _version(conn)
        networks = tuple(_describe(net) for net in conn.listAllNetworks())
    except (libvirt.libvirtError, ParseError) as exc:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()
        return LibvirtView(problem=f"libvirt unreachable: listing networks failed: {exc}")
    try:
        bridge = next((n.bridge for n in networks if n.name == "default"), "")
        running = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        users = tuple(sorted(str(d.name()) for d in running if _uses_default(d.XMLDesc(0), bridge)))
    except libvirt.libvirtError as exc:
        # Unknown users must not pass for none: a plan that stops the network is refused.
        return LibvirtView(networks, default_users=(f"(VMs unknown: {exc})",), version=version)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()
    return LibvirtView(networks, default_users=users, version=version)


def _version(conn: libvirt.virConnect) -> str:
    """The daemon's libvirt version: it decides which firewall backend libvirt prefers."""
    try:
        number = int(conn.getLibVersion())
    except Exception:  # an old or odd driver: the version stays unknown
        return ""
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


def _uses_default(xml: str, bridge: str) -> bool:
    """Whether a domain's XML has an interface on the ``default`` network or its bridge."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return False
    for iface in root.iterfind("./devices/interface"):
        source = iface.find("source")
        if source is None:
            continue
        if iface.get("type") == "network" and source.get("network") == "default":
            return True
        if iface.get("type") == "bridge" and bridge and source.get("bridge") == bridge:
            return True
    return False


def _describe(net: libvirt.virNetwork) -> LibvirtNetwork:
    parsed = libvirt_network(net.XMLDesc(0))
    return replace(
        parsed,
        name=parsed.name or str(net.name()),
        active=bool(net.isActive()),
        autostart=bool(net.autostart()),
        persistent=bool(net.isPersistent()),
    )
