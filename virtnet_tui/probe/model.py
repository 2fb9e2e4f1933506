"""What the host probe found: the facts recipes use plus the details the wizard shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from virtnet_tui.core.model import HostFacts

InterfaceKind = Literal["ethernet", "wireless", "bridge", "veth", "loopback", "virtual"]
AddressScope = Literal["global", "link", "host", "other"]


@dataclass(frozen=True)
class Address:
    """One address on an interface."""

    cidr: str
    """The address with its prefix length, e.g. ``203.0.113.10/24``."""
    family: Literal[4, 6]
    scope: AddressScope = "global"
    temporary: bool = False
    """An IPv6 privacy address: it changes, so it is never taken as the host's address."""


@dataclass(frozen=True)
class Interface:
    """One network link of the host."""

    name: str
    kind: InterfaceKind
    mac: str = ""
    state: str = "unknown"
    """The kernel's operational state in lower case: ``up``, ``down``, ``unknown``..."""
    addresses: tuple[Address, ...] = ()
    master: str = ""
    """The bridge (or bond) this link is a port of."""
    driver_kind: str = ""
    """The kernel's link type for virtual links (``ip -d``'s ``info_kind``: dummy, vlan, tun...)."""

    def global_addresses(self, family: Literal[4, 6]) -> tuple[Address, ...]:
        return tuple(a for a in self.addresses if a.family == family and a.scope == "global")


@dataclass(frozen=True)
class Route:
    """A default route."""

    family: Literal[4, 6]
    dev: str
    gateway: str = ""
    metric: int = 0


@dataclass(frozen=True)
class SshSession:
    """The operator's SSH session, from ``SSH_CONNECTION``."""

    client: str
    client_port: int
    server: str
    server_port: int
    interface: str = ""
    """The link that carries the session ("" when it could not be told)."""


@dataclass(frozen=True)
class LibvirtNetwork:
    """A network libvirt knows about."""

    name: str
    bridge: str = ""
    forward: str = ""
    """``nat``, ``route``, ``bridge``, ``open``...; "" for an isolated network."""
    subnets: tuple[str, ...] = ()
    active: bool = False
    autostart: bool = False
    persistent: bool = True


@dataclass(frozen=True)
class Firewalls:
    """Other programs that manage packet filtering on the host."""

    firewalld_installed: bool = False
    firewalld_running: bool = False
    nftables_installed: bool = False
    nft_tables: tuple[str, ...] = ()
    """``family name`` of each nftables table, when ``nft list tables`` could be read."""
    docker_installed: bool = False
    docker_running: bool = False


@dataclass(frozen=True)
class ProbeResult:
    """Everything the probe found, and what it could not find out."""

    facts: HostFacts
    interfaces: tuple[Interface, ...] = ()
    default_routes: tuple[Route, ...] = ()
    ssh: SshSession | None = None
    libvirt_reachable: bool = False
    libvirt_networks: tuple[LibvirtNetwork, ...] = ()
    firewalls: Firewalls = field(default_factory=Firewalls)
    ipv6_prefix: int = 0
    """Prefix length of the uplink's global IPv6 address; 0 when it has none."""
    wireless: bool = False
    """The host has at least one wireless interface."""
    problems: tuple[str, ...] = ()
    """What could not be probed and why (missing tools, libvirt unreachable...)."""
    commands: tuple[tuple[str, ...], ...] = ()
    """The read-only commands the probe ran, in the order it started them."""
    seconds: float = 0.0
    """How long the probe took."""

    def interface(self, name: str) -> Interface | None:
        for iface in self.interfaces:
            if iface.name == name:
                return iface
        return None
