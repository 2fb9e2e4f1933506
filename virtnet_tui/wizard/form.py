"""The wizard's form state: what the operator typed, turned into Answers by the core's functions.

Not a screen and free of Textual: the screens and the plain prompts both read and
write a ``WizardForm``. Values are kept as the text the operator typed, so that a
half-typed address survives going back a step; each conversion to the model
returns the model and the reasons, per field, why a text could not be used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, cast

from virtnet_tui.core.errors import AnswersError
from virtnet_tui.core.model import (
    Answers,
    DhcpHost,
    Firewall,
    HostFacts,
    Ipv6Mode,
    NetworkSpec,
    NetworkType,
    PortForward,
    Proto,
    Site,
    Situation,
    Uplink,
)
from virtnet_tui.wizard.questions import (
    BRIDGING_DEFAULT,
    HOST_QUESTIONS,
    LEASE_FIELDS,
    SITUATION_QUESTIONS,
    Question,
)

if TYPE_CHECKING:
    from virtnet_tui.core.advisor import NetworkChoice, Recommendation
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.planning import Prepared

Texts = dict[str, str]
Problems = dict[str, str]
"""Dotted field path (``network[0].ipv4``) -> the reason, in the core's words."""

SITUATION_KEYS = tuple(q.key for q in SITUATION_QUESTIONS)
HOST_KEYS = tuple(q.key for q in HOST_QUESTIONS)
_NUMBERS = frozenset(q.key for q in SITUATION_QUESTIONS if q.kind == "number")
_YESNO = frozenset(q.key for q in SITUATION_QUESTIONS if q.kind == "yesno")
_NETWORK_FIELD = re.compile(r"^network\[(\d+)\]\.(ipv4|ipv6)$")

DHCP_HOST_KEYS = tuple(f.key for f in LEASE_FIELDS)
_DHCP4_KEYS = ("dhcp4_start", "dhcp4_end")


def situation_texts(situation: Situation) -> Texts:
    """The situation as the texts the form shows."""
    out: Texts = {}
    for key in SITUATION_KEYS:
        value = getattr(situation, key)
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        else:
            out[key] = str(value)
    return out


def parse_situation(texts: Texts) -> tuple[Situation, Problems]:
    """The Situation the texts describe; numbers that are not numbers are reported."""
    values: dict[str, object] = {}
    problems: Problems = {}
    for key in SITUATION_KEYS:
        text = texts.get(key, "").strip()
        if key in _NUMBERS:
            if not re.fullmatch(r"-?[0-9]+", text):
                problems[f"situation.{key}"] = "must be a whole number"
                continue
            values[key] = int(text)
        elif key in _YESNO:
            values[key] = text == "yes"
        else:
            values[key] = text
    situation = Situation(
        site=cast(Site, values.get("site", "dedicated")),
        uplink=cast(Uplink, values.get("uplink", "ethernet")),
        public_ipv4=cast(int, values.get("public_ipv4", 1)),
        vms=cast(int, values.get("vms", 1)),
        bridging_allowed=cast(bool, values.get("bridging_allowed", False)),
        ipv6_prefix=cast(int, values.get("ipv6_prefix", 0)),
        inbound=cast(bool, values.get("inbound", False)),
        firewall=cast(Firewall, values.get("firewall", "libvirt")),
    )
    return situation, problems


def host_texts(facts: HostFacts) -> Texts:
    return {key: str(getattr(facts, key)) for key in HOST_KEYS}


def spec_texts(spec: NetworkSpec) -> Texts:
    """A network as the texts of its Parameters form."""
    dhcp4 = spec.dhcp4 or ("", "")
    dhcp6 = spec.dhcp6 or ("", "")
    return {
        "name": spec.name,
        "bridge": spec.bridge,
        "uplink": spec.uplink,
        "ipv4": spec.ipv4,
        "dhcp4_start": dhcp4[0],
        "dhcp4_end": dhcp4[1],
        "ipv6": spec.ipv6,
        "ipv6_mode": spec.ipv6_mode,
        "dhcp6_start": dhcp6[0],
        "dhcp6_end": dhcp6[1],
        "bridge_mac": spec.bridge_mac,
        "public_ipv4": spec.public_ipv4,
    }


