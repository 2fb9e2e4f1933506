"""The managed networks part of ``virtnet-wizard status``: live state, drift, history."""

from __future__ import annotations

from typing import Any

from virtnet_tui.core.changes.attach import DomainInfo
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.hosts.base import Host
from virtnet_tui.managed.drift import Drift, NetworkStatus, network_status

#: Fixed leases listed per network in the text report (all of them are in --json).
SHOWN_LEASES = 20


def _domains(host: Host, state: State) -> tuple[DomainInfo, ...] | None:
    """The VMs, when some network has attachments to check (None: not needed or unknown)."""
    if not any(n.attachments for n in state.networks):
        return None
    from virtnet_tui.managed.rerun import list_domains

    try:
        return list_domains(host)
    except Exception:  # libvirt down: attachments are then simply not checked
        return None


def network_statuses(host: Host, state: State) -> list[tuple[ManagedNetwork, NetworkStatus]]:
    """Every managed network with its live state (read-only)."""
    domains = _domains(host, state)
    return [(net, network_status(host, net, domains)) for net in state.networks]


def networks_json(pairs: list[tuple[ManagedNetwork, NetworkStatus]]) -> list[dict[str, Any]]:
    out = []
    for net, live in pairs:
        data = net.to_json()
        data["live"] = live.to_json()
        data["drift"] = [d.to_json() for d in live.drift]
        out.append(data)
    return out


def all_drift(pairs: list[tuple[ManagedNetwork, NetworkStatus]]) -> list[Drift]:
    return [d for _, live in pairs for d in live.drift]


def _flag(value: bool | None, yes: str, no: str) -> str:
    return "not checked" if value is None else (yes if value else no)


def networks_text(pairs: list[tuple[ManagedNetwork, NetworkStatus]]) -> list[str]:
    """The text report of the managed networks."""
    if not pairs:
        return ["No network is managed by virtnet-wizard here."]
    lines = ["Networks managed by virtnet-wizard:"]
    for net, live in pairs:
        spec = net.spec
        subnets = ", ".join(c for c in (spec.ipv4, spec.ipv6) if c)
        lines.append(
            f"  {spec.name}: {spec.type}, bridge {spec.bridge}"
            + (f", {subnets}" if subnets else "")
        )
        state: list[str] = []
        if spec.is_libvirt:
            state.append("libvirt " + _flag(live.libvirt_active, "active", "NOT active"))
            state.append(_flag(live.libvirt_autostart, "autostart", "no autostart"))
        state.append("bridge " + _flag(live.bridge_up, "up", "DOWN"))
        if spec.type != "bridged":
            state.append("dnsmasq " + _flag(live.dnsmasq_running, "running", "NOT running"))
            leases = "unknown" if live.leases is None else str(len(live.leases))
            state.append(f"leases {leases}")
        lines.append("    " + ", ".join(state))
        hosts = spec.dhcp_hosts
        if hosts:
            lines.append(f"    fixed leases ({len(hosts)}):")
            for h in hosts[:SHOWN_LEASES]:
                who = h.mac or f"id {h.id}"
                lines.append(f"      {who} -> {h.ip}" + (f" ({h.name})" if h.name else ""))
            if len(hosts) > SHOWN_LEASES:
                lines.append(
                    f"      ... and {len(hosts) - SHOWN_LEASES} more (status --json lists all)"
                )
        for fwd in spec.forwards:
            ports = ",".join(str(p) for p in fwd.ports)
            to = f"{fwd.to}:{fwd.to_port}" if fwd.to_port else fwd.to
            lines.append(f"    forward {fwd.proto} {ports} -> {to}")
        for a in net.attachments:
            lines.append(f"    VM {a.domain} attached ({a.mac}, run {a.run})")
        duids = [x for x in live.leases or () if x.duid]
        if duids:
            lines.append("    DHCPv6 clients (for dhcp-host --id):")
            lines += [
                f"      {x.duid} has {x.ip}" + (f" ({x.hostname})" if x.hostname else "")
                for x in duids
            ]
        changed = [r for r in net.runs if r != net.created_by]
        history = f"    made by run {net.created_by}"
        if changed:
            history += f"; changed by {len(changed)} run(s), last {changed[-1]}"
        lines.append(history)
        for d in live.drift:
            lines.append(f"    DRIFT {d.what}: {d.detail}")
        lines += [f"    ({note})" for note in live.notes]
    return lines
