"""Adding, changing and deleting one fixed DHCP lease, checked and planned as its own run."""

# libvirt networks change through ``net-update`` (live, and in the persistent
# definition), custom ones through their dnsmasq hostsfile and a SIGHUP to that
# dnsmasq only; neither restarts the network.

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import Literal

from virtnet_tui.core.changes.common import (
    PlannedChange,
    dnsmasq_hup_argv,
    managed_network,
    refuse,
    refuse_all,
)
from virtnet_tui.core.changes.dhcp_entries import NetworkDhcp, edit_hostsfile, host_xml
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.changes.records import DhcpAction, DhcpChange, host_key
from virtnet_tui.core.errors import FieldError
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.core.plan import CommandStep, FileStep, LibvirtStep, Plan, Stage, Step
from virtnet_tui.core.validate.fields import check_address, check_duid, check_hostname, check_mac

#: dnsmasq's per-bridge files (``render.dnsmasq.dnsmasq_paths``), spelled out to keep
#: this import light; a test checks they agree.
DNSMASQ_ROOT = "/var/lib/dnsmasq"
SECTION = "ip-dhcp-host"


def hostsfile_path(bridge: str) -> str:
    return f"{DNSMASQ_ROOT}/{bridge}/hostsfile"


@dataclass(frozen=True)
class DhcpRequest:
    """``dhcp-host add|modify|delete`` as the operator asked for it."""

    action: DhcpAction
    network: str
    mac: str = ""
    id: str = ""
    """The client's DUID, for an IPv6 lease."""
    ip: str = ""
    name: str = ""


@dataclass(frozen=True)
class LiveLeases:
    """The fixed leases one network has on the host right now."""

    hosts: tuple[DhcpHost, ...]
    definition: NetworkDhcp | None = None
    """libvirt networks: the DHCP parts of the running definition."""
    hostsfile: str | None = None
    """Custom networks: the hostsfile's text (``None`` when it is missing)."""
    active: bool = True


def _key_option(req: DhcpRequest) -> tuple[str, str]:
    return ("--mac", req.mac) if req.mac else ("--id", req.id)


def _describe(host: DhcpHost) -> str:
    who = host.mac or f"DUID {host.id}"
    name = f" ({host.name})" if host.name else ""
    return f"{who}{name} -> {host.ip}"


def check_request(net: ManagedNetwork, req: DhcpRequest) -> None:
    """Field by field: syntax, and whether the network can serve such a lease at all."""
    spec = net.spec
    if spec.type == "bridged":
        refuse(
            "--network",
            req.network,
            "is a bridged network: its VMs get addresses from the LAN's DHCP server, "
            "not from one the wizard runs",
        )
    if bool(req.mac) == bool(req.id):
        refuse("--mac", None, "give --mac (an IPv4 lease) or --id (a DUID, for IPv6), not both")
    errors: list[FieldError | None] = []
    if req.mac:
        errors.append(check_mac("--mac", req.mac))
    else:
        errors.append(check_duid("--id", req.id))
    if req.name:
        errors.append(check_hostname("--name", req.name))
    version: Literal[4, 6] = 4 if req.mac else 6
    if req.action != "delete" and not req.ip:
        errors.append(
            FieldError("--ip", None, f"missing; {req.action} needs the address to reserve")
        )
    elif req.ip:
        errors.append(check_address("--ip", req.ip, version=version))
    refuse_all(errors)
    if version == 4 and (not spec.ipv4 or spec.dhcp4 is None):
        refuse(
            "--mac",
            req.mac,
            f"network {spec.name} runs no DHCPv4 server (no ipv4 with a dhcp4 range), "
            "so it has no IPv4 leases to fix",
        )
    if version == 6 and (not spec.ipv6 or spec.ipv6_mode != "dhcpv6"):
        how = "has no IPv6 subnet" if not spec.ipv6 else f"uses ipv6_mode = {spec.ipv6_mode!r}"
        refuse(
            "--id",
            req.id,
            f"network {spec.name} {how}: a DUID lease needs DHCPv6 (ipv6_mode = 'dhcpv6')",
        )
    if req.ip:
        _check_in_subnet(net, req.ip, version)


