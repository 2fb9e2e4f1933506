"""The host probe: what the machine looks like, read without changing anything."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from virtnet_tui.core.model import HostFacts
from virtnet_tui.core.netconfig import ifcfg_read
from virtnet_tui.core.recipes.packages import NEED_PROGRAMS
from virtnet_tui.core.validate.fields import check_distro_version, check_hostname
from virtnet_tui.hosts.base import CommandResult, Host
from virtnet_tui.probe.answers import facts_for_uplink, merge_facts, suggest_situation, with_uplink
from virtnet_tui.probe.commands import (
    DNSMASQ_VERSION,
    FIREWALLD_DEFAULT_ZONE,
    FIREWALLD_STATE,
    FIREWALLD_ZONES,
    IP_ADDRESS,
    IP_LINK,
    IP_ROUTES4,
    IP_ROUTES6,
    MODPROBE_DRY_DUMMY,
    NETWORKD_ACTIVE,
    NFT_TABLES,
    NM_DEVICES,
    NM_RUNNING,
    NM_UNIT_ACTIVE,
    UNAME_NODE,
    UNAME_RELEASE,
    Background,
    ReadOnlyRunner,
    firewalld_zone_of,
    ip_route_get,
    which,
)
from virtnet_tui.probe.facts import choose_uplink, uplink_facts, used_bridges, used_subnets
from virtnet_tui.probe.files import (
    SYSTEM_DNSMASQ_UNITS,
    SafeFiles,
    distro,
    edited_files,
    session_environ,
)
from virtnet_tui.probe.firewall_backend import (
    LIBVIRT_NETWORK_CONF,
    choose_firewall_backend,
    firewalld_zones,
    libvirt_firewall_backend,
    nftables_enabled,
)
from virtnet_tui.probe.libvirt_networks import LibvirtView, query_libvirt
from virtnet_tui.probe.model import ProbeResult
from virtnet_tui.probe.netconfig import NETWORKD_LINKS, network_files, owners, ownership
from virtnet_tui.probe.parse import ssh_session, sshd_port
from virtnet_tui.probe.readings import (
    first_line,
    read_carrier,
    read_dnsmasq,
    read_dummy,
    read_firewalls,
    read_interfaces,
    read_kernel,
    read_network_manager,
    read_routes,
)

__all__ = [
    "ProbeResult",
    "facts_for_uplink",
    "merge_facts",
    "probe",
    "suggest_situation",
]

#: The whole probe gives up on commands (and libvirt) that have not answered by then.
PROBE_DEADLINE = 8.0


@dataclass
class _Jobs:
    """The probe's commands, each started in its own thread as soon as it is known."""

    runner: ReadOnlyRunner
    started: dict[tuple[str, ...], Background[CommandResult]] = field(default_factory=dict)

    def start(self, argv: Sequence[str]) -> None:
        key = tuple(argv)
        if key not in self.started:
            self.started[key] = Background(lambda: self.runner.run(key))

    def result(self, argv: Sequence[str], deadline: float) -> CommandResult | None:
        """The result of a started command; None when it was never started."""
        key = tuple(argv)
        job = self.started.get(key)
        if job is None:
            return None
        done = job.result(deadline)
        if done is None:
            reason = job.error or f"no answer within {PROBE_DEADLINE:g} s"
            return CommandResult(key, 124, "", reason)
        return done


