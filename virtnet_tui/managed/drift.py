"""A managed network as the host has it right now, and where that differs from the state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from virtnet_tui.core.changes.attach import DomainInfo
from virtnet_tui.core.changes.dhcp import hostsfile_path
from virtnet_tui.core.changes.dhcp_entries import parse_hostsfile, parse_network_dhcp
from virtnet_tui.core.changes.managed import ManagedNetwork
from virtnet_tui.core.changes.records import host_key
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.core.plan import Check
from virtnet_tui.hosts.base import Host

DNSMASQ_ROOT = "/var/lib/dnsmasq"
PID_DIR = "/var/run/dnsmasq"
#: Where libvirtd keeps the pid of a network's dnsmasq.
LIBVIRT_PID_DIR = "/run/libvirt/network"


@dataclass(frozen=True)
class Drift:
    """One way the host differs from what the wizard recorded."""

    network: str
    what: str
    """A short code: ``libvirt-missing``, ``inactive``, ``bridge-missing``, ``dnsmasq-stopped``,
    ``dhcp-host-missing``, ``dhcp-host-changed``, ``dhcp-host-unrecorded``, ``file-missing``,
    ``attachment-moved``, ``incomplete``."""
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"network": self.network, "what": self.what, "detail": self.detail}


@dataclass(frozen=True)
class Lease:
    """A lease the network's DHCP server handed out (dynamic or fixed)."""

    ip: str
    mac: str = ""
    duid: str = ""
    """The client's DUID (IPv6): what ``dhcp-host add --id`` takes."""
    hostname: str = ""
    expiry: int = 0
    """Seconds since the epoch; 0 for an infinite lease."""

    def to_json(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "mac": self.mac,
            "duid": self.duid,
            "hostname": self.hostname,
            "expiry": self.expiry,
        }


@dataclass(frozen=True)
class NetworkStatus:
    """The live state of one managed network. ``None`` means "not known here"."""

    name: str
    type: str
    bridge: str
    libvirt_active: bool | None = None
    libvirt_autostart: bool | None = None
    bridge_up: bool | None = None
    dnsmasq_running: bool | None = None
    leases: tuple[Lease, ...] | None = None
    drift: tuple[Drift, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "libvirt_active": self.libvirt_active,
            "libvirt_autostart": self.libvirt_autostart,
            "bridge_up": self.bridge_up,
            "dnsmasq_running": self.dnsmasq_running,
            "leases": None if self.leases is None else [x.to_json() for x in self.leases],
            "lease_count": None if self.leases is None else len(self.leases),
            "notes": list(self.notes),
        }


def parse_dnsmasq_leases(text: str) -> tuple[Lease, ...]:
    """dnsmasq's leases file: IPv4 lines ``expiry mac ip name clientid``; after a
    ``duid SERVER-DUID`` line, IPv6 lines ``expiry iaid ip name client-duid``."""
    out: list[Lease] = []
    ipv6 = False
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "duid":
            ipv6 = True
            continue
        if len(parts) < 4:
            continue
        try:
            expiry = int(parts[0])
        except ValueError:
            continue
        name = "" if parts[3] == "*" else parts[3]
        client = parts[4] if len(parts) > 4 and parts[4] != "*" else ""
        if ipv6:
            out.append(Lease(ip=parts[2], duid=client, hostname=name, expiry=expiry))
        else:
            out.append(Lease(ip=parts[2], mac=parts[1], hostname=name, expiry=expiry))
    return tuple(out)


def _libvirt_leases(net: Any) -> tuple[Lease, ...] | None:
    import libvirt

    try:
        raw = net.DHCPLeases()
    except libvirt.libvirtError:
        return None  # the test driver has no leases
    out = []
    for entry in raw:
        ipv6 = entry.get("type") == libvirt.VIR_IP_ADDR_TYPE_IPV6
        out.append(
            Lease(
                ip=str(entry.get("ipaddr", "")),
                mac=str(entry.get("mac") or ""),
                duid=str(entry.get("clientid") or "") if ipv6 else "",
                hostname=str(entry.get("hostname") or ""),
                expiry=int(entry.get("expirytime") or 0),
            )
        )
    return tuple(out)