def _check_in_subnet(net: ManagedNetwork, ip: str, version: int) -> None:
    spec = net.spec
    own = ipaddress.ip_interface(spec.ipv4 if version == 4 else spec.ipv6)
    address = ipaddress.ip_address(ip)
    family = "ipv4" if version == 4 else "ipv6"
    if address not in own.network:
        refuse("--ip", ip, f"is outside {spec.name}'s subnet {own.network} ({family})")
    if address == own.ip:
        refuse("--ip", ip, f"is the host's own address on {spec.name}")
    if isinstance(own.network, ipaddress.IPv4Network) and address in (
        own.network.network_address,
        own.network.broadcast_address,
    ):
        refuse("--ip", ip, f"is the network or broadcast address of {own.network}")


def resolve(
    net: ManagedNetwork, req: DhcpRequest, live: LiveLeases
) -> tuple[DhcpHost, DhcpHost | None]:
    """The entry after the change and the live entry it replaces (``None`` for an add).

    Checked against the host's live leases, not the state: they are what the change acts on.
    """
    option, value = _key_option(req)
    wanted = DhcpHost(ip=req.ip, mac=req.mac, id=req.id, name=req.name)
    key = host_key(wanted)
    existing = next((h for h in live.hosts if host_key(h) == key), None)
    name = net.name
    if req.action == "add" and existing is not None:
        refuse(
            option,
            value,
            f"already has a fixed lease on {name} ({existing.ip}); "
            "change it with `virtnet-wizard dhcp-host modify`",
        )
    if req.action != "add" and existing is None:
        refuse(option, value, f"has no fixed lease on {name}: nothing to {req.action}")
    if req.action == "delete":
        assert existing is not None
        if req.ip and ipaddress.ip_address(req.ip) != ipaddress.ip_address(existing.ip):
            refuse("--ip", req.ip, f"the lease of {value} on {name} is {existing.ip}, not {req.ip}")
        return existing, existing
    if existing is not None:
        # A modify keeps the name it had unless a new one is given, and the MAC or DUID
        # spelled as libvirt has it (its modify looks the entry up by that text).
        wanted = replace(wanted, mac=existing.mac, id=existing.id, name=req.name or existing.name)
        same_ip = ipaddress.ip_address(existing.ip) == ipaddress.ip_address(wanted.ip)
        if same_ip and existing.name == wanted.name:
            refuse("--ip", req.ip, f"{value} already has this lease on {name}: nothing to change")
    address = ipaddress.ip_address(wanted.ip)
    for other in live.hosts:
        if host_key(other) == key or not other.ip:
            continue
        try:
            taken = ipaddress.ip_address(other.ip) == address
        except ValueError:
            continue
        if taken:
            who = other.mac or (f"DUID {other.id}" if other.id else other.name)
            refuse("--ip", req.ip, f"is already reserved on {name} for {who}")
    return wanted, existing


def plan_dhcp_change(state: State, req: DhcpRequest, live: LiveLeases) -> PlannedChange:
    """Check ``req`` and plan it as one stage.

    Raises:
        AnswersError: the request is refused; each error names the option (``--mac``...).
    """
    net = managed_network(state, req.network)
    check_request(net, req)
    # libvirt and dnsmasq write MACs and DUIDs in lower case; so does the state.
    req = replace(req, mac=req.mac.lower(), id=req.id.lower())
    new, old = resolve(net, req, live)
    change = DhcpChange(req.action, net.name, new, old)
    if net.spec.is_libvirt:
        steps, notes = _libvirt_steps(net, req, new, old, live)
        after_undo: tuple[tuple[str, ...], ...] = ()
    else:
        steps, after_undo = _custom_steps(net, req, new, old, live)
        notes = ()
    verb = {"add": "Add", "modify": "Change", "delete": "Delete"}[req.action]
    shown = (
        _describe(new)
        if req.action != "modify" or old is None
        else (f"{_describe(old)} to {new.ip}" + (f" ({new.name})" if new.name else ""))
    )
    stage = Stage(
        name=f"{verb} the fixed lease {shown} on {net.name}",
        steps=steps,
        network=net.name,
        after_undo=after_undo,
    )
    summary = f"{verb} fixed lease {shown} on {net.name} ({_how(net)})"
    warnings = _stranded_forwards(net, new, old, req.action)
    return PlannedChange(Plan(stages=(stage,), notes=notes, warnings=warnings), change, summary)