def _range(texts: Texts, key: str, path: str, problems: Problems) -> tuple[str, str] | None:
    start, end = texts.get(f"{key}_start", "").strip(), texts.get(f"{key}_end", "").strip()
    if not start and not end:
        return None
    if not start or not end:
        problems[f"{path}.{key}"] = "give both the first and the last address of the range"
        return None
    return (start, end)


def _ports(text: str) -> tuple[int, ...] | None:
    parts = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    if not parts or not all(p.isdecimal() and p.isascii() for p in parts):
        return None
    return tuple(int(p) for p in parts)


@dataclass
class NetworkForm:
    """One network's Parameters form: its type and what the operator typed."""

    type: NetworkType
    texts: Texts
    dhcp_hosts: list[Texts] = field(default_factory=list)
    forwards: list[Texts] = field(default_factory=list)
    edited: set[str] = field(default_factory=set)
    """Keys the operator changed; a range he has not touched follows its subnet."""

    @classmethod
    def from_spec(cls, spec: NetworkSpec) -> NetworkForm:
        hosts = [{"mac": h.mac, "ip": h.ip, "name": h.name, "id": h.id} for h in spec.dhcp_hosts]
        forwards = [
            {
                "proto": f.proto,
                "ports": ", ".join(str(p) for p in f.ports),
                "to": f.to,
                "to_port": str(f.to_port),
            }
            for f in spec.forwards
        ]
        return cls(spec.type, spec_texts(spec), hosts, forwards)

    def set_text(self, key: str, value: str) -> tuple[str, ...]:
        """The operator set ``key`` to ``value``; returns the keys that followed it.

        While the DHCPv4 range is the one the wizard chose, it follows the IPv4 subnet
        (``defaults.default_range``): a subnet typed over the drafted one must not keep
        a range from the old subnet. A half-typed subnet leaves the range as it is.
        """
        if self.texts.get(key) == value:
            return ()
        self.texts[key] = value
        self.edited.add(key)
        if key != "ipv4" or self.edited & set(_DHCP4_KEYS):
            return ()
        from virtnet_tui.core.defaults import default_range
        from virtnet_tui.core.validate.fields import check_cidr

        if check_cidr("ipv4", value.strip(), version=4) is not None:
            return ()
        start, end = default_range(value.strip()) or ("", "")
        followed = tuple(
            k for k, v in zip(_DHCP4_KEYS, (start, end), strict=True) if self.texts.get(k) != v
        )
        self.texts.update(zip(_DHCP4_KEYS, (start, end), strict=True))
        return followed

    def add_lease(self) -> Texts:
        """A new, empty fixed lease at the end of the list, to be filled in."""
        row = {key: "" for key in DHCP_HOST_KEYS}
        self.dhcp_hosts.append(row)
        return row

    def add_forward(self) -> Texts:
        """A new port forward at the end of the list: tcp, to the same port."""
        row = {"proto": "tcp", "ports": "", "to": "", "to_port": "0"}
        self.forwards.append(row)
        return row

    def to_spec(self, index: int) -> tuple[NetworkSpec, Problems]:
        """The NetworkSpec these texts describe, and what could not be read."""
        path = f"network[{index}]"
        problems: Problems = {}
        t = {k: v.strip() for k, v in self.texts.items()}
        hosts = []
        for row in self.dhcp_hosts:
            r = {k: row.get(k, "").strip() for k in DHCP_HOST_KEYS}
            hosts.append(DhcpHost(ip=r["ip"], mac=r["mac"], id=r["id"], name=r["name"]))
        forwards = []
        for n, row in enumerate(self.forwards):
            fp = f"{path}.forward[{n}]"
            ports = _ports(row.get("ports", ""))
            if ports is None:
                problems[f"{fp}.ports"] = "must be port numbers separated by commas, like 80, 443"
                ports = ()
            to_port_text = row.get("to_port", "").strip() or "0"
            if not to_port_text.isdecimal():
                problems[f"{fp}.to_port"] = "must be a port number (0 keeps the same port)"
                to_port_text = "0"
            forwards.append(
                PortForward(
                    proto=cast(Proto, row.get("proto", "tcp")),
                    ports=ports,
                    to=row.get("to", "").strip(),
                    to_port=int(to_port_text),
                )
            )
        spec = NetworkSpec(
            type=self.type,
            name=t.get("name", ""),
            bridge=t.get("bridge", ""),
            ipv4=t.get("ipv4", ""),
            dhcp4=_range(t, "dhcp4", path, problems),
            ipv6=t.get("ipv6", ""),
            ipv6_mode=cast(Ipv6Mode, t.get("ipv6_mode", "none") or "none"),
            dhcp6=_range(t, "dhcp6", path, problems),
            bridge_mac=t.get("bridge_mac", ""),
            public_ipv4=t.get("public_ipv4", ""),
            dhcp_hosts=tuple(hosts),
            forwards=tuple(forwards),
            uplink=t.get("uplink", ""),
        )
        return spec, problems


