"""The screens' words for the core's field paths and the command line's options.

The core names a field by its path in the answers file (``network[1].ipv4``) and a
re-run refusal by the command-line option (``--mac``): right for the CLI, whose user
wrote those. The full-screen wizard and the plain prompts show the field's label
instead, as the screen shows it ("IPv4 subnet of network 2"). No Textual here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from virtnet_tui.core.errors import FieldError
from virtnet_tui.wizard.questions import (
    FORWARD_FIELDS,
    HOST_QUESTIONS,
    LEASE_FIELDS,
    NETWORK_FIELDS,
    SITUATION_QUESTIONS,
)

#: What the probe found and the Situation screen only mentions, by ``host.<key>``.
HOST_FACTS = {
    "mac": "the uplink's MAC address",
    "used_networks": "the libvirt networks already on the host",
    "used_bridges": "the links already on the host",
    "used_subnets": "the subnets already in use on the host",
    "ssh_port": "the host's SSH port",
    "kernel": "the host's kernel version",
    "distro": "the host's distribution",
    "distro_version": "the distribution's release",
    "netconfig": "the host's network stack (what configures the uplink)",
    "hostname": "the host name",
    "dnsmasq_version": "the dnsmasq version",
    "wireless_ipv4": "the wireless interface's IPv4 address",
    "wireless_ipv6": "the wireless interface's IPv6 address",
}

#: Each network stack as the operator knows it: what it is and where its files live.
STACK_NAMES = {
    "ifupdown": "ifupdown (/etc/network/interfaces)",
    "netplan": "netplan (/etc/netplan)",
    "networkd": "systemd-networkd (/etc/systemd/network)",
    "networkmanager": "NetworkManager (/etc/NetworkManager/system-connections)",
    "ifcfg": "ifcfg files (/etc/sysconfig/network-scripts)",
}

#: A network's keys that are not fields of the Parameters form.
NETWORK_PARTS = {
    "type": "type",
    "dhcp_host": "fixed DHCP leases",
    "forward": "port forwards",
}

#: The re-run forms' fields by the command-line option a refusal names; a form may
#: word its own (the port forward form says "To IP" for ``--to``).
OPTION_LABELS = {
    "--network": "Network",
    "--domain": "VM",
    "--mac": "MAC",
    "--id": "DUID",
    "--ip": "IP",
    "--name": "Name",
    "--proto": "Proto",
    "--port": "Port",
    "--to": "To IP",
    "--to-port": "To port",
}

#: Phrases of the core that point into the answers file, as the screens say them.
PHRASES = (
    ("set it in [[network]]", "type it in here"),
    ("[[network]]", "the network's fields"),
    # What the sentence names already, found by the probe: where it comes from is enough.
    ("(host.used_subnets)", "(found by the probe)"),
    ("(host.used_networks)", "(found by the probe)"),
    ("(host.used_bridges)", "(found by the probe)"),
    ("(host.mac)", "(found by the probe)"),
)

_PATH = (
    r"(?<![\w.\[-])(?:network\[\d+\](?:\.[a-z_0-9]+(?:\[\d+\])?)*"
    r"|(?:host|situation)\.[a-z_0-9]+(?:\[\d+\])?)"
)
_SET_TO = re.compile(rf"({_PATH}) = ('[^']*')")
_PATH_RE = re.compile(_PATH)
_OPTION_RE = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_STEP = re.compile(r"^([a-z_0-9]+)(?:\[(\d+)\])?$")

_SITUATION = {q.key: q for q in SITUATION_QUESTIONS}
_HOST = {q.key: q for q in HOST_QUESTIONS}
_LEASE = {f.key: f.label for f in LEASE_FIELDS}
_FORWARD = {f.key: f.label for f in FORWARD_FIELDS}


def _short(label: str) -> str:
    """A row field's label without the example in brackets: "ports (80, 443)" -> "ports"."""
    return label.split(" (")[0]