def probe(host: Host) -> ProbeResult:
    """Find out what the host looks like; every command is read-only and goes through ``host``.

    Missing tools, unreadable files, odd output and an unreachable libvirt end up in
    ``problems``; the probe itself never raises for them.
    """
    began = time.monotonic()
    files = SafeFiles(host)
    problems = files.problems
    jobs = _Jobs(ReadOnlyRunner(host))
    env = session_environ(files)
    ssh = ssh_session(env.get("SSH_CONNECTION", ""))
    systemd = files.is_dir("/run/systemd/system")
    dummy_loaded = files.exists("/sys/module/dummy")
    firewalld_installed = which(host, "firewall-cmd")
    nft_installed = which(host, "nft")

    for argv in (IP_LINK, IP_ADDRESS, IP_ROUTES4, IP_ROUTES6, UNAME_RELEASE, DNSMASQ_VERSION):
        jobs.start(argv)
    if ssh is not None:
        jobs.start(ip_route_get(ssh.client))
    if systemd:
        jobs.start(NM_UNIT_ACTIVE)
        jobs.start(NETWORKD_ACTIVE)
    if which(host, "nmcli"):
        jobs.start(NM_RUNNING)
        jobs.start(NM_DEVICES)
    if not dummy_loaded:
        jobs.start(MODPROBE_DRY_DUMMY)
    if firewalld_installed:
        for argv in (FIREWALLD_STATE, FIREWALLD_ZONES, FIREWALLD_DEFAULT_ZONE):
            jobs.start(argv)
    if nft_installed:
        jobs.start(NFT_TABLES)
    libvirt_job = Background(lambda: query_libvirt(host))

    # File reads are quick; they overlap with the commands.
    family, version = distro(files)
    hostname = first_line(files.read("/etc/hostname"))
    sshd_config = files.read("/etc/ssh/sshd_config") or ""
    edited = edited_files(files, network_files(files))
    system_dnsmasq = any(files.exists(path) for path in SYSTEM_DNSMASQ_UNITS)

    deadline = began + PROBE_DEADLINE

    def result(argv: Sequence[str]) -> CommandResult | None:
        return jobs.result(argv, deadline)

    interfaces = read_interfaces(files, result(IP_LINK), result(IP_ADDRESS), problems)
    routes4, subnets4 = read_routes(result(IP_ROUTES4), 4, problems)
    routes6, subnets6 = read_routes(result(IP_ROUTES6), 6, problems)
    routes = routes4 + routes6
    uplink, wireless = choose_uplink(interfaces, routes)
    up = uplink_facts(interfaces, routes, uplink, wireless)
    if not uplink:
        problems.append("no uplink interface found")
    elif not routes:
        problems.append(f"no default route: {uplink} taken as the uplink")
    if ssh is not None:
        ssh = read_carrier(ssh, result(ip_route_get(ssh.client)), interfaces)

    view = libvirt_job.result(deadline)
    if view is None:
        reason = libvirt_job.error or f"no answer within {PROBE_DEADLINE:g} s"
        view = LibvirtView(problem=f"libvirt unreachable: {reason}")
    if view.problem:
        problems.append(view.problem)

    nm_running = read_network_manager(files, result(NM_UNIT_ACTIVE), result(NM_RUNNING))
    networkd = result(NETWORKD_ACTIVE)
    owned = ownership(
        owners(
            files,
            edited,
            uplink,
            up.mac,
            nm_running=nm_running,
            nm_devices=result(NM_DEVICES),
            nm_reads_ifcfg=ifcfg_read(HostFacts(distro=family or "debian", distro_version=version)),
            networkd_running=first_line(networkd.stdout) == "active"
            if networkd is not None and networkd.returncode != 127
            else files.is_dir(NETWORKD_LINKS),
        ),
        uplink,
    )
    if owned.problem:
        problems.append(f"network stack: {owned.problem}")

    defaults = HostFacts()
    if family is None:
        problems.append("distribution not recognised (no usable /etc/os-release): assuming Debian")
    if version and check_distro_version("host.distro_version", version) is not None:
        problems.append(f"odd distribution release {version!r}: left out")
        version = ""
    if not hostname:
        node = _run_now(jobs, UNAME_NODE, deadline)
        hostname = first_line(node.stdout) if node.ok else ""
    if hostname and check_hostname("host.hostname", hostname) is not None:
        problems.append(f"odd host name {hostname!r}: using {defaults.hostname!r}")
        hostname = ""
    firewalls = read_firewalls(host, files, firewalld_installed, nft_installed, result)
    zone_of_uplink = None
    if firewalls.firewalld_running and uplink:
        zone_of_uplink = _run_now(jobs, firewalld_zone_of(uplink), deadline)
    zone, zones = firewalld_zones(
        result(FIREWALLD_ZONES), result(FIREWALLD_DEFAULT_ZONE), zone_of_uplink
    )
    facts = HostFacts(
        distro=family or defaults.distro,
        distro_version=version,
        network_manager=nm_running,
        netconfig=owned.netconfig,
        netconfig_problem=owned.problem,
        systemd=systemd,
        dnsmasq_version=read_dnsmasq(result(DNSMASQ_VERSION), defaults.dnsmasq_version, problems),
        kernel=read_kernel(result(UNAME_RELEASE), defaults.kernel, problems),
        dummy_supported=read_dummy(dummy_loaded, result(MODPROBE_DRY_DUMMY), problems),
        ssh_port=ssh.server_port if ssh else sshd_port(sshd_config) or defaults.ssh_port,
        hostname=hostname or defaults.hostname,
        files=edited,
        used_bridges=used_bridges(interfaces, view.networks),
        used_subnets=used_subnets(subnets4 + subnets6, interfaces, view.networks, uplink),
        used_networks=tuple(n.name for n in view.networks),
        system_dnsmasq=system_dnsmasq,
        default_network_users=view.default_users,
        default_network_active=any(
            n.name == "default" and (n.active or n.autostart) for n in view.networks
        ),
        installed=installed_needs(host),
        firewall_backend=choose_firewall_backend(
            firewalls, which(host, "iptables-restore"), nftables_enabled(files)
        ),
        libvirt_firewall_backend=libvirt_firewall_backend(
            files.read(LIBVIRT_NETWORK_CONF), view.version, nft_installed
        ),
        docker=firewalls.docker_running,
        firewalld_zone=zone,
        firewalld_zones=zones,
    )
    return ProbeResult(
        facts=with_uplink(facts, up),
        interfaces=interfaces,
        default_routes=routes,
        ssh=ssh,
        libvirt_reachable=view.reachable,
        libvirt_networks=view.networks,
        firewalls=firewalls,
        ipv6_prefix=up.ipv6_prefix,
        wireless=any(i.kind == "wireless" for i in interfaces),
        problems=tuple(dict.fromkeys(problems)),
        commands=tuple(c for c in jobs.started if c in jobs.runner.started),
        seconds=time.monotonic() - began,
    )


def installed_needs(host: Host) -> tuple[str, ...]:
    """What the recipes need that is already on the host, told by its programs."""
    return tuple(
        need
        for need, groups in NEED_PROGRAMS.items()
        if all(any(which(host, program) for program in group) for group in groups)
    )


def _run_now(jobs: _Jobs, argv: Sequence[str], deadline: float) -> CommandResult:
    jobs.start(argv)
    done = jobs.result(argv, deadline)
    assert done is not None
    return done
