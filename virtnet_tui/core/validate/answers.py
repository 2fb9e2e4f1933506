"""Checks that the answers make sense together, naming each field, value and reason."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Interface, IPv6Network

from virtnet_tui.core.errors import AnswersError, FieldError, FieldWarning
from virtnet_tui.core.model import Answers, HostFacts, NetworkSpec
from virtnet_tui.core.validate.fields import (
    Address,
    InvalidValue,
    Version,
    bridge_name_limit,
    check_address,
    check_bridge,
    check_cidr,
    check_distro_version,
    check_duid,
    check_hostname,
    check_ifname,
    check_mac,
    check_name,
    check_port,
    check_version,
    is_multicast_mac,
    mac_syntax_problem,
    parse_address,
    parse_interface,
    version_tuple,
)

__all__ = [
    "Findings",
    "bridge_name_limit",
    "check_address",
    "check_answers",
    "check_bridge",
    "check_cidr",
    "check_duid",
    "check_hostname",
    "check_ifname",
    "check_mac",
    "check_name",
    "check_port",
    "check_version",
    "require_valid",
]

SITUATION_PUBLIC_IPV4_MAX = 1024
SITUATION_VMS_MAX = 4096
#: dnsmasq answers DHCPv6 and sends router advertisements from this release on.
DNSMASQ_IPV6_MIN = (2, 64)
#: Prefixes a VM subnet may use: a /31 or /32 leaves no address for a VM.
VM_PREFIX4 = (8, 30)
#: MAC prefixes that libvirt hands out (KVM, Xen): clearly a virtual interface's.
VIRTUAL_MAC_PREFIXES = ("52:54:00", "00:16:3e")
_ROUTED4 = frozenset({"routed", "custom-routed"})

Subnet = IPv4Network | IPv6Network


@dataclass(frozen=True)
class Findings:
    """Everything wrong (errors) or doubtful (warnings) about a set of answers."""

    errors: tuple[FieldError, ...] = ()
    warnings: tuple[FieldWarning, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Subnets:
    """A network's parsed addresses; None where absent or invalid (already reported)."""

    v4: IPv4Interface | None
    v6: IPv6Interface | None


def _in_range(address: Address, start: Address, end: Address) -> bool:
    return int(start) <= int(address) <= int(end)


def _overlaps(a: Subnet, b: Subnet) -> bool:
    if isinstance(a, IPv4Network) and isinstance(b, IPv4Network):
        return a.overlaps(b)
    if isinstance(a, IPv6Network) and isinstance(b, IPv6Network):
        return a.overlaps(b)
    return False


def _subnet_of(a: Subnet, b: Subnet) -> bool:
    if isinstance(a, IPv4Network) and isinstance(b, IPv4Network):
        return a.subnet_of(b)
    if isinstance(a, IPv6Network) and isinstance(b, IPv6Network):
        return a.subnet_of(b)
    return False


