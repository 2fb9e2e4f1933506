"""Typed models of the wizard's answers and of the host it runs on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Site = Literal["dedicated", "homelab"]
Uplink = Literal["ethernet", "wireless", "both"]
Firewall = Literal["libvirt", "manual"]
Distro = Literal["debian", "ubuntu", "rhel", "fedora"]
NetConfig = Literal["ifupdown", "ifcfg", "networkmanager", "networkd", "netplan"]
#: A host's network stack as the answers give it: "" when it is not known.
HostNetConfig = Literal["", "ifupdown", "ifcfg", "networkmanager", "networkd", "netplan"]
NetworkType = Literal["bridged", "routed", "nat", "custom-routed", "custom-nat"]
Ipv6Mode = Literal["slaac", "dhcpv6", "none"]
Family = Literal["ipv4", "ipv6", "both"]
Proto = Literal["tcp", "udp"]
# The host's packet filter: which tool the wizard's rules go through, and libvirt's.
FirewallBackend = Literal["iptables", "nftables", "firewalld"]
LibvirtFirewall = Literal["iptables", "nftables"]

SITES: tuple[Site, ...] = ("dedicated", "homelab")
UPLINKS: tuple[Uplink, ...] = ("ethernet", "wireless", "both")
FIREWALLS: tuple[Firewall, ...] = ("libvirt", "manual")
DISTROS: tuple[Distro, ...] = ("debian", "ubuntu", "rhel", "fedora")
NETCONFIGS: tuple[NetConfig, ...] = ("ifupdown", "ifcfg", "networkmanager", "networkd", "netplan")
#: Distributions laid out like Debian: apt, /etc/network, Debian's package names.
DEBIAN_FAMILY: frozenset[Distro] = frozenset({"debian", "ubuntu"})
NETWORK_TYPES: tuple[NetworkType, ...] = ("bridged", "routed", "nat", "custom-routed", "custom-nat")
IPV6_MODES: tuple[Ipv6Mode, ...] = ("slaac", "dhcpv6", "none")
PROTOS: tuple[Proto, ...] = ("tcp", "udp")
FIREWALL_BACKENDS: tuple[FirewallBackend, ...] = ("iptables", "nftables", "firewalld")

#: Network types whose bridge, firewall and dnsmasq the wizard runs itself.
CUSTOM_TYPES: frozenset[NetworkType] = frozenset({"custom-routed", "custom-nat"})
#: Network types that libvirt defines and runs (``virsh net-define``).
LIBVIRT_TYPES: frozenset[NetworkType] = frozenset({"routed", "nat"})


@dataclass(frozen=True)
class Situation:
    """What the operator told us about the host's circumstances."""

    site: Site = "dedicated"
    uplink: Uplink = "ethernet"
    public_ipv4: int = 1
    """IPv4 addresses available for VMs (public, or on the LAN for a home lab)."""
    vms: int = 1
    """VMs that need an address of their own."""
    bridging_allowed: bool = False
    """The provider or LAN lets VM MACs bind directly (or a private VLAN is rented)."""
    ipv6_prefix: int = 0
    """Length of the IPv6 block the host has; 0 means no IPv6."""
    inbound: bool = False
    """VMs run services that others must reach."""
    firewall: Firewall = "libvirt"
    """``libvirt`` may insert iptables rules; ``manual`` keeps full control."""


