"""Renders dnsmasq configuration for a custom routed or custom NAT network."""

from __future__ import annotations

from dataclasses import dataclass

import netaddr

from virtnet_tui.core.model import DhcpHost, HostFacts, NetworkSpec
from virtnet_tui.core.render.header import header
from virtnet_tui.core.versions import at_least

DNSMASQ_ROOT = "/var/lib/dnsmasq"
PID_DIR = "/var/run/dnsmasq"

#: The first dnsmasq release with ``bind-dynamic``; older ones need ``bind-interfaces``.
FIRST_WITH_BIND_DYNAMIC = "2.63"
#: The first dnsmasq release that sends router advertisements (SLAAC) and serves DHCPv6.
FIRST_WITH_RA = "2.64"

#: Lease limits the handbook uses: enough for a /22 of IPv4, more once DHCPv6 hands out leases.
DEFAULT_LEASE_MAX = 1000
DEFAULT_LEASE_MAX_DHCPV6 = 5000
#: dnsmasq reads ``dhcp-lease-max`` as a C int.
_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class DnsmasqPaths:
    """Where one bridge's dnsmasq keeps its files."""

    dir: str
    conf: str
    hostsfile: str
    leases: str
    pidfile: str
    """Used only when dnsmasq runs without systemd (the unit runs it in the foreground)."""


def dnsmasq_paths(bridge: str) -> DnsmasqPaths:
    """The files of the dnsmasq instance that serves ``bridge``."""
    base = f"{DNSMASQ_ROOT}/{bridge}"
    return DnsmasqPaths(
        dir=base,
        conf=f"{base}/dnsmasq.conf",
        hostsfile=f"{base}/hostsfile",
        leases=f"{base}/leases",
        pidfile=f"{PID_DIR}/{bridge}.pid",
    )


def dnsmasq_argv(bridge: str) -> tuple[str, ...]:
    """The command that starts the bridge's dnsmasq as a daemon, for hosts without systemd."""
    paths = dnsmasq_paths(bridge)
    return ("/usr/sbin/dnsmasq", f"--conf-file={paths.conf}", f"--pid-file={paths.pidfile}")


def has_bind_dynamic(version: str) -> bool:
    """Whether this dnsmasq knows ``bind-dynamic`` (2.63 and later; unknown counts as new)."""
    return at_least(version, FIRST_WITH_BIND_DYNAMIC)


def has_router_advertisements(version: str) -> bool:
    """Whether this dnsmasq can do SLAAC (``ra-only``) and DHCPv6 (2.64 and later)."""
    return at_least(version, FIRST_WITH_RA)


def dhcp6_range(spec: NetworkSpec) -> tuple[str, str]:
    """The DHCPv6 range of ``spec``: its own, or ``<prefix>::1000`` to ``<prefix>::1fff``."""
    if spec.dhcp6 is not None:
        return spec.dhcp6
    net = netaddr.IPNetwork(spec.ipv6).cidr
    return str(net.network + 0x1000), str(net.network + 0x1FFF)


def _range_size(first: str, last: str) -> int:
    return max(0, int(netaddr.IPAddress(last)) - int(netaddr.IPAddress(first)) + 1)


def lease_max(spec: NetworkSpec) -> int:
    """How many leases dnsmasq may hand out: the handbook's figure, raised to fit the ranges."""
    needed = 0
    default = DEFAULT_LEASE_MAX
    if spec.ipv4 and spec.dhcp4 is not None:
        needed += _range_size(*spec.dhcp4)
    if spec.ipv6 and spec.ipv6_mode == "dhcpv6":
        needed += _range_size(*dhcp6_range(spec))
        default = DEFAULT_LEASE_MAX_DHCPV6
    return min(max(default, needed), _INT_MAX)


