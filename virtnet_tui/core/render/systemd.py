"""Renders the systemd units of custom networks: dnsmasq@, dummy@ and the per-network firewall."""

from __future__ import annotations

import shlex

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.dnsmasq import DNSMASQ_ROOT
from virtnet_tui.core.render.header import header
from virtnet_tui.core.render.iptables import (
    FAMILIES,
    firewall_chains,
    firewall_jump_argvs,
    firewall_restore_argv,
)
from virtnet_tui.core.render.nftables import nft_delete_argv, nft_load_argv

UNIT_DIR = "/etc/systemd/system"
DNSMASQ_UNIT = "dnsmasq@.service"
DUMMY_UNIT = "dummy@.service"
#: iptables, ip6tables and nft live here on Debian, RHEL and Fedora alike.
SBIN = "/usr/sbin"
#: /sbin/ip exists on every supported distribution (a link into /usr on merged-/usr systems).
IP = "/sbin/ip"


def unit_path(name: str) -> str:
    """Where a unit file the wizard writes lives."""
    return f"{UNIT_DIR}/{name}"


def dnsmasq_service(bridge: str) -> str:
    """The instance of ``dnsmasq@.service`` that serves ``bridge``."""
    return f"dnsmasq@{bridge}.service"


def _unit(purpose: str, sections: dict[str, list[str]]) -> str:
    """A unit file: the header, then each ``[Section]`` with its lines (comments allowed)."""
    body = "".join(
        f"\n[{name}]\n" + "".join(line + "\n" for line in lines) for name, lines in sections.items()
    )
    return header(purpose=purpose) + body


def render_dnsmasq_unit() -> str:
    """``dnsmasq@.service``: one dnsmasq per bridge, ``%i`` being the bridge."""
    return _unit(
        "dnsmasq@BRIDGE.service runs the dnsmasq of one bridge.",
        {
            "Unit": [
                "Description=DHCP and DNS for the VMs on %i",
                "After=network.target",
            ],
            "Service": [
                "# -k keeps dnsmasq in the foreground, where systemd tracks it (no pid file).",
                f"ExecStart=/usr/sbin/dnsmasq -k --conf-file={DNSMASQ_ROOT}/%i/dnsmasq.conf",
                "# SIGHUP rereads the hostsfile: fixed leases change without a restart.",
                "ExecReload=/bin/kill -HUP $MAINPID",
                "Restart=on-failure",
                "RestartSec=5",
            ],
            "Install": ["WantedBy=multi-user.target"],
        },
    )


def render_dummy_unit() -> str:
    """``dummy@.service``: the dummy link that gives bridge ``%i`` a fixed MAC address.

    The MAC comes from ``/etc/sysconfig/%i-dummy`` (``MACADDR=...``).
    """
    return _unit(
        "dummy@BRIDGE.service gives a bridge a fixed MAC through a dummy link.",
        {
            "Unit": [
                "Description=Dummy link that fixes the MAC address of %i",
                "After=network.target",
            ],
            "Service": [
                "Type=oneshot",
                "RemainAfterExit=yes",
                "EnvironmentFile=/etc/sysconfig/%i-dummy",
                "# '-': the link may be left from an earlier start; attaching it is what counts.",
                f"ExecStartPre=-{IP} link add %i-dummy address ${{MACADDR}} type dummy",
                "# iproute2 rather than brctl: bridge-utils is deprecated and often missing.",
                f"ExecStart={IP} link set %i-dummy master %i",
                "# An up port gives the bridge a carrier: its addresses work before any VM runs.",
                f"ExecStart={IP} link set %i-dummy up",
                f"ExecStop=-{IP} link delete %i-dummy",
            ],
            "Install": ["WantedBy=multi-user.target"],
        },
    )


def _exec(argv: tuple[str, ...], *, ignore_failure: bool = False) -> str:
    """An absolute, quoted command line for ``Exec*=``."""
    tool, *args = argv
    return ("-" if ignore_failure else "") + shlex.join([f"{SBIN}/{tool}", *args])


