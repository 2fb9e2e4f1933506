"""systemd-networkd units: which .network configures the uplink, and the bridge's own units.

networkd applies to a link the first .network file, by file name across its folders,
whose [Match] fits; a same-named file in /etc hides the others. The wizard's files
start with ``00-virtnet-`` so that they come before the ones already there: the old
file stays as it was (undo just removes the new ones) and stops applying.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from virtnet_tui.core.model import HostFacts, NetworkSpec

#: Where networkd reads units, in the order a same-named file wins (earlier hides later).
NETWORKD_DIRS = ("/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network",
                 "/lib/systemd/network")  # fmt: skip
#: The wizard's units: a prefix that sorts before the usual 10-, 50-, 99- names.
OWN_DIR = "/etc/systemd/network"
OWN_PREFIX = "00-virtnet-"
#: netplan's generated units: netplan owns what they configure, not networkd's own files.
NETPLAN_PREFIX = "10-netplan-"

Section = tuple[str, tuple[tuple[str, str], ...]]

HEADER = "# Written by virtnet-wizard.\n"


def parse_unit(text: str) -> tuple[Section, ...]:
    """The sections of a unit file with their ``Key=value`` lines, in order."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            sections.append((line[1:-1], []))
        elif "=" in line and sections:
            key, _, value = line.partition("=")
            sections[-1][1].append((key.strip(), value.strip()))
    return tuple((name, tuple(pairs)) for name, pairs in sections)


def render_unit(sections: Iterable[Section], header: str = HEADER) -> str:
    blocks = [f"[{name}]\n" + "".join(f"{k}={v}\n" for k, v in pairs) for name, pairs in sections]
    return header + "\n".join(blocks)


def _values(sections: Iterable[Section], section: str, key: str) -> list[str]:
    return [v for name, pairs in sections if name == section for k, v in pairs if k == key]


def matches(sections: tuple[Section, ...], link: str, mac: str) -> bool:
    """Whether the [Match] of a .network fits ``link``, as far as names and MACs tell."""
    names = " ".join(_values(sections, "Match", "Name")).split()
    macs = " ".join(
        _values(sections, "Match", "MACAddress") + _values(sections, "Match", "PermanentMACAddress")
    ).lower()
    if names:
        wanted = [n for n in names if not n.startswith("!")]
        refused = [n[1:] for n in names if n.startswith("!")]
        if any(fnmatch.fnmatchcase(link, n) for n in refused):
            return False
        if wanted and not any(fnmatch.fnmatchcase(link, n) for n in wanted):
            return False
    return not macs or (bool(mac) and mac.lower() in macs.split())


def effective_paths(paths: Iterable[str], suffix: str = ".network") -> list[str]:
    """The unit files networkd reads, in its order: by name, a same-named /etc file first."""
    by_name: dict[str, str] = {}
    for folder in reversed(NETWORKD_DIRS):
        for path in paths:
            head, _, name = path.rpartition("/")
            if head == folder and name.endswith(suffix):
                by_name[name] = path
    return [by_name[name] for name in sorted(by_name)]


@dataclass(frozen=True)
class UplinkUnit:
    """The .network file that networkd applies to the uplink."""

    path: str
    sections: tuple[Section, ...]

    @property
    def from_netplan(self) -> bool:
        return self.path.rpartition("/")[2].startswith(NETPLAN_PREFIX)


def find_uplink_unit(files: Iterable[tuple[str, str]], uplink: str, mac: str) -> UplinkUnit | None:
    """The first .network file (networkd's order) whose [Match] fits the uplink."""
    texts = dict(files)
    for path in effective_paths(texts):
        sections = parse_unit(texts[path])
        if matches(sections, uplink, mac):
            return UplinkUnit(path, sections)
    return None


def own_path(name: str, suffix: str) -> str:
    return f"{OWN_DIR}/{OWN_PREFIX}{name}{suffix}"


def render_bridge_netdev(bridge: str, mac: str) -> str:
    """The bridge device, with a fixed MAC (networkd would derive one from the machine id)."""
    netdev: list[tuple[str, str]] = [("Name", bridge), ("Kind", "bridge")]
    if mac:
        netdev.append(("MACAddress", mac))
    return render_unit((("NetDev", tuple(netdev)), ("Bridge", (("STP", "no"),))))


def render_port_network(found: UplinkUnit | None, uplink: str, bridge: str) -> str:
    """The uplink as a port of ``bridge``: the old [Match] (or its name), no IP of its own."""
    match = tuple(
        p for name, pairs in (found.sections if found else ()) if name == "Match" for p in pairs
    )
    sections: list[Section] = [("Match", match or (("Name", uplink),))]
    sections.append(("Network", (("Bridge", bridge), ("LinkLocalAddressing", "no"))))
    return render_unit(sections)


#: [Network] keys that belong to the port, not to the bridge that takes the IP layer over.
_PORT_ONLY = frozenset({"Bridge", "Bond", "VLAN", "MACVLAN", "VXLAN", "Tunnel", "BindCarrier"})


def render_bridged_network(found: UplinkUnit | None, facts: HostFacts, bridge: str) -> str:
    """The bridge's .network: the uplink's IP configuration, moved as it was written.

    Everything but [Match] and [Link] is copied; without a unit to copy (or with one
    that sets no address), the probed addresses and gateways stand in.
    """
    sections: list[Section] = [("Match", (("Name", bridge),))]
    if facts.mac:
        # Also here: a bridge that already exists keeps its parameters, .netdev or not.
        sections.append(("Link", (("MACAddress", facts.mac),)))
    copied = [
        (name, tuple(p for p in pairs if name != "Network" or p[0] not in _PORT_ONLY))
        for name, pairs in (found.sections if found else ())
        if name not in ("Match", "Link")
    ]
    configured = any(
        k in ("Address", "DHCP") for name, pairs in copied if name == "Network" for k, _ in pairs
    ) or any(name == "Address" for name, _ in copied)
    if not configured:
        network = [("Address", a) for a in (facts.ipv4, facts.ipv6) if a]
        network += [("Gateway", g) for g in (facts.gateway4, facts.gateway6) if g]
        others = [(n, p) for n, p in copied if n != "Network"]
        old = [p for n, pairs in copied if n == "Network" for p in pairs]
        copied = [("Network", (*old, *network)), *others]
    sections += copied
    return render_unit(sections)


def render_virtual_bridge_network(spec: NetworkSpec) -> str:
    """A VM-only bridge: its addresses set with no port up, no router advertisements taken."""
    network = [("Address", a) for a in (spec.ipv4, spec.ipv6) if a]
    network += [("ConfigureWithoutCarrier", "yes"), ("IPv6AcceptRA", "no")]
    return render_unit((("Match", (("Name", spec.bridge),)), ("Network", tuple(network))))