def _lower_first(label: str) -> str:
    """ "Bridge device" -> "bridge device", in a sentence; "IPv4 subnet" stays."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _question_label(section: str, key: str, site: str) -> str | None:
    if section == "situation" and key in _SITUATION:
        return _SITUATION[key].worded_for(site).label
    if section == "host" and key in _HOST:
        return _HOST[key].label
    return None


def _network_label(steps: list[str]) -> tuple[str, str] | None:
    """``network[1].dhcp_host[0].mac`` (split at the dots) -> "MAC of lease 1 of network 2",
    and whether that is a field or a whole (a network, a lease, a forward)."""
    head = _STEP.match(steps[0])
    if head is None or head[1] != "network" or head[2] is None:
        return None
    where = f"network {int(head[2]) + 1}"
    if len(steps) == 1:
        return where, "whole"
    part = _STEP.match(steps[1])
    if part is None:
        return None
    key, number = part[1], part[2]
    if number is None:
        if len(steps) > 2:
            return None
        if key in NETWORK_FIELDS:
            return f"{NETWORK_FIELDS[key].label} of {where}", "field"
        if key in NETWORK_PARTS:
            return f"{NETWORK_PARTS[key]} of {where}", "field"
        return None
    names = {"dhcp_host": ("lease", _LEASE), "forward": ("forward", _FORWARD)}
    if key not in names:
        return None
    row, fields = names[key]
    where = f"{row} {int(number) + 1} of {where}"
    if len(steps) == 2:
        return where, "whole"
    if len(steps) == 3 and steps[2] in fields:
        return f"{_short(fields[steps[2]])} of {where}", "field"
    return None


def _label(path: str, site: str) -> tuple[str, str] | None:
    """The label of ``path`` and its kind (question, fact, field, whole), or None."""
    section, _, rest = path.partition(".")
    if section in ("situation", "host") and rest:
        key = _STEP.match(rest)
        if key is None:
            return None
        label = _question_label(section, key[1], site)
        if label is not None:
            return label, "question"
        if section == "host" and key[1] in HOST_FACTS:
            return HOST_FACTS[key[1]], "fact"
        return None
    return _network_label(path.split("."))


def field_label(path: str, site: str = "dedicated") -> str:
    """The label of the field at ``path`` as the screens show it; the path if none fits.

    ``site`` picks the wording of questions that differ between a provider and a home lab.
    """
    found = _label(path, site)
    if found is None:
        return path
    label, kind = found
    return label[0].upper() + label[1:] if kind == "fact" else label


def subfield_label(path: str) -> str:
    """The last part's label alone: ``network[0].dhcp_host[1].mac`` -> "MAC"."""
    key = path.rpartition(".")[2]
    if ".dhcp_host[" in path and key in _LEASE:
        return _short(_LEASE[key])
    if ".forward[" in path and key in _FORWARD:
        return _short(_FORWARD[key])
    return field_label(path)


def _in_sentence(path: str, site: str) -> str:
    """How ``path`` reads inside a sentence: a question in quotes, a field with "the"
    ("overlaps 10.0.0.0/24 of the IPv4 subnet of network 1")."""
    found = _label(path, site)
    if found is None:
        return path
    label, kind = found
    if kind == "question":
        return f"“{label}”"
    if kind == "field":
        return f"the {_lower_first(label)}"
    return label


def screen_words(
    text: str, site: str = "dedicated", options: Mapping[str, str] | None = None
) -> str:
    """``text`` with every field path and command-line option put in the screens' words.

    ``options`` words the options of a re-run form (defaults: ``OPTION_LABELS``).
    """
    for phrase, words in PHRASES:
        text = text.replace(phrase, words)
    text = _SET_TO.sub(lambda m: f"{_in_sentence(m[1], site)} set to {m[2]}", text)
    text = _PATH_RE.sub(lambda m: _in_sentence(m[0], site), text)
    labels = {**OPTION_LABELS, **(options or {})}
    return _OPTION_RE.sub(lambda m: labels.get(m[0], m[0]), text)


def worded(problems: Mapping[str, str], site: str = "dedicated") -> dict[str, str]:
    """Findings by field path, each reason in the screens' words (the paths stay keys)."""
    return {path: screen_words(reason, site) for path, reason in problems.items()}


def finding_line(path: str, reason: str, site: str = "dedicated") -> str:
    """One finding for a list: "IPv4 subnet of network 2: overlaps ..."."""
    return f"{field_label(path, site)}: {screen_words(reason, site)}"


def error_lines(
    errors: Iterable[FieldError], site: str = "dedicated", options: Mapping[str, str] | None = None
) -> list[str]:
    """The core's errors (answers or a re-run refusal), a line each, in the screens' words."""
    labels = {**OPTION_LABELS, **(options or {})}
    lines = []
    for error in errors:
        if error.field.startswith("--"):
            label = labels.get(error.field, error.field.lstrip("-"))
        else:
            label = field_label(error.field, site)
        lines.append(f"{label}: {screen_words(error.reason, site, options)}")
    return lines