def render_firewall_unit(spec: NetworkSpec, facts: HostFacts) -> str:
    """The unit ``iptables.firewall_unit_name`` names: loads the network's rules at boot.

    Stale jumps are removed first, so a restart never doubles them; the rules files
    declare only our chains and are loaded with ``--noflush``. It runs after the
    services that restore the host's own rule set (a full restore would flush ours),
    and before the network comes up.

    ``facts`` is not needed yet (the rules files carry everything); it is taken so
    that distribution-specific paths can follow without changing callers.
    """
    pre: list[str] = []
    start: list[str] = []
    stop: list[str] = []
    for fam in FAMILIES:
        if not firewall_chains(spec, fam):
            continue
        removals = firewall_jump_argvs(spec, fam, insert=False)
        pre += [f"ExecStartPre={_exec(a, ignore_failure=True)}" for a in removals]
        stop += [f"ExecStop={_exec(a, ignore_failure=True)}" for a in removals]
        start.append(f"ExecStart={_exec(firewall_restore_argv(spec.bridge, fam))}")
        start += [f"ExecStart={_exec(a)}" for a in firewall_jump_argvs(spec, fam, insert=True)]
    return _unit(
        f"Loads the firewall chains of bridge {spec.bridge} at boot.",
        {
            "Unit": [
                f"Description=virtnet-wizard firewall rules for {spec.bridge}",
                "DefaultDependencies=no",
                "Wants=network-pre.target",
                "Before=network-pre.target shutdown.target",
                "After=local-fs.target systemd-modules-load.service",
                "# The host's own rule set is restored first: a full restore would flush ours.",
                "After=netfilter-persistent.service iptables.service ip6tables.service",
                "After=firewalld.service",
                "Conflicts=shutdown.target",
            ],
            "Service": [
                "Type=oneshot",
                "RemainAfterExit=yes",
                "# Remove jumps left by an earlier start, so that none is doubled.",
                *pre,
                *start,
                *stop,
            ],
            "Install": ["WantedBy=multi-user.target"],
        },
    )


def render_nft_firewall_unit(spec: NetworkSpec) -> str:
    """The same unit for host.firewall_backend = "nftables": loads the network's table.

    It starts after nftables.service and firewalld, whose rule sets load first (Debian's
    /etc/nftables.conf begins with ``flush ruleset``, which would delete the table), and
    follows nftables.service through its restarts (PartOf) and reloads
    (ReloadPropagatedFrom): each of those flushes the rule set, then this unit loads the
    table again. The file recreates the table atomically, so a reload never doubles it.
    """
    load = _exec(nft_load_argv(spec.bridge))
    return _unit(
        f"Loads the nftables table of bridge {spec.bridge} at boot.",
        {
            "Unit": [
                f"Description=virtnet-wizard nftables rules for {spec.bridge}",
                "DefaultDependencies=no",
                "Wants=network-pre.target",
                "Before=network-pre.target shutdown.target",
                "After=local-fs.target systemd-modules-load.service",
                "# The host's own rule set is loaded first: `flush ruleset` would delete ours.",
                "After=nftables.service firewalld.service",
                "PartOf=nftables.service",
                "ReloadPropagatedFrom=nftables.service",
                "Conflicts=shutdown.target",
            ],
            "Service": [
                "Type=oneshot",
                "RemainAfterExit=yes",
                f"ExecStart={load}",
                f"ExecReload={load}",
                f"ExecStop=-{_exec(nft_delete_argv(spec.bridge))}",
            ],
            "Install": ["WantedBy=multi-user.target"],
        },
    )


def render_docker_user_unit(
    bridge: str, inserts: list[tuple[str, ...]], deletes: list[tuple[str, ...]]
) -> str:
    """Adds ``bridge``'s DOCKER-USER accepts each time Docker (re)creates its chains.

    Docker makes DOCKER-USER when it starts, so the unit starts after it and with it
    (WantedBy, PartOf); stale copies are deleted first so a restart doubles nothing.
    """
    return _unit(
        f"Lets bridge {bridge} forward past Docker's FORWARD policy DROP.",
        {
            "Unit": [
                f"Description=virtnet-wizard DOCKER-USER rules for {bridge}",
                "After=docker.service",
                "PartOf=docker.service",
            ],
            "Service": [
                "Type=oneshot",
                "RemainAfterExit=yes",
                *[f"ExecStartPre={_exec(a, ignore_failure=True)}" for a in deletes],
                *[f"ExecStart={_exec(a)}" for a in inserts],
                *[f"ExecStop={_exec(a, ignore_failure=True)}" for a in deletes],
            ],
            "Install": ["WantedBy=docker.service"],
        },
    )