@dataclass(frozen=True)
class HostFacts:
    """What the wizard knows about the machine: probed, or given in the answers file."""

    distro: Distro = "debian"
    distro_version: str = ""
    network_manager: bool = False
    netconfig: HostNetConfig = ""
    """What configures the uplink; "" when not known (then the distro's usual stack)."""
    netconfig_problem: str = ""
    """Why the probe could not name one stack that owns the uplink (mixed or none)."""
    systemd: bool = True
    uplink_interface: str = "eth0"
    wireless_interface: str = ""
    wireless_ipv4: str = ""
    """The wireless uplink's address with its prefix: the next hop of routes from its LAN."""
    mac: str = ""
    ipv4: str = ""
    """The uplink's address with its prefix, e.g. ``203.0.113.166/29``."""
    gateway4: str = ""
    ipv6: str = ""
    gateway6: str = ""
    dnsmasq_version: str = "2.90"
    kernel: str = "6.1"
    dummy_supported: bool = True
    """Whether the kernel has the ``dummy`` link type (otherwise the bridge MAC is set directly)."""
    ssh_port: int = 22
    """Server port of the operator's SSH session, always kept open by the firewall rules."""
    hostname: str = "host"
    files: tuple[tuple[str, str], ...] = ()
    """Current contents of files that recipes edit in place (path, text)."""
    used_bridges: tuple[str, ...] = ()
    """Link names already present on the host or in libvirt."""
    used_subnets: tuple[str, ...] = ()
    """Subnets already routed on the host or used by libvirt networks."""
    used_networks: tuple[str, ...] = ()
    """libvirt network names already defined."""
    system_dnsmasq: bool = False
    """A system-wide dnsmasq service is installed and must be told to keep off our bridges."""
    default_network_active: bool = True
    """libvirt's ``default`` network exists and may insert its own iptables rules."""
    default_network_users: tuple[str, ...] = ()
    """Running VMs with an interface on libvirt's ``default`` network."""
    installed: tuple[str, ...] = ()
    """Packages known to be installed; recipes skip installing these."""
    uplink_addrgenmode: str = "eui64"
    """How the uplink makes its IPv6 link-local address; ifup of a bridge port changes it."""
    # The host's firewall (kept together, after the other facts, for easy merging).
    firewall_backend: FirewallBackend = "iptables"
    """What the custom networks' rules go through: iptables chains, an nftables table, firewalld."""
    libvirt_firewall_backend: LibvirtFirewall = "iptables"
    """Which rules libvirt's own NAT and routed networks write (its network.conf, its version)."""
    docker: bool = False
    """Docker runs: its FORWARD policy is DROP, and DOCKER-USER must let the bridges forward."""
    firewalld_zone: str = "public"
    """firewalld's zone of the uplink: where masquerade and port forwards go."""
    firewalld_zones: tuple[str, ...] = ()
    """firewalld's zones (libvirt's ``libvirt`` and ``libvirt-routed`` are used if there)."""

    def file(self, path: str) -> str | None:
        """The current text of ``path`` on the host, if the probe read it."""
        for known, text in self.files:
            if known == path:
                return text
        return None


@dataclass(frozen=True)
class DhcpHost:
    """A fixed DHCP lease: by MAC for IPv4, by DUID (``id``) for IPv6."""

    ip: str
    mac: str = ""
    id: str = ""
    name: str = ""


@dataclass(frozen=True)
class PortForward:
    """Connections to ``ports`` on the host's public address go to ``to`` inside the subnet."""

    proto: Proto
    ports: tuple[int, ...]
    to: str
    to_port: int = 0
    """Port on the VM; 0 keeps the same port."""


@dataclass(frozen=True)
class NetworkSpec:
    """One network the wizard sets up."""

    type: NetworkType
    name: str
    bridge: str
    ipv4: str = ""
    """The host's address inside the VM subnet, with the prefix (``192.168.100.1/24``)."""
    dhcp4: tuple[str, str] | None = None
    ipv6: str = ""
    ipv6_mode: Ipv6Mode = "slaac"
    dhcp6: tuple[str, str] | None = None
    bridge_mac: str = ""
    public_ipv4: str = ""
    """The host's public address that port forwards listen on."""
    dhcp_hosts: tuple[DhcpHost, ...] = ()
    forwards: tuple[PortForward, ...] = ()
    uplink: str = ""
    """For a bridged network: the Ethernet device enslaved to the bridge."""

    @property
    def is_custom(self) -> bool:
        return self.type in CUSTOM_TYPES

    @property
    def is_libvirt(self) -> bool:
        return self.type in LIBVIRT_TYPES


@dataclass(frozen=True)
class Answers:
    """Everything the wizard needs to build a plan."""

    situation: Situation = field(default_factory=Situation)
    host: HostFacts = field(default_factory=HostFacts)
    networks: tuple[NetworkSpec, ...] = ()
    host_given: tuple[str, ...] = ()
    """Keys of ``[host]`` that the answers file set explicitly (the rest may be probed)."""
    host_probed: tuple[str, ...] = ()
    """Keys of ``[host]`` whose value the probe of the host supplied."""
    probe_problems: tuple[str, ...] = ()
    """What that probe could not find out (a missing tool, a command that hung...)."""
