"""NetworkManager keyfiles: reading the uplink's profile, writing the bridge's and the port's.

A keyfile is a GLib key file (``[section]`` then ``key=value``), the format of
``/etc/NetworkManager/system-connections/*.nmconnection``. Reading and writing go through
configparser with NetworkManager's conventions (keys case-sensitive, ``=`` only, no
interpolation, ``#`` comments), so every profile the wizard writes is one structure
turned into text in one place.
"""

from __future__ import annotations

import configparser
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from virtnet_tui.core.model import HostFacts, NetworkSpec

#: Where NetworkManager keeps profiles: written ones in /etc, generated ones in /run.
KEYFILE_DIRS = ("/etc/NetworkManager/system-connections", "/run/NetworkManager/system-connections")
OWN_DIR = KEYFILE_DIRS[0]
SUFFIX = ".nmconnection"
HEADER = "# Written by virtnet-wizard.\n"
#: The wizard's profile UUIDs are derived from the bridge's name, so previews are stable
#: and undo can name a profile without asking NetworkManager.
_UUID_NAMESPACE = uuid.UUID("5b0c3f7e-0d6a-4c49-9a57-6a1f1e0c2b11")
#: The port profile outranks the uplink's old one (0 unless set) when the link
#: autoconnects at boot; both stay, and NetworkManager picks the higher priority.
PORT_PRIORITY = "100"

Section = tuple[str, tuple[tuple[str, str], ...]]


class KeyfileError(ValueError):
    """A keyfile that configparser cannot read."""


