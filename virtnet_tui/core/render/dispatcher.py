"""Renders the NetworkManager dispatcher script and ifupdown hooks that follow a custom bridge."""

from __future__ import annotations

import shlex

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.dnsmasq import dnsmasq_argv, dnsmasq_paths
from virtnet_tui.core.render.header import header
from virtnet_tui.core.render.systemd import IP, dnsmasq_service

DISPATCHER_DIR = "/etc/NetworkManager/dispatcher.d"
DISPATCHER_MODE = 0o755
SYSTEMCTL = "/bin/systemctl"


def dispatcher_path(bridge: str) -> str:
    """Where the dispatcher script of ``bridge`` lives (it must be executable: 0755)."""
    return f"{DISPATCHER_DIR}/99-{bridge}"


def dnsmasq_hook_lines(bridge: str) -> list[str]:
    """The ``up``/``down`` options of an ifupdown stanza that start and stop its dnsmasq."""
    unit = dnsmasq_service(bridge)
    return [
        f"up {SYSTEMCTL} start {unit} || :",
        f"down {SYSTEMCTL} stop {unit} || :",
    ]


def _mac_lines(spec: NetworkSpec, facts: HostFacts) -> list[str]:
    br = shlex.quote(spec.bridge)
    mac = spec.bridge_mac
    if not mac:
        return []
    if not facts.dummy_supported:
        return [
            "# No dummy links in this kernel: set the MAC on the bridge itself, which stops",
            "# it from taking the address of whichever VM starts first.",
            f"{IP} link set {br} address {mac}",
        ]
    dummy = shlex.quote(f"{spec.bridge}-dummy")
    return [
        "# A dummy port with a fixed MAC keeps the bridge's address from following the",
        "# first VM that starts.",
        f"{IP} link show dev {dummy} >/dev/null 2>&1 ||",
        f"    {IP} link add {dummy} address {mac} type dummy",
        f"{IP} link set {dummy} master {br}",
        f"{IP} link set {dummy} up",
    ]


def _dnsmasq_lines(spec: NetworkSpec, facts: HostFacts, action: str) -> list[str]:
    if facts.systemd:
        return [f"{SYSTEMCTL} {action} {dnsmasq_service(spec.bridge)} || :"]
    if action == "stop":
        return ['if dnsmasq_running; then kill "$(cat "$pidfile")"; fi']
    paths = dnsmasq_paths(spec.bridge)
    return [
        "# No systemd: run dnsmasq as a daemon with a pid file, unless it already runs.",
        'if [ -r "$conf" ] && ! dnsmasq_running; then',
        f"    mkdir -p {shlex.quote(paths.pidfile.rsplit('/', 1)[0])}",
        f"    {shlex.join(dnsmasq_argv(spec.bridge))}",
        "fi",
    ]


def _preamble(spec: NetworkSpec, facts: HostFacts) -> list[str]:
    """Shell definitions the no-systemd branches share."""
    if facts.systemd:
        return []
    paths = dnsmasq_paths(spec.bridge)
    return [
        f"conf={shlex.quote(paths.conf)}",
        f"pidfile={shlex.quote(paths.pidfile)}",
        'dnsmasq_running() { [ -r "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }',
    ]


def render_nm_dispatcher(spec: NetworkSpec, facts: HostFacts) -> str:
    """``/etc/NetworkManager/dispatcher.d/99-<bridge>`` (mode 0755).

    When NetworkManager brings the bridge up, the script fixes its MAC address (a
    dummy port, or the bridge's own address where the kernel has no dummy links) and
    starts the bridge's dnsmasq; when the bridge goes down, it stops dnsmasq.
    """
    indent = " " * 8
    up = _mac_lines(spec, facts) + _dnsmasq_lines(spec, facts, "start")
    down = _dnsmasq_lines(spec, facts, "stop")
    lines = [
        "#!/bin/sh",
        header(purpose=f"NetworkManager dispatcher hook for bridge {spec.bridge}.").rstrip("\n"),
        "# Called with the interface and the action; see NetworkManager-dispatcher(8).",
        f'[ "$1" = {shlex.quote(spec.bridge)} ] || exit 0',
        *_preamble(spec, facts),
        'case "$2" in',
        "    up)",
        *(indent + line for line in up),
        "        ;;",
        "    down)",
        *(indent + line for line in down),
        "        ;;",
        "esac",
        "exit 0",
    ]
    return "\n".join(lines) + "\n"
