"""What the wizard manages on a host: its networks with their history, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from virtnet_tui.core.model import DhcpHost, HostFacts, NetworkSpec, PortForward

#: Bumped when the state file's shape changes incompatibly.
STATE_VERSION = 1


@dataclass(frozen=True)
class Attachment:
    """A VM interface the wizard moved to (or added on) a network."""

    domain: str
    mac: str
    run: str


@dataclass(frozen=True)
class ManagedNetwork:
    """One network the wizard created, as the runs still in place left it."""

    spec: NetworkSpec
    facts: HostFacts
    """The host as the run that created the network saw it (renderers need it again)."""
    created_by: str = ""
    runs: tuple[str, ...] = ()
    """Every run still in place that made or changed the network, oldest first."""
    complete: bool = True
    """False when only some stages of the creating run are in place."""
    attachments: tuple[Attachment, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def changed_by(self, run_id: str, spec: NetworkSpec | None = None) -> ManagedNetwork:
        """This network after run ``run_id`` changed it (to ``spec`` when given)."""
        runs = self.runs if run_id in self.runs else (*self.runs, run_id)
        return replace(self, spec=spec or self.spec, runs=runs)

    def to_json(self) -> dict[str, Any]:
        out = spec_to_json(self.spec)
        out.update(
            {
                "created_by": self.created_by,
                "runs": list(self.runs),
                "complete": self.complete,
                "attachments": [
                    {"domain": a.domain, "mac": a.mac, "run": a.run} for a in self.attachments
                ],
                "host": facts_to_json(self.facts),
            }
        )
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ManagedNetwork:
        return cls(
            spec=spec_from_json(data),
            facts=facts_from_json(data.get("host", {})),
            created_by=str(data.get("created_by", "")),
            runs=tuple(str(r) for r in data.get("runs", ())),
            complete=bool(data.get("complete", True)),
            attachments=tuple(
                Attachment(str(a["domain"]), str(a["mac"]), str(a.get("run", "")))
                for a in data.get("attachments", ())
            ),
        )


@dataclass(frozen=True)
class State:
    """Every network the wizard manages on one host."""

    networks: tuple[ManagedNetwork, ...] = ()
    fingerprint: dict[str, Any] = field(default_factory=dict, compare=False)
    """Which runs the state accounts for (see ``virtnet_tui.managed.state``)."""

    def network(self, name: str) -> ManagedNetwork | None:
        return next((n for n in self.networks if n.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.networks)

    def with_network(self, net: ManagedNetwork) -> State:
        """The state with ``net`` added, or replacing the network of the same name."""
        others = [n for n in self.networks if n.name != net.name]
        position = next((i for i, n in enumerate(self.networks) if n.name == net.name), None)
        if position is None:
            others.append(net)
        else:
            others.insert(position, net)
        return replace(self, networks=tuple(others))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "fingerprint": dict(self.fingerprint),
            "networks": [n.to_json() for n in self.networks],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown state version {data.get('version')!r}")
        return cls(
            networks=tuple(ManagedNetwork.from_json(n) for n in data.get("networks", ())),
            fingerprint=dict(data.get("fingerprint", {})),
        )


# --- model objects as JSON ------------------------------------------------------------------


def dhcp_host_to_json(host: DhcpHost) -> dict[str, str]:
    return {"ip": host.ip, "mac": host.mac, "id": host.id, "name": host.name}


def dhcp_host_from_json(data: dict[str, Any]) -> DhcpHost:
    return DhcpHost(
        ip=str(data["ip"]),
        mac=str(data.get("mac", "")),
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
    )


def forward_to_json(fwd: PortForward) -> dict[str, Any]:
    return {"proto": fwd.proto, "ports": list(fwd.ports), "to": fwd.to, "to_port": fwd.to_port}


def forward_from_json(data: dict[str, Any]) -> PortForward:
    return PortForward(
        proto=data["proto"],
        ports=tuple(int(p) for p in data["ports"]),
        to=str(data["to"]),
        to_port=int(data.get("to_port", 0)),
    )


def spec_to_json(spec: NetworkSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type,
        "bridge": spec.bridge,
        "bridge_mac": spec.bridge_mac,
        "ipv4": spec.ipv4,
        "dhcp4": list(spec.dhcp4) if spec.dhcp4 else None,
        "ipv6": spec.ipv6,
        "ipv6_mode": spec.ipv6_mode,
        "dhcp6": list(spec.dhcp6) if spec.dhcp6 else None,
        "public_ipv4": spec.public_ipv4,
        "uplink": spec.uplink,
        "dhcp_hosts": [dhcp_host_to_json(h) for h in spec.dhcp_hosts],
        "forwards": [forward_to_json(f) for f in spec.forwards],
    }


def _pair(value: object) -> tuple[str, str] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return (str(value[0]), str(value[1]))
    return None


def spec_from_json(data: dict[str, Any]) -> NetworkSpec:
    return NetworkSpec(
        type=data["type"],
        name=str(data["name"]),
        bridge=str(data.get("bridge", data["name"])),
        ipv4=str(data.get("ipv4", "")),
        dhcp4=_pair(data.get("dhcp4")),
        ipv6=str(data.get("ipv6", "")),
        ipv6_mode=data.get("ipv6_mode", "none"),
        dhcp6=_pair(data.get("dhcp6")),
        bridge_mac=str(data.get("bridge_mac", "")),
        public_ipv4=str(data.get("public_ipv4", "")),
        dhcp_hosts=tuple(dhcp_host_from_json(h) for h in data.get("dhcp_hosts", ())),
        forwards=tuple(forward_from_json(f) for f in data.get("forwards", ())),
        uplink=str(data.get("uplink", "")),
    )


#: HostFacts fields kept in the state: everything but the probed file contents.
_FACT_FIELDS = tuple(f.name for f in fields(HostFacts) if f.name != "files")


def facts_to_json(facts: HostFacts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _FACT_FIELDS:
        value = getattr(facts, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def facts_from_json(data: dict[str, Any]) -> HostFacts:
    known: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in data.items()
        if name in _FACT_FIELDS
    }
    return HostFacts(**known)