def _parser() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(
        delimiters=("=",),
        comment_prefixes=("#",),
        inline_comment_prefixes=None,
        strict=False,
        interpolation=None,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    return parser


def parse_keyfile(text: str) -> tuple[Section, ...]:
    """The sections of a keyfile with their keys, in order."""
    parser = _parser()
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise KeyfileError(str(exc)) from exc
    return tuple((name, tuple(parser.items(name))) for name in parser.sections())


def render_keyfile(sections: Iterable[Section], header: str = HEADER) -> str:
    """The text of a keyfile with ``sections`` (empty ones are written too: they mean defaults)."""
    parser = _parser()
    for name, pairs in sections:
        parser.add_section(name)
        for key, value in pairs:
            parser.set(name, key, value)
    out = io.StringIO()
    parser.write(out, space_around_delimiters=False)
    return header + out.getvalue().rstrip("\n") + "\n"


def _get(sections: Sequence[Section], section: str, key: str) -> str:
    for name, pairs in sections:
        if name == section:
            for k, v in pairs:
                if k == key:
                    return v
    return ""


def profile_uuid(name: str) -> str:
    """The UUID of the wizard's profile called ``name``."""
    return str(uuid.uuid5(_UUID_NAMESPACE, name))


def own_path(name: str) -> str:
    return f"{OWN_DIR}/{name}{SUFFIX}"


def port_name(bridge: str, uplink: str) -> str:
    """The id of the profile that makes ``uplink`` a port of ``bridge``."""
    return f"{bridge}-port-{uplink}"


@dataclass(frozen=True)
class UplinkProfile:
    """The keyfile that configures the uplink: where it is, its id and UUID, its sections."""

    path: str
    sections: tuple[Section, ...]

    @property
    def id(self) -> str:
        return _get(self.sections, "connection", "id")

    @property
    def uuid(self) -> str:
        return _get(self.sections, "connection", "uuid")


def _fits(sections: Sequence[Section], uplink: str, mac: str) -> bool:
    kind = _get(sections, "connection", "type")
    if kind not in ("ethernet", "802-3-ethernet"):
        return False
    if _get(sections, "connection", "master") or _get(sections, "connection", "controller"):
        return False  # already somebody's port
    name = _get(sections, "connection", "interface-name")
    if name:
        return name == uplink
    bound = _get(sections, "ethernet", "mac-address").lower()
    return bool(bound) and bound == mac.lower()


def find_uplink_profile(
    files: Iterable[tuple[str, str]], uplink: str, mac: str
) -> UplinkProfile | None:
    """The first keyfile (by folder, then name) of an ethernet profile for ``uplink``.

    A profile names its link by ``interface-name`` or by ``[ethernet] mac-address``;
    one that names neither fits any link and is not taken to be the uplink's.
    Unreadable keyfiles are skipped: NetworkManager skips them too.
    """
    candidates = sorted(
        (KEYFILE_DIRS.index(p.rpartition("/")[0]), p, t)
        for p, t in files
        if p.rpartition("/")[0] in KEYFILE_DIRS and p.endswith(SUFFIX)
    )
    for _, path, text in candidates:
        try:
            sections = parse_keyfile(text)
        except KeyfileError:
            continue
        if _fits(sections, uplink, mac):
            return UplinkProfile(path, sections)
    return None


def _ip_sections(found: UplinkProfile | None, facts: HostFacts) -> list[Section]:
    """The uplink's [ipv4] and [ipv6] as its profile has them, else from the probed values."""
    if found is not None:
        copied = [(n, p) for n, p in found.sections if n in ("ipv4", "ipv6")]
        if copied:
            return copied
    return [("ipv4", _static(facts.ipv4, facts.gateway4, "auto")),
            ("ipv6", _static(facts.ipv6, facts.gateway6, "ignore"))]  # fmt: skip


def _static(address: str, gateway: str, otherwise: str) -> tuple[tuple[str, str], ...]:
    """A static address with its gateway, as NetworkManager writes them (``address1=IP/LEN,GW``)."""
    if not address:
        return (("method", otherwise),)
    return (("address1", f"{address},{gateway}" if gateway else address), ("method", "manual"))


def render_bridged_bridge(bridge: str, found: UplinkProfile | None, facts: HostFacts) -> str:
    """The bridge of a bridged network: the uplink's MAC and its IP layer (addresses, routes, DNS).

    ``autoconnect-slaves`` makes activating the bridge activate its port profile too
    (otherwise the uplink would keep its old profile and the bridge come up alone); no
    spanning tree on the provider's LAN, as the handbook sets it, so no forward delay.
    """
    sections: list[Section] = [
        (
            "connection",
            (
                ("id", bridge),
                ("uuid", profile_uuid(bridge)),
                ("type", "bridge"),
                ("interface-name", bridge),
                ("autoconnect-slaves", "1"),
            ),
        ),
        ("bridge", _bridge_keys(facts.mac, stp=False)),
        *_ip_sections(found, facts),
    ]
    return render_keyfile(sections)


def _bridge_keys(mac: str, *, stp: bool) -> tuple[tuple[str, str], ...]:
    keys: list[tuple[str, str]] = []
    if mac:
        keys.append(("mac-address", mac.upper()))
    keys.append(("stp", "true" if stp else "false"))
    if not stp:
        keys.append(("forward-delay", "0"))
    return tuple(keys)


def render_port(bridge: str, uplink: str, found: UplinkProfile | None) -> str:
    """The uplink as a port of ``bridge``; the link's own settings (MTU, MAC match) stay with it."""
    ethernet = next((p for n, p in found.sections if n == "ethernet"), ()) if found else ()
    sections: list[Section] = [
        (
            "connection",
            (
                ("id", port_name(bridge, uplink)),
                ("uuid", profile_uuid(port_name(bridge, uplink))),
                ("type", "ethernet"),
                ("interface-name", uplink),
                ("master", profile_uuid(bridge)),
                ("slave-type", "bridge"),
                ("autoconnect-priority", PORT_PRIORITY),
            ),
        ),
        ("ethernet", tuple(ethernet)),
        ("bridge-port", ()),
    ]
    return render_keyfile(sections)


def render_virtual_bridge(spec: NetworkSpec) -> str:
    """A VM-only bridge: its stable MAC and addresses, up with no port (bridges need no carrier).

    Router advertisements are not taken (the host is the router) and link-local
    addresses come from the kernel as on any bridge.
    """
    sections: list[Section] = [
        (
            "connection",
            (
                ("id", spec.bridge),
                ("uuid", profile_uuid(spec.bridge)),
                ("type", "bridge"),
                ("interface-name", spec.bridge),
            ),
        ),
        ("bridge", _bridge_keys(spec.bridge_mac, stp=False)),
        ("ipv4", _static(spec.ipv4, "", "disabled")),
        ("ipv6", _static(spec.ipv6, "", "ignore")),
    ]
    return render_keyfile(sections)