def _stranded_forwards(
    net: ManagedNetwork, new: DhcpHost, old: DhcpHost | None, action: DhcpAction
) -> tuple[str, ...]:
    """A warning when port forwards go to the address the lease gives up.

    Forwards name an address, not a lease: a lease moved or deleted leaves them
    pointing where the VM no longer is (or where another VM may be given it).
    """
    if old is None or not old.ip:
        return ()
    gone = ipaddress.ip_address(old.ip)
    if action == "modify" and ipaddress.ip_address(new.ip) == gone:
        return ()
    ports = [
        f"{fwd.proto} {port}"
        for fwd in net.spec.forwards
        if _same_address(fwd.to, gone)
        for port in fwd.ports
    ]
    if not ports:
        return ()
    who = old.mac or f"DUID {old.id}"
    moved = f"moves to {new.ip}" if action == "modify" else "is deleted"
    follow = (
        f"remove them and add them again with --to {new.ip} (`virtnet-wizard forward`, "
        "or Port forwards in the wizard)"
        if action == "modify"
        else "remove them if nothing else should get them (`virtnet-wizard forward remove`)"
    )
    return (
        f"port forwards of {net.name} ({', '.join(ports)}) still go to {old.ip}: the lease of "
        f"{who} {moved}, and forwards do not follow it; {follow}",
    )


def _same_address(text: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(text) == address
    except ValueError:
        return False


def _how(net: ManagedNetwork) -> str:
    if net.spec.is_libvirt:
        return "virsh net-update, live and persistent, no restart"
    return f"{hostsfile_path(net.spec.bridge)} and SIGHUP to its dnsmasq, no restart"


def _update(
    net: ManagedNetwork, command: str, host: DhcpHost, parent: int, what: str
) -> LibvirtStep:
    return LibvirtStep(
        "net-update",
        net.name,
        xml=host_xml(host),
        command=command,  # type: ignore[arg-type]
        section=SECTION,
        parent_index=parent,
        description=f"{what} on {net.name} (live and persistent; the network keeps running)",
    )


def _libvirt_steps(
    net: ManagedNetwork,
    req: DhcpRequest,
    new: DhcpHost,
    old: DhcpHost | None,
    live: LiveLeases,
) -> tuple[tuple[Step, ...], tuple[str, ...]]:
    version = 4 if req.mac else 6
    parent = live.definition.parent_index(version) if live.definition else None
    if parent is None:
        refuse(
            "--network",
            net.name,
            f"libvirt's definition of {net.name} has no IPv{version} <ip> element to hold "
            "the lease (changed outside the wizard? see `virtnet-wizard status`)",
        )
    if req.action == "add":
        return (_update(net, "add-last", new, parent, f"add {_describe(new)}"),), ()
    assert old is not None
    if req.action == "delete":
        return (_update(net, "delete", old, parent, f"delete {_describe(old)}"),), ()
    if version == 4:
        return (_update(net, "modify", new, parent, f"change to {_describe(new)}"),), ()
    # libvirt's modify finds an entry by MAC or name, and a DUID lease has no MAC:
    # an IPv6 lease is changed by deleting the old entry and adding the new one.
    steps = (
        _update(net, "delete", old, parent, f"delete {_describe(old)}"),
        _update(net, "add-last", new, parent, f"add {_describe(new)}"),
    )
    return steps, (
        "The IPv6 lease is changed as a delete and an add: libvirt cannot "
        "modify a DUID entry in place.",
    )


def _hostsfile_line(host: DhcpHost) -> str:
    # Imported here: the renderer needs netaddr, which only custom networks pay for.
    from virtnet_tui.core.render.dnsmasq import render_dnsmasq_host_line

    return render_dnsmasq_host_line(host)


def _custom_steps(
    net: ManagedNetwork,
    req: DhcpRequest,
    new: DhcpHost,
    old: DhcpHost | None,
    live: LiveLeases,
) -> tuple[tuple[Step, ...], tuple[tuple[str, ...], ...]]:
    bridge = net.spec.bridge
    path = hostsfile_path(bridge)
    text = live.hostsfile or ""
    if req.action == "add":
        edited = edit_hostsfile(text, None, new, _hostsfile_line)
    elif req.action == "delete":
        edited = edit_hostsfile(text, old, None, _hostsfile_line)
    else:
        edited = edit_hostsfile(text, old, new, _hostsfile_line)
    hup = dnsmasq_hup_argv(bridge, net.facts.systemd)
    steps: tuple[Step, ...] = (
        FileStep(
            path,
            edited,
            # dnsmasq drops root and must still read the file on SIGHUP.
            mode=0o644,
            description=f"{req.action} {_describe(new)} in {path}",
        ),
        CommandStep(
            hup,
            description=f"make {bridge}'s dnsmasq reread {path} (SIGHUP; no restart)",
        ),
    )
    # After the old file is back, dnsmasq must read it again too.
    return steps, (hup,)
