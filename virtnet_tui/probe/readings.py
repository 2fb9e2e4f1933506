"""Reads the probe's command results into facts, noting in ``problems`` what went wrong."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from virtnet_tui.core.validate.fields import check_version
from virtnet_tui.hosts.base import CommandResult, Host
from virtnet_tui.probe.commands import FIREWALLD_STATE, MISSING, NFT_TABLES, which, why_failed
from virtnet_tui.probe.files import SafeFiles, interfaces_from_sysfs, is_wireless
from virtnet_tui.probe.model import Firewalls, Interface, Route, SshSession
from virtnet_tui.probe.parse import (
    ParseError,
    default_routes,
    dnsmasq_version,
    interfaces_from_ip,
    ip_json,
    route_get_dev,
    routed_subnets,
)


def first_line(text: str | None) -> str:
    """The first non-blank line, stripped."""
    lines = (text or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def _why(done: CommandResult | None) -> str:
    return why_failed(done) if done is not None else "not run"


def read_interfaces(
    files: SafeFiles,
    links: CommandResult | None,
    addresses: CommandResult | None,
    problems: list[str],
) -> tuple[Interface, ...]:
    """Interfaces from ``ip``; from /sys when ``ip`` failed (but never on a namespace host)."""
    if links is None or not links.ok:
        why = _why(links)
        if not files.host.sysfs_shows_links:
            # e.g. in a namespace, whose links the probe's own /sys does not show.
            problems.append(f"`ip -j -d link show` failed ({why}): no interfaces known")
            return ()
        problems.append(f"`ip -j -d link show` failed ({why}): interfaces read from /sys")
        return interfaces_from_sysfs(files)
    address_list = []
    if addresses is not None and addresses.ok:
        try:
            address_list = ip_json(addresses.stdout, "ip -j address show")
        except ParseError as exc:
            problems.append(str(exc))
    else:
        problems.append(f"`ip -j address show` failed ({_why(addresses)})")
    try:
        links_list = ip_json(links.stdout, "ip -j -d link show")
    except ParseError as exc:
        problems.append(str(exc))
        return ()
    return interfaces_from_ip(links_list, address_list, lambda name: is_wireless(files, name))


def read_routes(
    done: CommandResult | None, family: int, problems: list[str]
) -> tuple[tuple[Route, ...], list[str]]:
    """The default routes of one family, and the subnets its routing table holds."""
    command = f"ip -j -{family} route show table main"
    if done is None or not done.ok:
        problems.append(f"`{command}` failed ({_why(done)})")
        return (), []
    try:
        routes = ip_json(done.stdout, command)
    except ParseError as exc:
        problems.append(str(exc))
        return (), []
    return default_routes(routes, 4 if family == 4 else 6), routed_subnets(routes)


def read_carrier(
    ssh: SshSession, done: CommandResult | None, interfaces: tuple[Interface, ...]
) -> SshSession:
    """The link that carries the SSH session: the route to the client, else the server's link."""
    dev = ""
    if done is not None and done.ok:
        try:
            dev = route_get_dev(ip_json(done.stdout, "ip -j route get"))
        except ParseError:
            dev = ""
    if not dev:
        for iface in interfaces:
            if any(a.cidr.split("/")[0] == ssh.server for a in iface.addresses):
                dev = iface.name
                break
    return replace(ssh, interface=dev)


def read_network_manager(
    files: SafeFiles, unit: CommandResult | None, nmcli: CommandResult | None
) -> bool:
    """Whether NetworkManager runs: systemd's word first, then nmcli's, then its /run folder."""
    # systemctl prints a state even when it exits non-zero (3 = inactive).
    state = first_line(unit.stdout) if unit is not None and unit.returncode != 127 else ""
    if state:
        return state in ("active", "activating", "reloading")
    if nmcli is not None and nmcli.ok:
        return first_line(nmcli.stdout) == "running"
    return files.is_dir("/run/NetworkManager")


def read_dnsmasq(done: CommandResult | None, fallback: str, problems: list[str]) -> str:
    """dnsmasq's version; ``fallback`` (and a problem) when it cannot be told."""
    if done is None or not done.ok:
        problems.append(f"dnsmasq: `dnsmasq --version` failed ({_why(done)}); assuming {fallback}")
        return fallback
    try:
        return dnsmasq_version(done.stdout)
    except ParseError as exc:
        problems.append(f"dnsmasq: {exc}; assuming {fallback}")
        return fallback


def read_kernel(done: CommandResult | None, fallback: str, problems: list[str]) -> str:
    """The kernel release; ``fallback`` (and a problem) when it cannot be told."""
    release = first_line(done.stdout) if done is not None and done.ok else ""
    if release and check_version("host.kernel", release, kernel=True) is None:
        return release
    why = f"odd release {release!r}" if release else _why(done)
    problems.append(f"kernel: `uname -r` failed ({why}); assuming {fallback}")
    return fallback


def read_dummy(loaded: bool, dry_run: CommandResult | None, problems: list[str]) -> bool:
    """Whether the kernel has dummy links: the module is loaded, or modprobe would find it."""
    if loaded:
        return True
    if dry_run is None:
        return False
    if dry_run.returncode == MISSING:
        problems.append(f"modprobe: {_why(dry_run)}; assuming the kernel has no dummy links")
    return dry_run.ok


def read_firewalls(
    host: Host,
    files: SafeFiles,
    firewalld_installed: bool,
    nft_installed: bool,
    result: Callable[[Sequence[str]], CommandResult | None],
) -> Firewalls:
    """firewalld, nftables and Docker: installed, and running where that can be told."""
    state = result(FIREWALLD_STATE)
    tables = result(NFT_TABLES)
    return Firewalls(
        firewalld_installed=firewalld_installed,
        firewalld_running=state is not None and first_line(state.stdout) == "running",
        nftables_installed=nft_installed,
        nft_tables=tuple(
            line.removeprefix("table ").strip()
            for line in (tables.stdout.splitlines() if tables is not None and tables.ok else [])
            if line.startswith("table ")
        ),
        docker_installed=which(host, "docker") or which(host, "dockerd"),
        docker_running=files.exists("/run/docker.sock") or files.exists("/var/run/docker.sock"),
    )