def render_dnsmasq_conf(spec: NetworkSpec, facts: HostFacts) -> str:
    """The per-bridge configuration at ``/var/lib/dnsmasq/<bridge>/dnsmasq.conf``.

    Raises:
        ValueError: an address does not parse, or DHCPv6 is asked for but the host's
            dnsmasq is older than 2.64.
    """
    br = spec.bridge
    paths = dnsmasq_paths(br)
    try:
        v4 = netaddr.IPNetwork(spec.ipv4) if spec.ipv4 else None
        v6 = netaddr.IPNetwork(spec.ipv6) if spec.ipv6 else None
    except (netaddr.AddrFormatError, TypeError, ValueError) as err:
        raise ValueError(f"network {spec.name}: bad address: {err}") from err
    ra_capable = has_router_advertisements(facts.dnsmasq_version)
    if v6 is not None and spec.ipv6_mode == "dhcpv6" and not ra_capable:
        raise ValueError(
            f"network {spec.name}: DHCPv6 needs dnsmasq 2.64 or later, "
            f'the host has {facts.dnsmasq_version}; use ipv6_mode = "slaac" (radvd) instead'
        )

    out = [header(purpose=f"dnsmasq for bridge {br}: DHCP and DNS for the VMs on it.")]
    out.append("# Serve the bridge only, so that other dnsmasq instances keep their interfaces.")
    out.append("except-interface=lo")
    if has_bind_dynamic(facts.dnsmasq_version):
        out.append(f"interface={br}")
        out.append("bind-dynamic")
    else:
        out.append(f"# dnsmasq {facts.dnsmasq_version} predates bind-dynamic: listen on addresses.")
        out.append("bind-interfaces")
        out.extend(f"listen-address={net.ip}" for net in (v4, v6) if net is not None)

    dhcp = False
    if v4 is not None and spec.dhcp4 is not None:
        dhcp = True
        out.append("")
        out.append(f"# IPv4 addresses leased to VMs, inside {v4.cidr}.")
        out.append(f"dhcp-range={spec.dhcp4[0]},{spec.dhcp4[1]}")

    if v6 is not None and spec.ipv6_mode != "none":
        prefix = v6.cidr
        length = "" if prefix.prefixlen == 64 else f",{prefix.prefixlen}"
        out.append("")
        if spec.ipv6_mode == "slaac" and ra_capable:
            out.append("# VMs configure their IPv6 addresses from router advertisements (SLAAC).")
            out.append(f"dhcp-range={prefix.network},ra-only{length}")
        elif spec.ipv6_mode == "slaac":
            out.append(
                f"# dnsmasq {facts.dnsmasq_version} cannot send router advertisements: "
                "radvd does (/etc/radvd.conf)."
            )
        else:
            dhcp = True
            first, last = dhcp6_range(spec)
            out.append("# IPv6 addresses leased by DHCPv6; VMs must accept UDP port 546.")
            out.append(f"dhcp-range={first},{last}{length}")
            out.append("enable-ra")

    if dhcp:
        out.append("")
        out.append("# At least as many leases as the DHCP ranges hold.")
        out.append(f"dhcp-lease-max={lease_max(spec)}")

    out.append("")
    out.append(f"dhcp-leasefile={paths.leases}")
    out.append("# Fixed leases (MAC or DUID to address); dnsmasq rereads it on SIGHUP.")
    out.append(f"dhcp-hostsfile={paths.hostsfile}")
    out.append("# Keep the DHCP file and server fields for what they mean: old clients need it.")
    out.append("dhcp-no-override")
    out.append("# Ask upstream servers in the order resolv.conf lists them.")
    out.append("strict-order")
    return "\n".join(out) + "\n"


def render_dnsmasq_host_line(host: DhcpHost) -> str:
    """One ``dhcp-host`` entry in hostsfile syntax: ``[mac][,id:duid],ip[,name]``.

    IPv6 addresses are written in brackets, as dnsmasq requires.

    Raises:
        ValueError: the entry names neither a MAC nor a DUID, or its address is not an IP.
    """
    if not host.mac and not host.id:
        raise ValueError(f"DHCP host {host.ip}: give a MAC address (IPv4) or a DUID (IPv6)")
    try:
        addr = netaddr.IPAddress(host.ip)
        mac = netaddr.EUI(host.mac, dialect=netaddr.mac_unix_expanded) if host.mac else None
    except (netaddr.AddrFormatError, TypeError, ValueError) as err:
        raise ValueError(f"DHCP host {host.ip!r} {host.mac!r}: {err}") from err
    fields: list[str] = []
    if mac is not None:
        fields.append(str(mac))
    if host.id:
        fields.append(f"id:{host.id}")
    fields.append(f"[{addr}]" if addr.version == 6 else str(addr))
    if host.name:
        fields.append(host.name)
    return ",".join(fields)


def render_dnsmasq_hostsfile(spec: NetworkSpec) -> str:
    """The fixed leases of ``spec`` for ``dhcp-hostsfile``, one entry a line.

    No header: the file is a plain list that ``dhcp-host`` edits entry by entry.
    """
    return "".join(render_dnsmasq_host_line(h) + "\n" for h in spec.dhcp_hosts)


def render_system_dnsmasq_exclusion(bridge: str) -> str:
    """``/etc/dnsmasq.d/<bridge>.conf``: keeps a system-wide dnsmasq off the bridge."""
    return (
        header(purpose=f"Leaves {bridge} to its own dnsmasq instance.")
        + f"except-interface={bridge}\n"
        + "bind-interfaces\n"
    )
