"""Which network stack owns the uplink: the configuration that names it, not the distro's habit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from virtnet_tui.core.model import HostNetConfig, NetConfig
from virtnet_tui.core.render.keyfile import KEYFILE_DIRS
from virtnet_tui.core.render.keyfile import SUFFIX as KEYFILE_SUFFIX
from virtnet_tui.core.render.netplan import NETPLAN_DIRS, NetplanError, find_uplink
from virtnet_tui.core.render.networkd import NETWORKD_DIRS, find_uplink_unit
from virtnet_tui.hosts.base import CommandResult
from virtnet_tui.probe.files import DEBIAN_INTERFACES, RHEL_IFCFG_DIR, SafeFiles
from virtnet_tui.probe.parse import parse_os_release

#: Where ifupdown reads stanzas besides /etc/network/interfaces (Debian's default `source`).
INTERFACES_D = "/etc/network/interfaces.d"
#: networkd keeps one state file per link here while it runs.
NETWORKD_LINKS = "/run/systemd/netif/links"


@dataclass(frozen=True)
class Ownership:
    """The stack that owns the uplink ("" when none or several), and why not when not."""

    netconfig: HostNetConfig
    problem: str = ""


def network_files(files: SafeFiles) -> list[str]:
    """Paths of every netplan YAML, networkd .network and NetworkManager keyfile of the host."""
    out = []
    for folder in (*NETPLAN_DIRS, *NETWORKD_DIRS, *KEYFILE_DIRS):
        suffix = (
            ".yaml"
            if folder in NETPLAN_DIRS
            else ".network"
            if folder in NETWORKD_DIRS
            else KEYFILE_SUFFIX
        )
        if not files.is_dir(folder):
            continue
        out += [
            f"{folder}/{name}" for name in sorted(files.list_dir(folder)) if name.endswith(suffix)
        ]
    return out


def _ifupdown(files: SafeFiles, uplink: str) -> bool:
    texts = [files.read(DEBIAN_INTERFACES) or ""]
    if files.is_dir(INTERFACES_D):
        texts += [files.read(f"{INTERFACES_D}/{n}") or "" for n in files.list_dir(INTERFACES_D)]
    stanza = re.compile(rf"^\s*iface\s+{re.escape(uplink)}\s+inet6?\s", re.M)
    return any(stanza.search(text) for text in texts)


def _ifcfg(files: SafeFiles, uplink: str) -> bool:
    if files.exists(f"{RHEL_IFCFG_DIR}/ifcfg-{uplink}"):
        return True
    for name in files.list_dir(RHEL_IFCFG_DIR) if files.is_dir(RHEL_IFCFG_DIR) else ():
        if name.startswith("ifcfg-"):
            fields = parse_os_release(files.read(f"{RHEL_IFCFG_DIR}/{name}") or "")
            if fields.get("DEVICE") == uplink:
                return True
    return False


def nm_manages(devices: CommandResult | None, uplink: str) -> bool:
    """Whether ``nmcli -t -f DEVICE,STATE device`` shows NetworkManager managing ``uplink``.

    Without an answer from nmcli it is taken to manage it: a running NetworkManager
    manages every device it is not told to leave alone.
    """
    if devices is None or not devices.ok:
        return True
    for line in devices.stdout.splitlines():
        name, _, state = line.partition(":")
        if name == uplink:
            return state.strip() not in ("unmanaged", "unavailable")
    return False


def owners(
    files: SafeFiles,
    texts: Iterable[tuple[str, str]],
    uplink: str,
    mac: str,
    *,
    nm_running: bool,
    nm_devices: CommandResult | None,
    networkd_running: bool,
    nm_reads_ifcfg: bool = True,
) -> dict[NetConfig, str]:
    """Every stack that configures ``uplink``, each with the evidence.

    ``nm_reads_ifcfg`` is false on releases whose NetworkManager ignores ifcfg files
    (RHEL 10, Fedora 41): a leftover ``ifcfg-UPLINK`` there configures nothing.
    """
    texts = list(texts)
    found: dict[NetConfig, str] = {}
    if _ifupdown(files, uplink):
        found["ifupdown"] = f"an `iface {uplink}` stanza in /etc/network/interfaces"
    try:
        plan = find_uplink([(p, t) for p, t in texts if p.endswith(".yaml")], uplink, mac)
    except NetplanError as exc:
        files.problems.append(str(exc))
        plan = None
    if plan is not None:
        where = ", ".join(plan.paths)
        if plan.renderer == "NetworkManager":
            found["networkmanager"] = f"{where} with the NetworkManager renderer"
        else:
            found["netplan"] = where
    unit = find_uplink_unit([(p, t) for p, t in texts if p.endswith(".network")], uplink, mac)
    if unit is not None and networkd_running and not unit.from_netplan:
        found["networkd"] = unit.path
    if nm_running and nm_manages(nm_devices, uplink) and "networkmanager" not in found:
        if nm_reads_ifcfg and _ifcfg(files, uplink):
            found["ifcfg"] = f"NetworkManager with {RHEL_IFCFG_DIR}/ifcfg-{uplink}"
        elif not found:
            # NetworkManager on a Debian host leaves ifupdown's and netplan's devices
            # alone; with nothing else naming the device, its own profile does.
            found["networkmanager"] = "NetworkManager manages it"
    elif not nm_running and _ifcfg(files, uplink):
        found["ifcfg"] = f"{RHEL_IFCFG_DIR}/ifcfg-{uplink}"
    return found


def ownership(found: dict[NetConfig, str], uplink: str) -> Ownership:
    """One owner, or the reason there is none."""
    if not uplink:
        # The probe says so already; the answers must name the uplink, and may the stack.
        return Ownership("")
    if len(found) == 1:
        (only,) = found
        return Ownership(only)
    if not found:
        return Ownership(
            "",
            f"nothing configures {uplink}: no ifupdown stanza, netplan file, systemd-networkd "
            "unit, NetworkManager device or ifcfg file names it",
        )
    listed = "; ".join(f"{kind} ({why})" for kind, why in found.items())
    return Ownership("", f"several stacks configure {uplink}: {listed}")