def draft_networks(
    answers: Answers, choices: tuple[NetworkChoice, ...]
) -> tuple[tuple[NetworkSpec, ...], Problems]:
    """Safe defaults for ``choices`` from ``defaults.complete``, even where it cannot pick one.

    ``complete`` refuses to invent what only the operator knows (the block a provider
    routes to a dedicated server, an IPv6 block the host lacks). Such a field is left
    empty, with the core's reason as a note, and the rest is still filled in.
    """
    from virtnet_tui.core.advisor import Recommendation
    from virtnet_tui.core.defaults import complete

    notes: Problems = {}
    blank: dict[int, set[str]] = {}
    working = list(choices)
    situation = answers.situation
    for _ in range(2 * len(choices) + 2):
        rec = Recommendation(networks=tuple(working), reasons=(), alternatives=())
        try:
            done = complete(replace(answers, situation=situation, networks=()), rec)
        except AnswersError as exc:
            error = exc.errors[0]
            match = _NETWORK_FIELD.match(error.field)
            if match is None or error.field in notes:
                raise
            index, family = int(match[1]), match[2]
            notes[error.field] = error.reason
            blank.setdefault(index, set()).add(family)
            if family == "ipv4":
                # Only a routed IPv4 subnet on a dedicated server is refused: draft the
                # rest as a home lab would, then leave the subnet to the operator.
                situation = replace(situation, site="homelab")
            else:
                working[index] = replace(working[index], family="ipv4")
            continue
        specs = list(done.networks)
        for index, families in blank.items():
            spec = specs[index]
            wanted = choices[index].family
            if "ipv4" in families or wanted == "ipv6":
                spec = replace(spec, ipv4="", dhcp4=None)
            if "ipv6" in families:
                spec = replace(spec, ipv6="", ipv6_mode="slaac")
            specs[index] = spec
        return tuple(specs), notes
    raise RuntimeError("defaults kept failing on fields already noted")  # pragma: no cover


