"""What one re-run changed, kept in its run folder and folded into the state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from virtnet_tui.core.changes.managed import (
    Attachment,
    ManagedNetwork,
    State,
    dhcp_host_from_json,
    dhcp_host_to_json,
    facts_from_json,
    facts_to_json,
    forward_from_json,
    forward_to_json,
    spec_from_json,
    spec_to_json,
)
from virtnet_tui.core.model import DhcpHost, HostFacts, NetworkSpec, PortForward

DhcpAction = Literal["add", "modify", "delete"]
ForwardAction = Literal["add", "remove"]


@dataclass(frozen=True)
class DhcpChange:
    """A fixed lease added, changed or deleted."""

    action: DhcpAction
    network: str
    host: DhcpHost
    """The entry as it is after the change (for a delete: the entry removed)."""
    old: DhcpHost | None = None
    """The entry before a modify or delete."""
    kind: Literal["dhcp-host"] = "dhcp-host"


@dataclass(frozen=True)
class ForwardChange:
    """One port forward added or removed."""

    action: ForwardAction
    network: str
    forward: PortForward
    """A forward of exactly one port."""
    kind: Literal["forward"] = "forward"


@dataclass(frozen=True)
class AttachChange:
    """A VM interface moved to (or added on) a network, keeping its MAC."""

    network: str
    domain: str
    mac: str
    previous: str = ""
    """Where the interface was before (``network default``, ``bridge br0``); "" if new."""
    kind: Literal["attach"] = "attach"


@dataclass(frozen=True)
class NetworksChange:
    """Networks created by a run of the full wizard (its completed answers)."""

    networks: tuple[NetworkSpec, ...]
    facts: HostFacts
    kind: Literal["networks"] = "networks"


Change = DhcpChange | ForwardChange | AttachChange | NetworksChange


def host_key(host: DhcpHost) -> tuple[str, str]:
    """What identifies a fixed lease: the MAC (IPv4) or the DUID (IPv6), lower case.

    An entry written by hand may name only a host name; that name is its key then.
    """
    if host.mac:
        return ("mac", host.mac.lower())
    if host.id:
        return ("id", host.id.lower())
    return ("name", host.name.lower())


# --- specs after a change --------------------------------------------------------------------


def spec_with_dhcp(spec: NetworkSpec, change: DhcpChange) -> NetworkSpec:
    key = host_key(change.old or change.host)
    kept = tuple(h for h in spec.dhcp_hosts if host_key(h) != key)
    if change.action == "delete":
        return replace(spec, dhcp_hosts=kept)
    if change.action == "modify" and len(kept) < len(spec.dhcp_hosts):
        # Keep the entry where it was, so the state lists leases in a stable order.
        hosts = tuple(change.host if host_key(h) == key else h for h in spec.dhcp_hosts)
        return replace(spec, dhcp_hosts=hosts)
    return replace(spec, dhcp_hosts=(*kept, change.host))


def spec_with_forward(spec: NetworkSpec, change: ForwardChange) -> NetworkSpec:
    fwd = change.forward
    if change.action == "add":
        return replace(spec, forwards=(*spec.forwards, fwd))
    kept: list[PortForward] = []
    for other in spec.forwards:
        if other.proto == fwd.proto and set(fwd.ports) & set(other.ports):
            ports = tuple(p for p in other.ports if p not in fwd.ports)
            if ports:
                kept.append(replace(other, ports=ports))
        else:
            kept.append(other)
    return replace(spec, forwards=tuple(kept))


# --- folding into the state --------------------------------------------------------------------


def fold_change(
    state: State,
    change: Change,
    run_id: str,
    in_place: Mapping[str, bool] | None = None,
) -> State:
    """The state after run ``run_id`` made ``change``.

    Args:
        in_place: for a ``NetworksChange``, which of its networks the run left in
            place (name -> complete); networks not listed are left out. ``None``: all.
    """
    if isinstance(change, NetworksChange):
        for spec in change.networks:
            if in_place is not None and spec.name not in in_place:
                continue
            complete = True if in_place is None else in_place[spec.name]
            net = ManagedNetwork(spec, change.facts, run_id, (run_id,), complete)
            state = state.with_network(net)
        return state
    current = state.network(change.network)
    if current is None:
        # The network was made outside the wizard's records; nothing to fold into.
        return state
    if isinstance(change, DhcpChange):
        return state.with_network(current.changed_by(run_id, spec_with_dhcp(current.spec, change)))
    if isinstance(change, ForwardChange):
        return state.with_network(
            current.changed_by(run_id, spec_with_forward(current.spec, change))
        )
    state = _detach(state, change.mac)
    current = state.network(change.network) or current
    attached = replace(
        current.changed_by(run_id),
        attachments=(*current.attachments, Attachment(change.domain, change.mac.lower(), run_id)),
    )
    return state.with_network(attached)


def _detach(state: State, mac: str) -> State:
    """The state without any record of ``mac`` being attached (it is moving)."""
    for net in state.networks:
        left = tuple(a for a in net.attachments if a.mac != mac.lower())
        if len(left) != len(net.attachments):
            state = state.with_network(replace(net, attachments=left))
    return state


# --- JSON --------------------------------------------------------------------------------------


def change_to_json(change: Change) -> dict[str, Any]:
    if isinstance(change, DhcpChange):
        return {
            "kind": change.kind,
            "action": change.action,
            "network": change.network,
            "host": dhcp_host_to_json(change.host),
            "old": dhcp_host_to_json(change.old) if change.old else None,
        }
    if isinstance(change, ForwardChange):
        return {
            "kind": change.kind,
            "action": change.action,
            "network": change.network,
            "forward": forward_to_json(change.forward),
        }
    if isinstance(change, AttachChange):
        return {
            "kind": change.kind,
            "network": change.network,
            "domain": change.domain,
            "mac": change.mac,
            "previous": change.previous,
        }
    return {
        "kind": change.kind,
        "networks": [spec_to_json(s) for s in change.networks],
        "host": facts_to_json(change.facts),
    }


def change_from_json(data: Mapping[str, Any]) -> Change:
    """The inverse of ``change_to_json``.

    Raises:
        ValueError: an unknown kind of change.
        KeyError: a field is missing.
    """
    kind = data.get("kind")
    if kind == "dhcp-host":
        old = data.get("old")
        return DhcpChange(
            action=data["action"],
            network=str(data["network"]),
            host=dhcp_host_from_json(data["host"]),
            old=dhcp_host_from_json(old) if old else None,
        )
    if kind == "forward":
        return ForwardChange(
            action=data["action"],
            network=str(data["network"]),
            forward=forward_from_json(data["forward"]),
        )
    if kind == "attach":
        return AttachChange(
            network=str(data["network"]),
            domain=str(data["domain"]),
            mac=str(data["mac"]),
            previous=str(data.get("previous", "")),
        )
    if kind == "networks":
        return NetworksChange(
            networks=tuple(spec_from_json(s) for s in data.get("networks", ())),
            facts=facts_from_json(data.get("host", {})),
        )
    raise ValueError(f"unknown change kind {kind!r}")
