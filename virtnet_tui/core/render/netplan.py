"""netplan YAML: which file configures the uplink, that file edited for a bridge, new bridges.

netplan merges every YAML file it reads and appends lists: a new file that gives the
bridge the uplink's address would leave the address on the uplink too. So the bridged
conversion edits the files that define the uplink, moving what configures its IP layer
onto a bridge defined in the last of them. Files are built with a YAML library (PyYAML),
which drops the comments of an edited file; the plan's undo keeps the original.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from virtnet_tui.core.model import HostFacts, NetworkSpec

#: Where netplan reads YAML, in the order a same-named file wins (earlier hides later).
NETPLAN_DIRS = ("/run/netplan", "/etc/netplan", "/lib/netplan")
#: The file cloud-init writes (and rewrites at every boot unless told not to).
CLOUD_INIT_YAML = "50-cloud-init.yaml"
#: cloud-init's switch that stops it from writing the network configuration.
CLOUD_INIT_DISABLE = "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg"
#: The wizard's own files for new (VM-only) bridges.
OWN_PREFIX = "60-virtnet-"

#: An ethernet's keys that configure its IP layer: they move to the bridge.
MOVED_KEYS = (
    "dhcp4",
    "dhcp6",
    "dhcp4-overrides",
    "dhcp6-overrides",
    "dhcp-identifier",
    "addresses",
    "gateway4",
    "gateway6",
    "routes",
    "routing-policy",
    "nameservers",
    "accept-ra",
    "ipv6-privacy",
    "ipv6-address-generation",
    "ipv6-address-token",
    "ipv6-mtu",
    "link-local",
    "critical",
)

HEADER = "# Edited by virtnet-wizard: {uplink} is a port of bridge {bridge}, which holds its\n"
HEADER += "# addresses, routes and DNS (the bridge keeps {uplink}'s MAC).\n"
NEW_HEADER = "# Written by virtnet-wizard: bridge {bridge} for VMs.\n"


class NetplanError(ValueError):
    """A netplan file that cannot be read as a netplan document."""


def load(text: str, path: str = "") -> dict[str, Any]:
    """The document in ``text``; {} for an empty file."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise NetplanError(f"{path or 'netplan file'} is not YAML: {exc}") from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise NetplanError(f"{path or 'netplan file'} is not a netplan document")
    return doc


def dump(doc: Mapping[str, Any]) -> str:
    # A MAC such as 02:00:00:00:00:02 is quoted by the dumper: unquoted, YAML 1.1
    # would read it as a base-60 number.
    return yaml.safe_dump(dict(doc), sort_keys=False, default_flow_style=False, indent=2)


def netplan_paths(paths: Iterable[str]) -> list[str]:
    """The netplan files among ``paths`` that netplan reads, in its order (by file name)."""
    by_name: dict[str, str] = {}
    for folder in reversed(NETPLAN_DIRS):
        for path in paths:
            head, _, name = path.rpartition("/")
            if head == folder and name.endswith(".yaml"):
                by_name[name] = path
    return [by_name[name] for name in sorted(by_name)]


def _ethernets(doc: Mapping[str, Any]) -> dict[str, Any]:
    network = doc.get("network")
    ethernets = network.get("ethernets") if isinstance(network, dict) else None
    return ethernets if isinstance(ethernets, dict) else {}


def _names_uplink(ident: str, device: object, uplink: str, mac: str) -> bool:
    if not isinstance(device, dict):
        return ident == uplink
    if device.get("set-name") == uplink:
        return True
    match = device.get("match")
    if not isinstance(match, dict):
        return ident == uplink
    name, address = match.get("name"), match.get("macaddress")
    if name is None and address is None:
        return False
    name_ok = name is None or fnmatch.fnmatchcase(uplink, str(name))
    mac_ok = address is None or (bool(mac) and str(address).lower() == mac.lower())
    return name_ok and mac_ok


@dataclass(frozen=True)
class UplinkDefinition:
    """The netplan files that define the uplink, under which id, and its renderer."""

    ident: str
    paths: tuple[str, ...]
    renderer: str


def find_uplink(files: Iterable[tuple[str, str]], uplink: str, mac: str) -> UplinkDefinition | None:
    """Where netplan configures ``uplink`` (by id, ``match`` or ``set-name``); None if nowhere.

    Raises NetplanError for a file that is not YAML.
    """
    texts = dict(files)
    ident = ""
    paths: list[str] = []
    renderer = ""
    own_renderer = ""
    for path in netplan_paths(texts):
        doc = load(texts[path], path)
        network = doc.get("network")
        if isinstance(network, dict) and network.get("renderer"):
            renderer = str(network["renderer"])  # a later file's global renderer wins
        for key, device in _ethernets(doc).items():
            if key == ident if ident else _names_uplink(str(key), device, uplink, mac):
                ident = str(key)
                if path not in paths:
                    paths.append(path)
                if isinstance(device, dict) and device.get("renderer"):
                    own_renderer = str(device["renderer"])
    if not ident:
        return None
    return UplinkDefinition(ident, tuple(paths), own_renderer or renderer or "networkd")