def compare_leases(
    name: str, recorded: Sequence[DhcpHost], live: Sequence[DhcpHost], where: str
) -> list[Drift]:
    """Fixed leases the state records but ``where`` lacks or has otherwise, and the reverse."""
    drift: list[Drift] = []
    found = {host_key(h): h for h in live}
    for host in recorded:
        have = found.get(host_key(host))
        who = host.mac or f"DUID {host.id}"
        if have is None:
            drift.append(Drift(name, "dhcp-host-missing", f"{who} -> {host.ip} is not in {where}"))
        elif have.ip != host.ip:
            drift.append(
                Drift(name, "dhcp-host-changed", f"{who} is {have.ip} in {where}, not {host.ip}")
            )
    keys = {host_key(h) for h in recorded}
    for host in live:
        if host_key(host) not in keys:
            who = host.mac or (f"DUID {host.id}" if host.id else host.name)
            drift.append(
                Drift(
                    name,
                    "dhcp-host-unrecorded",
                    f"{who} -> {host.ip} in {where} was not added by the wizard",
                )
            )
    return drift


def _check(host: Host, check: Check) -> tuple[bool, str]:
    from virtnet_tui.executor.stage_checks import CHECKERS

    try:
        return CHECKERS[check.what](host, check)
    except Exception as exc:  # a check that cannot run says so; status goes on
        return False, f"{type(exc).__name__}: {exc}"


def network_status(
    host: Host, net: ManagedNetwork, domains: Sequence[DomainInfo] | None = None
) -> NetworkStatus:
    """Read the host (read-only) for one managed network and list its drift."""
    spec = net.spec
    drift: list[Drift] = []
    notes: list[str] = []
    values: dict[str, Any] = {}
    if not net.complete:
        drift.append(
            Drift(
                net.name,
                "incomplete",
                f"only part of run {net.created_by} is in place (see the run list)",
            )
        )
    if spec.is_libvirt:
        _libvirt_status(host, net, drift, values)
    elif spec.is_custom:
        _custom_status(host, net, drift, values, check_processes=host.runs_commands)
    if not host.runs_commands:
        notes.append("links and processes are not checked in a sandbox")
    else:
        up, detail = _check(host, Check("link-up", spec.bridge))
        values["bridge_up"] = up
        if not up:
            code = "bridge-missing" if "no link" in detail else "bridge-down"
            drift.append(Drift(net.name, code, f"bridge {spec.bridge}: {detail}"))
        if spec.type == "bridged" and spec.uplink:
            ok, detail = _check(host, Check("bridge-port", spec.bridge, spec.uplink))
            if not ok:
                drift.append(Drift(net.name, "uplink-detached", detail))
    if domains is not None:
        drift += _attachments(net, domains)
    return NetworkStatus(
        name=net.name,
        type=spec.type,
        bridge=spec.bridge,
        drift=tuple(drift),
        notes=tuple(notes),
        **values,
    )