@dataclass
class WizardForm:
    """Everything the operator has answered so far, and what the host looks like."""

    facts: HostFacts = field(default_factory=HostFacts)
    """What the probe found (or the facts a test gave); the host questions edit a copy."""
    managed: State | None = None
    """The networks an earlier run of the wizard set up here (None: none known).

    Their names, bridges and subnets are taken for a new network, as ``apply`` takes
    them, even where the probe cannot see them (a bridge that is down, a sandbox).
    """
    probe_problems: tuple[str, ...] = ()
    situation: Texts = field(default_factory=lambda: situation_texts(Situation()))
    host: Texts = field(default_factory=lambda: host_texts(HostFacts()))
    recommendation: Recommendation | None = None
    choices: tuple[NetworkChoice, ...] = ()
    """The networks to set up: the recommendation's, or the operator's pick."""
    networks: list[NetworkForm] = field(default_factory=list)
    notes: Problems = field(default_factory=dict)
    """Why a default could not be chosen for a field (shown until the operator fills it)."""
    drafted_for: tuple[tuple[str, str], ...] = ()
    """The (type, family) list the network forms were drafted for."""
    prepared: Prepared | None = None
    """The plan the preview shows; set by ``prepare()``."""
    answered: set[str] = field(default_factory=set)
    """Situation keys the operator has answered (their defaults no longer follow others)."""

    def set_facts(self, facts: HostFacts, situation: Situation | None = None) -> None:
        """Take the probe's findings: the host questions and the situation start from them."""
        self.facts = facts
        self.host = host_texts(facts)
        if situation is not None:
            self.situation = situation_texts(situation)
            self._follow_site()

    def answer_situation(self, key: str, value: str) -> None:
        """The operator answered ``key``; defaults that depend on it follow."""
        self.situation[key] = value
        self.answered.add(key)
        if key == "site":
            self._follow_site()

    def _follow_site(self) -> None:
        # A provider usually refuses VMs' own MACs; a LAN of your own usually accepts them.
        if "bridging_allowed" not in self.answered:
            site = self.situation.get("site", "dedicated")
            self.situation["bridging_allowed"] = BRIDGING_DEFAULT.get(site, "no")

    def situation_questions(self) -> tuple[Question, ...]:
        """The situation questions worded for the site answered so far."""
        site = self.situation.get("site", "dedicated")
        return tuple(q.worded_for(site) for q in SITUATION_QUESTIONS)

    # --- situation and host ----------------------------------------------------------

    def host_facts(self) -> HostFacts:
        values = {key: self.host.get(key, "").strip() for key in HOST_KEYS}
        facts = replace(self.facts, **values)  # type: ignore[arg-type]
        if self.managed is None:
            return facts
        from virtnet_tui.managed.state import with_state_facts

        return with_state_facts(facts, self.managed)

    def base_answers(self) -> tuple[Answers, Problems]:
        """Situation and host, without networks; plus what could not be read."""
        situation, problems = parse_situation(self.situation)
        given = tuple(f.name for f in fields(HostFacts) if f.name != "files")
        return Answers(situation=situation, host=self.host_facts(), host_given=given), problems

    def situation_problems(self) -> tuple[Problems, Problems]:
        """Errors and warnings of the Situation screen's fields, in the core's words."""
        from virtnet_tui.core.validate.answers import check_answers

        answers, errors = self.base_answers()
        findings = check_answers(answers)
        shown = {f"situation.{k}" for k in SITUATION_KEYS} | {f"host.{k}" for k in HOST_KEYS}
        for error in findings.errors:
            if error.field in shown and error.field not in errors:
                errors[error.field] = error.reason
        warnings = {w.field: w.reason for w in findings.warnings if w.field in shown}
        return errors, warnings

    # --- recommendation --------------------------------------------------------------

    def recommend(self) -> Recommendation:
        """Ask the advisor; a changed recommendation replaces the operator's earlier pick."""
        from virtnet_tui.core.advisor import recommend

        answers, _ = self.base_answers()
        rec = recommend(answers.situation)
        if rec != self.recommendation:
            self.recommendation = rec
            self.choices = rec.networks
        return rec

    def choose(self, choices: tuple[NetworkChoice, ...]) -> None:
        self.choices = choices

    # --- parameters ------------------------------------------------------------------

    def draft(self) -> None:
        """Fill the network forms with safe defaults, unless they match the current choice."""
        wanted = tuple((c.type, c.family) for c in self.choices)
        if wanted == self.drafted_for and len(self.networks) == len(self.choices):
            return
        answers, _ = self.base_answers()
        specs, notes = draft_networks(answers, self.choices)
        self.networks = [NetworkForm.from_spec(spec) for spec in specs]
        self.notes = notes
        self.drafted_for = wanted

    def active_notes(self) -> Problems:
        """The notes on default-less fields that the operator has not filled in yet."""
        out: Problems = {}
        for path, reason in self.notes.items():
            match = _NETWORK_FIELD.match(path)
            if match is None or int(match[1]) >= len(self.networks):
                continue
            if not self.networks[int(match[1])].texts.get(match[2], "").strip():
                out[path] = reason
        return out

    def answers(self) -> tuple[Answers, Problems]:
        """The full answers, and the fields whose text could not be read."""
        answers, problems = self.base_answers()
        specs = []
        for index, form in enumerate(self.networks):
            spec, spec_problems = form.to_spec(index)
            specs.append(spec)
            problems.update(spec_problems)
        return replace(answers, networks=tuple(specs)), problems

    def problems(self) -> tuple[Problems, Problems]:
        """Every error and warning of the whole form, by field (first reason per field)."""
        from virtnet_tui.core.validate.answers import check_answers

        answers, errors = self.answers()
        findings = check_answers(answers)
        for error in findings.errors:
            errors.setdefault(error.field, error.reason)
        warnings: Problems = {}
        for warning in findings.warnings:
            warnings.setdefault(warning.field, warning.reason)
        return errors, warnings

    def prepare(self) -> Prepared:
        """The plan for the current answers (``planning.prepare``); kept for the preview."""
        from virtnet_tui.core.planning import prepare

        answers, problems = self.answers()
        if problems:
            from virtnet_tui.core.errors import FieldError

            raise AnswersError(FieldError(k, None, v) for k, v in problems.items())
        self.prepared = prepare(answers)
        return self.prepared
