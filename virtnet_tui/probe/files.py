"""The files the probe reads through the host: sysfs, os-release, and the files recipes edit."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from virtnet_tui.core.model import Distro
from virtnet_tui.hosts.base import Host
from virtnet_tui.probe.model import Interface, InterfaceKind
from virtnet_tui.probe.parse import distro_family, parse_os_release, redhat_release_version

#: Files that recipes edit in place; the plan starts from their current text.
DEBIAN_INTERFACES = "/etc/network/interfaces"
RHEL_NETWORK = "/etc/sysconfig/network"
RADVD_CONF = "/etc/radvd.conf"
RHEL_IFCFG_DIR = "/etc/sysconfig/network-scripts"
#: cloud-init's switch that keeps it from rewriting the netplan file it wrote.
CLOUD_INIT_DISABLE = "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg"
#: Custom networks keep their dnsmasq leases under here; a re-run must not reset them.
DNSMASQ_ROOT = "/var/lib/dnsmasq"

#: Where a system-wide dnsmasq service is defined when one is installed.
SYSTEM_DNSMASQ_UNITS = (
    "/etc/systemd/system/dnsmasq.service",
    "/lib/systemd/system/dnsmasq.service",
    "/usr/lib/systemd/system/dnsmasq.service",
    "/etc/init.d/dnsmasq",
)

#: ARPHRD numbers of /sys/class/net/*/type that the fallback reader understands.
_ARPHRD_ETHER = "1"
_ARPHRD_LOOPBACK = "772"


@dataclass
class SafeFiles:
    """Reads through the host; an unreadable path is a problem noted here, never an exception."""

    host: Host
    problems: list[str] = field(default_factory=list)

    def read(self, path: str) -> str | None:
        try:
            return self.host.read_text(path)
        except OSError as exc:
            self.problems.append(f"cannot read {path}: {exc.strerror or exc}")
            return None

    def exists(self, path: str) -> bool:
        try:
            return self.host.exists(path)
        except OSError:
            return False

    def is_dir(self, path: str) -> bool:
        try:
            return self.host.is_dir(path)
        except OSError:
            return False

    def list_dir(self, path: str) -> list[str]:
        try:
            return self.host.list_dir(path)
        except OSError as exc:
            self.problems.append(f"cannot list {path}: {exc.strerror or exc}")
            return []


def session_environ(files: SafeFiles) -> Mapping[str, str]:
    """The environment of the operator's session; a sandbox keeps its own in ``environ.json``."""
    path = files.host.session_environ_file
    if path is None:
        return files.host.environ
    text = files.read(path)
    try:
        data = json.loads(text) if text else {}
    except json.JSONDecodeError:
        files.problems.append(f"{path} is not JSON; the sandbox has no SSH session")
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def distro(files: SafeFiles) -> tuple[Distro | None, str]:
    """The distribution family and release, from os-release or the older release files."""
    text = files.read("/etc/os-release") or files.read("/usr/lib/os-release")
    if text:
        release = parse_os_release(text)
        return distro_family(release), release.get("VERSION_ID", "")
    redhat = files.read("/etc/redhat-release")
    if redhat:
        family: Distro = "fedora" if redhat.lower().startswith("fedora") else "rhel"
        return family, redhat_release_version(redhat)
    debian = files.read("/etc/debian_version")
    if debian is not None:
        version = debian.strip()
        return "debian", version.split(".")[0] if version[:1].isdigit() else ""
    return None, ""


def edited_files(
    files: SafeFiles, network_files: Sequence[str] = ()
) -> tuple[tuple[str, str], ...]:
    """The current text of every file a recipe may edit in place or read (absent ones left out).

    ``network_files`` are the host's netplan and systemd-networkd files: the recipes
    edit the one that configures the uplink, or copy what it says.
    """
    paths = [DEBIAN_INTERFACES, RHEL_NETWORK, RADVD_CONF, CLOUD_INIT_DISABLE, *network_files]
    paths += [
        f"{RHEL_IFCFG_DIR}/{name}"
        for name in files.list_dir(RHEL_IFCFG_DIR)
        if name.startswith("ifcfg-") and name != "ifcfg-lo"
    ]
    paths += [f"{DNSMASQ_ROOT}/{name}/leases" for name in files.list_dir(DNSMASQ_ROOT)]
    out = []
    for path in paths:
        text = files.read(path)
        if text is not None:
            out.append((path, text))
    return tuple(out)


def is_wireless(files: SafeFiles, name: str) -> bool:
    """sysfs marks a wireless card with a ``wireless`` folder or a ``phy80211`` link."""
    base = f"/sys/class/net/{name}"
    return files.exists(f"{base}/wireless") or files.exists(f"{base}/phy80211")


def interfaces_from_sysfs(files: SafeFiles) -> tuple[Interface, ...]:
    """Interfaces as /sys/class/net describes them: no addresses, used when ``ip`` is missing."""
    out = []
    for name in files.list_dir("/sys/class/net"):
        base = f"/sys/class/net/{name}"
        arphrd = (files.read(f"{base}/type") or "").strip()
        kind: InterfaceKind
        if arphrd == _ARPHRD_LOOPBACK:
            kind = "loopback"
        elif files.is_dir(f"{base}/bridge"):
            kind = "bridge"
        elif is_wireless(files, name):
            kind = "wireless"
        elif arphrd == _ARPHRD_ETHER and not files.exists(f"/sys/devices/virtual/net/{name}"):
            kind = "ethernet"
        else:
            kind = "virtual"
        master = ""
        if files.exists(f"{base}/brport/bridge"):
            try:
                master = files.host.path(f"{base}/brport/bridge").resolve().name
            except OSError:
                master = ""
        out.append(
            Interface(
                name=name,
                kind=kind,
                mac=(files.read(f"{base}/address") or "").strip() if kind != "loopback" else "",
                state=(files.read(f"{base}/operstate") or "unknown").strip().lower(),
                master=master,
            )
        )
    return tuple(out)
