"""The probe's view of libvirt: which networks exist, their bridges and subnets."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

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
        return LibvirtView(networks=tuple(_describe(net) for net in conn.listAllNetworks()))
    except (libvirt.libvirtError, ParseError) as exc:
        return LibvirtView(problem=f"libvirt unreachable: listing networks failed: {exc}")
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()


def _describe(net: libvirt.virNetwork) -> LibvirtNetwork:
    parsed = libvirt_network(net.XMLDesc(0))
    return replace(
        parsed,
        name=parsed.name or str(net.name()),
        active=bool(net.isActive()),
        autostart=bool(net.autostart()),
        persistent=bool(net.isPersistent()),
    )