def _fallback_ip(facts: HostFacts) -> dict[str, Any]:
    """The uplink's IP layer from the probed facts, for a definition that gives none."""
    out: dict[str, Any] = {}
    addresses = [a for a in (facts.ipv4, facts.ipv6) if a]
    if addresses:
        out["addresses"] = addresses
    routes = [{"to": "default", "via": g} for g in (facts.gateway4, facts.gateway6) if g]
    if routes:
        out["routes"] = routes
    return out


def _merge(into: dict[str, Any], key: str, value: Any) -> None:
    """netplan's merge: lists append, mappings merge, anything else is replaced."""
    old = into.get(key)
    if isinstance(old, list) and isinstance(value, list):
        into[key] = old + [v for v in value if v not in old]
    elif isinstance(old, dict) and isinstance(value, dict):
        merged = dict(old)
        for k, v in value.items():
            _merge(merged, k, v)
        into[key] = merged
    else:
        into[key] = value


def bridged_files(
    files: Iterable[tuple[str, str]], found: UplinkDefinition, spec: NetworkSpec, facts: HostFacts
) -> list[tuple[str, str]]:
    """The uplink's files, edited: its IP layer moved to bridge ``spec.bridge`` (MAC pinned)."""
    texts = dict(files)
    moved: dict[str, Any] = {}
    out: list[tuple[str, str]] = []
    docs = {path: load(texts[path], path) for path in found.paths}
    for path in found.paths:
        device = _ethernets(docs[path]).get(found.ident)
        if not isinstance(device, dict):
            continue
        for key in MOVED_KEYS:
            if key in device:
                _merge(moved, key, device.pop(key))
    if not {"dhcp4", "dhcp6", "addresses"} & moved.keys():
        for key, value in _fallback_ip(facts).items():
            _merge(moved, key, value)
    bridge: dict[str, Any] = {"interfaces": [found.ident], "macaddress": facts.mac, **moved}
    bridge["parameters"] = {"stp": False, "forward-delay": 0}
    last = docs[found.paths[-1]]
    network = last.setdefault("network", {})
    network.setdefault("version", 2)
    bridges = network.setdefault("bridges", {})
    bridges[spec.bridge] = bridge
    header = HEADER.format(uplink=facts.uplink_interface, bridge=spec.bridge)
    for path in found.paths:
        out.append((writable_path(path), header + dump(docs[path])))
    return out


def writable_path(path: str) -> str:
    """Where an edit of ``path`` goes: a vendor file in /lib is hidden by its /etc namesake."""
    head, _, name = path.rpartition("/")
    return f"/etc/netplan/{name}" if head == "/lib/netplan" else path


def render_virtual_bridge(spec: NetworkSpec) -> str:
    """A file of its own for a VM-only bridge, with its stable MAC and the host's addresses.

    netplan gives a bridge ConfigureWithoutCarrier itself: the addresses are set before
    any VM plugs in. Router advertisements are not accepted: the host is the router.
    """
    bridge: dict[str, Any] = {}
    if spec.bridge_mac:
        bridge["macaddress"] = spec.bridge_mac
    addresses = [a for a in (spec.ipv4, spec.ipv6) if a]
    if addresses:
        bridge["addresses"] = addresses
    bridge["accept-ra"] = False
    bridge["parameters"] = {"stp": False, "forward-delay": 0}
    doc = {"network": {"version": 2, "bridges": {spec.bridge: bridge}}}
    return NEW_HEADER.format(bridge=spec.bridge) + dump(doc)


def render_uplink_definition(uplink: str) -> str:
    """A bare definition of ``uplink``, for a host where no netplan file names it yet."""
    return dump({"network": {"version": 2, "ethernets": {uplink: {}}}})


def virtual_bridge_path(bridge: str) -> str:
    return f"/etc/netplan/{OWN_PREFIX}{bridge}.yaml"


def render_cloud_init_disable() -> str:
    """cloud-init's switch that stops it from rewriting 50-cloud-init.yaml at boot."""
    return "# Written by virtnet-wizard: the bridge lives in netplan's files now.\n" + dump(
        {"network": {"config": "disabled"}}
    )