class _Checker:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.host = answers.host
        self.errors: list[FieldError] = []
        self.warnings: list[FieldWarning] = []
        self.host4: IPv4Interface | None = None
        self.host6: IPv6Interface | None = None
        self.gateway4: IPv4Address | None = None
        self.gateway6: Address | None = None
        self.mac_warned = False

    def error(self, field: str, value: object, reason: str) -> None:
        self.errors.append(FieldError(field, value, reason))

    def warn(self, field: str, value: object, reason: str) -> None:
        self.warnings.append(FieldWarning(field, value, reason))

    def add(self, error: FieldError | None) -> bool:
        """Record ``error`` if any; True when the value passed."""
        if error is None:
            return True
        self.errors.append(error)
        return False

    def interface(
        self, field: str, value: str, version: Version
    ) -> IPv4Interface | IPv6Interface | None:
        try:
            return parse_interface(value, version)
        except InvalidValue as exc:
            self.error(field, value, str(exc))
            return None

    def address(self, field: str, value: str, version: Version) -> Address | None:
        try:
            return parse_address(value, version)
        except InvalidValue as exc:
            self.error(field, value, str(exc))
            return None

    # -- situation -------------------------------------------------------------

    def situation(self) -> None:
        s = self.answers.situation
        if not 0 <= s.public_ipv4 <= SITUATION_PUBLIC_IPV4_MAX:
            self.error(
                "situation.public_ipv4",
                s.public_ipv4,
                f"must be from 0 to {SITUATION_PUBLIC_IPV4_MAX} (addresses available for VMs)",
            )
        if not 1 <= s.vms <= SITUATION_VMS_MAX:
            self.error("situation.vms", s.vms, f"must be from 1 to {SITUATION_VMS_MAX}")
        if not 0 <= s.ipv6_prefix <= 128:
            self.error(
                "situation.ipv6_prefix",
                s.ipv6_prefix,
                "must be 0 (no IPv6) or a prefix length from 1 to 128",
            )
        elif s.ipv6_prefix > 64:
            self.warn(
                "situation.ipv6_prefix",
                s.ipv6_prefix,
                "is smaller than a /64, and each IPv6 VM subnet needs a whole /64; "
                "ask the provider for a /64 or larger block, or plan without IPv6 for VMs",
            )

    # -- host -------------------------------------------------------------------

    def host_facts(self) -> None:
        h = self.host
        if h.distro_version:
            self.add(check_distro_version("host.distro_version", h.distro_version))
        if h.uplink_interface:
            self.add(check_ifname("host.uplink_interface", h.uplink_interface))
        wireless_ok = h.wireless_interface and self.add(
            check_ifname("host.wireless_interface", h.wireless_interface)
        )
        if wireless_ok and h.wireless_interface == h.uplink_interface:
            self.error(
                "host.wireless_interface",
                h.wireless_interface,
                "is the same as host.uplink_interface; the wired and wireless "
                "uplinks are different devices",
            )
        if h.mac:
            problem = mac_syntax_problem(h.mac)
            if problem:
                self.error("host.mac", h.mac, problem)
        self.host_ipv4(h)
        self.host_ipv6(h)
        if h.dnsmasq_version:
            self.add(check_version("host.dnsmasq_version", h.dnsmasq_version))
        if h.kernel:
            self.add(check_version("host.kernel", h.kernel, kernel=True))
        self.add(check_port("host.ssh_port", h.ssh_port))
        if h.hostname:
            self.add(check_hostname("host.hostname", h.hostname))
        for index, subnet in enumerate(h.used_subnets):
            try:
                parse_interface(subnet)
            except InvalidValue as exc:
                self.error(f"host.used_subnets[{index}]", subnet, str(exc))

    def host_ipv4(self, h: HostFacts) -> None:
        if h.ipv4:
            parsed = self.interface("host.ipv4", h.ipv4, 4)
            if isinstance(parsed, IPv4Interface):
                net = parsed.network
                if net.prefixlen <= 30 and parsed.ip in (
                    net.network_address,
                    net.broadcast_address,
                ):
                    self.error(
                        "host.ipv4",
                        h.ipv4,
                        f"is the network or broadcast address of {net}, which no host can use",
                    )
                else:
                    self.host4 = parsed
        if not h.gateway4:
            return
        gateway = self.address("host.gateway4", h.gateway4, 4)
        if not isinstance(gateway, IPv4Address) or self.host4 is None:
            return
        self.gateway4 = gateway
        net = self.host4.network
        if gateway == self.host4.ip:
            self.error("host.gateway4", h.gateway4, "is the host's own address (host.ipv4)")
        elif gateway not in net and net.prefixlen == 32:
            self.warn(
                "host.gateway4",
                h.gateway4,
                f"is outside {net}; a /32 uplink reaches its gateway only through a "
                "host route, which the provider's setup must supply",
            )
        elif gateway not in net:
            self.error(
                "host.gateway4",
                h.gateway4,
                f"is outside the uplink's subnet {net} (host.ipv4); the host could not reach it",
            )
        elif net.prefixlen <= 30 and gateway in (net.network_address, net.broadcast_address):
            self.error("host.gateway4", h.gateway4, f"is the network or broadcast address of {net}")

    def host_ipv6(self, h: HostFacts) -> None:
        if h.ipv6:
            parsed = self.interface("host.ipv6", h.ipv6, 6)
            if isinstance(parsed, IPv6Interface):
                if parsed.ip.is_link_local or parsed.ip.is_multicast:
                    self.error(
                        "host.ipv6",
                        h.ipv6,
                        "must be the uplink's global address, not a link-local or multicast one",
                    )
                else:
                    self.host6 = parsed
        if not h.gateway6:
            return
        gateway = self.address("host.gateway6", h.gateway6, 6)
        if gateway is None:
            return
        self.gateway6 = gateway
        if gateway.is_multicast:
            self.error("host.gateway6", h.gateway6, "is a multicast address, not a router")
        elif self.host6 is not None and gateway == self.host6.ip:
            self.error("host.gateway6", h.gateway6, "is the host's own address (host.ipv6)")
        elif (
            self.host6 is not None
            and not gateway.is_link_local
            and gateway not in self.host6.network
        ):
            # Some providers put the router outside the server's /64; that works
            # only when they route it on-link, so this is a doubt, not an error.
            self.warn(
                "host.gateway6",
                h.gateway6,
                f"is outside the uplink's subnet {self.host6.network} (host.ipv6); "
                "a link-local gateway such as fe80::1 is the usual choice",
            )

    # -- one network -------------------------------------------------------------

    def network(self, index: int, spec: NetworkSpec) -> _Subnets:
        p = f"network[{index}]"
        h = self.host
        self.add(check_name(f"{p}.name", spec.name))
        if self.add(
            check_bridge(
                f"{p}.bridge",
                spec.bridge,
                network_type=spec.type,
                dummy_supported=h.dummy_supported,
            )
        ):
            for label, used in (
                ("host.uplink_interface", h.uplink_interface),
                ("host.wireless_interface", h.wireless_interface),
            ):
                if used and spec.bridge == used:
                    self.error(
                        f"{p}.bridge",
                        spec.bridge,
                        f"is the host's uplink ({label}); the bridge needs a name of its own",
                    )
        if spec.name in h.used_networks:
            self.error(
                f"{p}.name",
                spec.name,
                "a libvirt network with this name already exists (host.used_networks)",
            )
        if spec.bridge in h.used_bridges:
            self.error(
                f"{p}.bridge",
                spec.bridge,
                "a link with this name already exists on the host (host.used_bridges)",
            )
        if spec.type == "bridged":
            self.bridged(p, spec)
            return _Subnets(None, None)
        subnets = self.routed_or_nat(p, spec)
        self.dhcp_hosts(p, spec, subnets)
        return subnets

    def bridged(self, p: str, spec: NetworkSpec) -> None:
        h = self.host
        why = (
            "a bridged network puts VMs straight on the LAN, where they take their "
            "addresses from the LAN or provider, not from the host; remove it"
        )
        for key, value in (
            ("ipv4", spec.ipv4),
            ("dhcp4", spec.dhcp4),
            ("ipv6", spec.ipv6),
            ("dhcp6", spec.dhcp6),
        ):
            if value:
                self.error(f"{p}.{key}", value, why)
        if spec.dhcp_hosts:
            self.error(f"{p}.dhcp_host", None, why)
        if spec.bridge_mac:
            self.error(
                f"{p}.bridge_mac",
                spec.bridge_mac,
                "a bridged network's bridge takes over the uplink's MAC (host.mac); remove it",
            )
        if self.answers.situation.uplink == "wireless":
            self.error(
                f"{p}.type",
                spec.type,
                "a wireless uplink cannot be bridged (situation.uplink is 'wireless'); "
                "use a routed or NAT network",
            )
        uplink = spec.uplink or h.uplink_interface
        if spec.uplink:
            self.add(check_ifname(f"{p}.uplink", spec.uplink))
        if not uplink:
            self.error(
                "host.uplink_interface",
                h.uplink_interface,
                f"a bridged network ({p}) needs the Ethernet device to enslave",
            )
        elif h.wireless_interface and uplink == h.wireless_interface:
            field = f"{p}.uplink" if spec.uplink else "host.uplink_interface"
            self.error(field, uplink, "is the wireless interface, which cannot join a bridge")
        if not h.mac:
            self.error(
                "host.mac",
                h.mac,
                f"a bridged network ({p}) needs the uplink's MAC address: the bridge keeps it",
            )
        elif not mac_syntax_problem(h.mac) and is_multicast_mac(h.mac) and not self.mac_warned:
            # The MAC is read from the card, so an odd first byte is most likely a
            # typo; only a bridge that takes it over is refused by the kernel.
            self.mac_warned = True
            self.warn(
                "host.mac",
                h.mac,
                "has the multicast bit set (odd first byte), which Linux refuses on the "
                "bridge that takes it over; check that it is the uplink's address",
            )
        if not h.ipv4:
            self.error(
                "host.ipv4",
                h.ipv4,
                f"a bridged network ({p}) moves the uplink's address onto the bridge; "
                "give it with its prefix",
            )

    def routed_or_nat(self, p: str, spec: NetworkSpec) -> _Subnets:
        if spec.uplink:
            self.warn(
                f"{p}.uplink", spec.uplink, "is ignored: only bridged networks enslave a device"
            )
        if spec.is_libvirt and self.answers.situation.firewall == "manual":
            self.warn(
                f"{p}.type",
                spec.type,
                "libvirt inserts its own iptables rules for this type, yet "
                "situation.firewall is 'manual'; custom-routed or custom-nat leave "
                "the firewall to you",
            )
        if not spec.ipv4 and not spec.ipv6:
            self.error(
                f"{p}.ipv4",
                spec.ipv4,
                f"a {spec.type} network needs an IPv4 subnet (ipv4) or an IPv6 subnet (ipv6)",
            )
        v4 = self.vm_ipv4(p, spec)
        v6 = self.vm_ipv6(p, spec)
        mac_ok = spec.bridge_mac and self.add(check_mac(f"{p}.bridge_mac", spec.bridge_mac))
        if mac_ok and not spec.bridge_mac.lower().startswith(VIRTUAL_MAC_PREFIXES):
            self.warn(
                f"{p}.bridge_mac",
                spec.bridge_mac,
                "does not start with 52:54:00 (KVM) or 00:16:3e (Xen), the prefixes "
                "that mark a virtual interface's address",
            )
        if spec.public_ipv4:
            self.address(f"{p}.public_ipv4", spec.public_ipv4, 4)
        return _Subnets(v4, v6)

    def vm_ipv4(self, p: str, spec: NetworkSpec) -> IPv4Interface | None:
        v4: IPv4Interface | None = None
        if spec.ipv4:
            parsed = self.interface(f"{p}.ipv4", spec.ipv4, 4)
            if isinstance(parsed, IPv4Interface):
                v4 = self.vm_ipv4_prefix(p, spec, parsed)
        if spec.dhcp4 is None:
            return v4
        if not spec.ipv4:
            self.error(f"{p}.dhcp4", spec.dhcp4, f"DHCPv4 needs an IPv4 subnet in {p}.ipv4")
        elif v4 is not None:
            self.dhcp_range(f"{p}.dhcp4", spec.dhcp4, v4, 4)
        return v4

    def vm_ipv4_prefix(
        self, p: str, spec: NetworkSpec, parsed: IPv4Interface
    ) -> IPv4Interface | None:
        net = parsed.network
        low, high = VM_PREFIX4
        if net.prefixlen > high:
            self.error(
                f"{p}.ipv4",
                spec.ipv4,
                f"a /{net.prefixlen} leaves no address for VMs; "
                f"use a prefix from /{low} to /{high}",
            )
            return None
        if net.prefixlen < low:
            self.error(
                f"{p}.ipv4",
                spec.ipv4,
                f"a /{net.prefixlen} is larger than any VM subnet needs; "
                f"use a prefix from /{low} to /{high}",
            )
            return None
        if parsed.ip == net.broadcast_address:
            self.error(f"{p}.ipv4", spec.ipv4, f"is the broadcast address of {net}")
            return None
        # A routed subnet may give the host its network address so that every
        # other address goes to a VM, as when a /29 is sliced from a provider's
        # block. Behind NAT the addresses are free, and hosts expect .1 or so.
        if parsed.ip == net.network_address and spec.type not in _ROUTED4:
            self.error(
                f"{p}.ipv4",
                spec.ipv4,
                f"is the network address of {net}; give the host a usable address "
                f"such as {net.network_address + 1}/{net.prefixlen}",
            )
            return None
        return parsed

    def dhcp_range(
        self,
        field: str,
        pair: tuple[str, str],
        own: IPv4Interface | IPv6Interface,
        version: Version,
    ) -> None:
        """A ``[start, end]`` range inside ``own``'s subnet that skips ``own``'s address."""
        bounds: list[Address] = []
        for label, text in zip(("start", "end"), pair, strict=True):
            try:
                address = parse_address(text, version)
            except InvalidValue as exc:
                self.error(field, pair, f"{label} {text!r} {exc}")
                return
            net = own.network
            if address not in net:
                self.error(field, pair, f"{label} {address} is outside the subnet {net}")
                return
            if isinstance(net, IPv4Network) and address in (
                net.network_address,
                net.broadcast_address,
            ):
                self.error(
                    field, pair, f"{label} {address} is the network or broadcast address of {net}"
                )
                return
            bounds.append(address)
        start, end = bounds
        if int(start) > int(end):
            self.error(field, pair, f"start {start} comes after end {end}; swap them")
        elif _in_range(own.ip, start, end):
            self.error(
                field,
                pair,
                f"includes the host's own address {own.ip}; start the range after it "
                "or end it before it",
            )
        elif version == 4:
            size = int(end) - int(start) + 1
            vms = self.answers.situation.vms
            if size < vms:
                self.warn(
                    field,
                    pair,
                    f"holds {size} addresses, fewer than the {vms} VMs of situation.vms",
                )

    def vm_ipv6(self, p: str, spec: NetworkSpec) -> IPv6Interface | None:
        v6: IPv6Interface | None = None
        if spec.ipv6:
            parsed = self.interface(f"{p}.ipv6", spec.ipv6, 6)
            if isinstance(parsed, IPv6Interface):
                v6 = self.vm_ipv6_prefix(p, spec, parsed)
        if spec.ipv6 and spec.ipv6_mode == "dhcpv6" and spec.is_custom:
            found = version_tuple(self.host.dnsmasq_version)
            if found is not None and found < DNSMASQ_IPV6_MIN:
                self.error(
                    f"{p}.ipv6_mode",
                    spec.ipv6_mode,
                    "DHCPv6 needs dnsmasq 2.64 or later, and host.dnsmasq_version is "
                    f"{self.host.dnsmasq_version}; use 'slaac' or upgrade dnsmasq",
                )
        if spec.dhcp6 is None:
            return v6
        if not spec.ipv6:
            self.error(f"{p}.dhcp6", spec.dhcp6, f"DHCPv6 needs an IPv6 subnet in {p}.ipv6")
        elif spec.ipv6_mode != "dhcpv6":
            self.error(
                f"{p}.dhcp6",
                spec.dhcp6,
                f"a DHCPv6 range is used only with ipv6_mode = 'dhcpv6' "
                f"({p}.ipv6_mode is {spec.ipv6_mode!r})",
            )
        elif v6 is not None:
            self.dhcp_range(f"{p}.dhcp6", spec.dhcp6, v6, 6)
        return v6

    def vm_ipv6_prefix(
        self, p: str, spec: NetworkSpec, parsed: IPv6Interface
    ) -> IPv6Interface | None:
        prefix = parsed.network.prefixlen
        if parsed.ip.is_link_local or parsed.ip.is_multicast:
            self.error(
                f"{p}.ipv6",
                spec.ipv6,
                "must be a global or unique-local subnet, not link-local or multicast",
            )
            return None
        if prefix >= 127:
            self.error(f"{p}.ipv6", spec.ipv6, f"a /{prefix} leaves no address for VMs; use a /64")
            return None
        if prefix != 64 and spec.ipv6_mode == "slaac":
            self.error(
                f"{p}.ipv6",
                spec.ipv6,
                f"SLAAC works only on a /64 (VMs build addresses from a 64-bit prefix); "
                f"use a /64 instead of a /{prefix}",
            )
        elif prefix != 64:
            self.warn(
                f"{p}.ipv6",
                spec.ipv6,
                f"is a /{prefix}; VM subnets should be /64, which SLAAC and other IPv6 "
                "features assume",
            )
        return parsed

    def dhcp_hosts(self, p: str, spec: NetworkSpec, subnets: _Subnets) -> None:
        seen: dict[tuple[str, str], str] = {}
        for index, entry in enumerate(spec.dhcp_hosts):
            hp = f"{p}.dhcp_host[{index}]"
            if bool(entry.mac) == bool(entry.id):
                self.error(
                    hp,
                    None,
                    "give exactly one of mac (for an IPv4 lease) or id (a DUID, for an IPv6 lease)",
                )
                continue
            if entry.name:
                self.add(check_hostname(f"{hp}.name", entry.name))
            if entry.mac:
                self.add(check_mac(f"{hp}.mac", entry.mac))
                key, field = ("mac", entry.mac.lower()), f"{hp}.mac"
                own: IPv4Interface | IPv6Interface | None = subnets.v4
                version: Version = 4
                if spec.dhcp4 is None and spec.ipv4:
                    self.error(
                        f"{hp}.ip",
                        entry.ip,
                        f"fixed IPv4 leases are served by DHCPv4, which {p} does not run; "
                        f"set {p}.dhcp4",
                    )
            else:
                self.add(check_duid(f"{hp}.id", entry.id))
                key, field = ("id", entry.id.lower()), f"{hp}.id"
                own, version = subnets.v6, 6
                if spec.ipv6 and spec.ipv6_mode != "dhcpv6":
                    self.error(
                        f"{hp}.id",
                        entry.id,
                        f"a DUID lease needs {p}.ipv6_mode = 'dhcpv6'; SLAAC hands out no leases",
                    )
            if key in seen:
                self.error(field, key[1], f"is also used by {seen[key]}")
            seen.setdefault(key, hp)
            configured = bool(spec.ipv4 if version == 4 else spec.ipv6)
            address = self.lease_address(f"{hp}.ip", entry.ip, own, version, p, configured)
            if address is not None:
                ip_key = ("ip", str(address))
                if ip_key in seen:
                    self.error(f"{hp}.ip", entry.ip, f"is also used by {seen[ip_key]}")
                seen.setdefault(ip_key, hp)

    def lease_address(
        self,
        field: str,
        text: str,
        own: IPv4Interface | IPv6Interface | None,
        version: Version,
        p: str,
        configured: bool,
    ) -> Address | None:
        """An address a VM gets: inside ``own``'s subnet and not the host's.

        ``configured`` says whether the network sets that family's subnet at all.
        """
        address = self.address(field, text, version)
        if address is None:
            return None
        family = "ipv4" if version == 4 else "ipv6"
        if own is None:
            # An invalid subnet is reported on its own field; only a missing one
            # is news here.
            if not configured:
                self.error(field, text, f"{p} has no IPv{version} subnet ({p}.{family})")
            return None
        net = own.network
        if address not in net:
            self.error(field, text, f"is outside the network's subnet {net} ({p}.{family})")
        elif address == own.ip:
            self.error(field, text, f"is the host's own address on this network ({p}.{family})")
        elif isinstance(net, IPv4Network) and address in (
            net.network_address,
            net.broadcast_address,
        ):
            self.error(field, text, f"is the network or broadcast address of {net}")
        else:
            return address
        return None

    # -- port forwards -----------------------------------------------------------

    def forwards(
        self,
        index: int,
        spec: NetworkSpec,
        subnets: _Subnets,
        taken: dict[tuple[str, str, int], str],
    ) -> None:
        """Check port forwards; ``taken`` maps (listen address, proto, port) to its user."""
        p = f"network[{index}]"
        if not spec.forwards:
            return
        if spec.type != "custom-nat":
            if spec.type == "nat":
                reason = (
                    "libvirt's NAT network can forward ports only through a hook script, "
                    "which breaks easily; use a custom-nat network instead"
                )
            else:
                reason = (
                    f"a {spec.type} network gives VMs reachable addresses, so there is "
                    "nothing to forward; only custom-nat networks forward ports"
                )
            self.error(f"{p}.forward", None, reason)
            return
        host_ip = str(self.host4.ip) if self.host4 else ""
        listen = spec.public_ipv4 or host_ip
        on_host_address = not spec.public_ipv4 or spec.public_ipv4 == host_ip
        for number, forward in enumerate(spec.forwards):
            fp = f"{p}.forward[{number}]"
            self.add(check_port(f"{fp}.to_port", forward.to_port, allow_zero=True))
            if forward.to_port and len(forward.ports) > 1:
                self.error(
                    f"{fp}.to_port",
                    forward.to_port,
                    "a different port on the VM works only when one port is forwarded",
                )
            self.lease_address(f"{fp}.to", forward.to, subnets.v4, 4, p, bool(spec.ipv4))
            if not self.forward_ports(fp, forward.ports):
                continue
            for port in forward.ports:
                if forward.proto == "tcp" and port == self.host.ssh_port and on_host_address:
                    self.error(
                        f"{fp}.ports",
                        forward.ports,
                        f"forwarding tcp port {port} on the host's own address would cut "
                        "off SSH to the host (host.ssh_port)",
                    )
                key = (listen, forward.proto, port)
                if key in taken:
                    where = f" on {listen}" if listen else ""
                    self.error(
                        f"{fp}.ports",
                        forward.ports,
                        f"{forward.proto} port {port}{where} is already forwarded by {taken[key]}",
                    )
                taken.setdefault(key, fp)

    def forward_ports(self, fp: str, ports: tuple[int, ...]) -> bool:
        if not ports:
            self.error(f"{fp}.ports", ports, "must list at least one port")
            return False
        bad = [port for port in ports if not 1 <= port <= 65535]
        if bad:
            self.error(f"{fp}.ports", ports, f"port {bad[0]} is outside 1 to 65535")
            return False
        repeated = sorted({port for port in ports if ports.count(port) > 1})
        if repeated:
            self.error(f"{fp}.ports", ports, f"port {repeated[0]} is listed twice")
            return False
        return True

    # -- across networks ---------------------------------------------------------

    def unique(self, networks: tuple[NetworkSpec, ...]) -> None:
        names: dict[str, int] = {}
        bridges: dict[str, int] = {}
        for index, spec in enumerate(networks):
            if spec.name in names:
                self.error(
                    f"network[{index}].name",
                    spec.name,
                    f"is also used by network[{names[spec.name]}]",
                )
            if spec.bridge in bridges:
                self.error(
                    f"network[{index}].bridge",
                    spec.bridge,
                    f"is also used by network[{bridges[spec.bridge]}]",
                )
            names.setdefault(spec.name, index)
            bridges.setdefault(spec.bridge, index)

    def overlaps(self, networks: tuple[NetworkSpec, ...], parsed: list[_Subnets]) -> None:
        used = []
        for subnet in self.host.used_subnets:
            try:
                used.append(parse_interface(subnet).network)
            except InvalidValue:
                continue  # reported by host_facts
        earlier: list[tuple[str, Subnet]] = []
        for index, (spec, subnets) in enumerate(zip(networks, parsed, strict=True)):
            for family, own in (("ipv4", subnets.v4), ("ipv6", subnets.v6)):
                if own is None:
                    continue
                field = f"network[{index}].{family}"
                value = spec.ipv4 if family == "ipv4" else spec.ipv6
                net = own.network
                self.uplink_overlap(field, value, spec, net)
                for other_field, other in earlier:
                    if _overlaps(net, other):
                        self.error(field, value, f"overlaps {other} of {other_field}")
                for taken in used:
                    if _overlaps(net, taken):
                        self.error(
                            field,
                            value,
                            f"overlaps {taken}, already in use on the host (host.used_subnets)",
                        )
                earlier.append((field, net))

    def uplink_overlap(self, field: str, value: str, spec: NetworkSpec, net: Subnet) -> None:
        uplink = self.host4 if net.version == 4 else self.host6
        if uplink is None or net.version != uplink.version:
            return
        block = uplink.network
        if not _overlaps(net, block):
            return
        # A routed subnet may be a slice of the uplink's own block: a provider
        # routes the whole block to the server, which hands part of it to VMs.
        # That only works while the slice leaves out the host's own address and
        # its gateway. IPv6 is routed on every non-bridged type (no NAT66).
        gateway = self.gateway4 if net.version == 4 else self.gateway6
        routed = spec.type in _ROUTED4 or net.version == 6
        sliced = _subnet_of(net, block)
        keeps_host = uplink.ip not in net and (gateway is None or gateway not in net)
        if routed and sliced and keeps_host:
            return
        source = "host.ipv4" if net.version == 4 else "host.ipv6"
        if net == block:
            reason = f"is the uplink's own subnet ({source}); VMs need a subnet of their own"
        elif routed and sliced:
            reason = (
                f"is a slice of the uplink's block {block} ({source}) but holds the host's "
                "own address or its gateway; pick a slice that leaves both out"
            )
        else:
            reason = f"overlaps the uplink's subnet {block} ({source})"
        self.error(field, value, reason)

    def run(self) -> Findings:
        self.situation()
        self.host_facts()
        networks = self.answers.networks
        parsed = [self.network(index, spec) for index, spec in enumerate(networks)]
        taken: dict[tuple[str, str, int], str] = {}
        for index, (spec, subnets) in enumerate(zip(networks, parsed, strict=True)):
            self.forwards(index, spec, subnets, taken)
        self.unique(networks)
        self.overlaps(networks, parsed)
        return Findings(tuple(self.errors), tuple(self.warnings))


def check_answers(answers: Answers) -> Findings:
    """Every error and warning about ``answers``; pure, never raises for bad values."""
    return _Checker(answers).run()


def require_valid(answers: Answers) -> tuple[FieldWarning, ...]:
    """The warnings about ``answers``.

    Raises:
        AnswersError: listing every error, when there is at least one.
    """
    findings = check_answers(answers)
    if findings.errors:
        raise AnswersError(findings.errors)
    return findings.warnings