def _libvirt_status(
    host: Host, net: ManagedNetwork, drift: list[Drift], values: dict[str, Any]
) -> None:
    import libvirt

    from virtnet_tui.executor.steps import quiet_libvirt

    quiet_libvirt()
    try:
        conn = host.connect_libvirt()
    except libvirt.libvirtError as exc:
        drift.append(Drift(net.name, "libvirt-unreachable", str(exc)))
        return
    try:
        try:
            lv = conn.networkLookupByName(net.name)
        except libvirt.libvirtError:
            drift.append(Drift(net.name, "libvirt-missing", f"libvirt has no network {net.name}"))
            values.update(libvirt_active=False, libvirt_autostart=False)
            return
        active = bool(lv.isActive())
        values.update(libvirt_active=active, libvirt_autostart=bool(lv.autostart()))
        if not active:
            drift.append(Drift(net.name, "inactive", f"libvirt network {net.name} is not running"))
        if not values["libvirt_autostart"]:
            drift.append(Drift(net.name, "autostart-off", f"{net.name} does not start at boot"))
        live = parse_network_dhcp(lv.XMLDesc(0)).leases
        drift += compare_leases(net.name, net.spec.dhcp_hosts, live, "the live definition")
        try:
            persistent = parse_network_dhcp(lv.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)).leases
        except libvirt.libvirtError:
            persistent = live  # the test driver keeps one definition only
        if persistent != live:
            drift += compare_leases(
                net.name, net.spec.dhcp_hosts, persistent, "the persistent definition"
            )
        if active:
            values["leases"] = _libvirt_leases(lv)
            if host.runs_commands:
                pidfile = f"{LIBVIRT_PID_DIR}/{net.name}.pid"
                running, _ = _check(host, Check("process", "dnsmasq", pidfile))
                values["dnsmasq_running"] = running
                if not running:
                    drift.append(
                        Drift(net.name, "dnsmasq-stopped", f"no dnsmasq runs for {net.name}")
                    )
    finally:
        conn.close()


def _custom_status(
    host: Host,
    net: ManagedNetwork,
    drift: list[Drift],
    values: dict[str, Any],
    *,
    check_processes: bool,
) -> None:
    # Imported here: the renderer loads netaddr, which the status of a libvirt network
    # never needs.
    from virtnet_tui.core.render.firewall_files import firewall_files

    spec = net.spec
    br = spec.bridge
    conf = f"{DNSMASQ_ROOT}/{br}/dnsmasq.conf"
    if not host.exists(conf):
        drift.append(Drift(net.name, "file-missing", f"{conf} is missing"))
    for rules in firewall_files(spec, net.facts):
        if not host.exists(rules):
            drift.append(Drift(net.name, "file-missing", f"{rules} is missing"))
    hosts_text = host.read_text(hostsfile_path(br))
    if hosts_text is None:
        drift.append(Drift(net.name, "file-missing", f"{hostsfile_path(br)} is missing"))
        hosts_text = ""
    drift += compare_leases(
        net.name, spec.dhcp_hosts, parse_hostsfile(hosts_text), hostsfile_path(br)
    )
    leases_text = host.read_text(f"{DNSMASQ_ROOT}/{br}/leases")
    values["leases"] = None if leases_text is None else parse_dnsmasq_leases(leases_text)
    if check_processes:
        if net.facts.systemd:
            check = Check("process", "dnsmasq", conf)
        else:
            check = Check("process", "dnsmasq", f"{PID_DIR}/{br}.pid")
        running, detail = _check(host, check)
        values["dnsmasq_running"] = running
        if not running:
            drift.append(Drift(net.name, "dnsmasq-stopped", f"dnsmasq for {br}: {detail}"))


def _attachments(net: ManagedNetwork, domains: Sequence[DomainInfo]) -> list[Drift]:
    drift = []
    spec = net.spec
    wanted = ("network", spec.name) if spec.is_libvirt else ("bridge", spec.bridge)
    for attached in net.attachments:
        domain = next((d for d in domains if d.name == attached.domain), None)
        iface = None
        if domain is not None:
            iface = next((i for i in domain.interfaces if i.mac == attached.mac), None)
        if iface is None:
            drift.append(
                Drift(
                    net.name,
                    "attachment-moved",
                    f"VM {attached.domain} has no interface {attached.mac}",
                )
            )
        elif (iface.type, iface.source) != wanted:
            drift.append(
                Drift(
                    net.name,
                    "attachment-moved",
                    f"interface {attached.mac} of {attached.domain} "
                    f"is on {iface.type} {iface.source}",
                )
            )
    return drift
