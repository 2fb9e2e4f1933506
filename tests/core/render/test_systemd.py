"""systemd units: golden files, `systemd-analyze verify`, and the firewall unit's commands run."""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.custom_net_examples import FACTS, NAT, NAT_WITH_V6, ROUTED_SLAAC, ROUTED_V6_ONLY
from support.golden_util import assert_golden
from support.netns import Netns

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.render.iptables import (
    FAMILIES,
    FIREWALL_DIR,
    firewall_chains,
    firewall_rules_path,
    firewall_unit_name,
    render_iptables_rules,
)
from virtnet_tui.core.render.systemd import (
    render_dnsmasq_unit,
    render_dummy_unit,
    render_firewall_unit,
)

needs_verify = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)

FIREWALL_VARIANTS: list[tuple[str, NetworkSpec]] = [
    ("nat-forwards", NAT),
    ("nat-v6", NAT_WITH_V6),
    ("routed-slaac", ROUTED_SLAAC),
    ("routed-v6-only", ROUTED_V6_ONLY),
]
FW_IDS = [name for name, _ in FIREWALL_VARIANTS]


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify`` of ``unit``; a template is given as one of its instances."""
    return subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )


def directives(text: str, key: str) -> list[str]:
    return [ln.split("=", 1)[1] for ln in text.splitlines() if ln.startswith(f"{key}=")]


def test_dnsmasq_unit_matches_golden_and_handbook() -> None:
    text = render_dnsmasq_unit()
    assert_golden("render/dnsmasq@.service", text)
    assert directives(text, "ExecStart") == [
        "/usr/sbin/dnsmasq -k --conf-file=/var/lib/dnsmasq/%i/dnsmasq.conf"
    ]
    assert directives(text, "ExecReload") == ["/bin/kill -HUP $MAINPID"]
    assert directives(text, "Restart") == ["on-failure"]
    assert directives(text, "RestartSec") == ["5"]
    assert directives(text, "After") == ["network.target"]
    assert directives(text, "WantedBy") == ["multi-user.target"]


def test_dummy_unit_matches_golden_and_handbook() -> None:
    text = render_dummy_unit()
    assert_golden("render/dummy@.service", text)
    assert directives(text, "EnvironmentFile") == ["/etc/sysconfig/%i-dummy"]
    assert directives(text, "ExecStartPre") == [
        "-/sbin/ip link add %i-dummy address ${MACADDR} type dummy"
    ]
    assert directives(text, "ExecStart")[0] == "/sbin/ip link set %i-dummy master %i"
    assert "brctl" not in "".join(directives(text, "ExecStart"))
    assert directives(text, "Type") == ["oneshot"]
    assert directives(text, "RemainAfterExit") == ["yes"]


@pytest.mark.parametrize(("name", "spec"), FIREWALL_VARIANTS, ids=FW_IDS)
def test_firewall_unit_matches_golden(name: str, spec: NetworkSpec) -> None:
    assert_golden(f"render/firewall-{name}.service", render_firewall_unit(spec, FACTS))


def test_firewall_unit_commands() -> None:
    text = render_firewall_unit(NAT_WITH_V6, FACTS)
    pre = directives(text, "ExecStartPre")
    start = directives(text, "ExecStart")
    stop = directives(text, "ExecStop")
    n4, n6 = len(firewall_chains(NAT_WITH_V6, 4)), len(firewall_chains(NAT_WITH_V6, 6))
    assert len(pre) == len(stop) == n4 + n6
    assert all(p.startswith("-") and " -D " in p for p in pre + stop)
    assert (
        start[0]
        == "/usr/sbin/iptables-restore -w --noflush /etc/virtnet-wizard/firewall/virbr10.v4"
    )
    assert start[1 + n4] == (
        "/usr/sbin/ip6tables-restore -w --noflush /etc/virtnet-wizard/firewall/virbr10.v6"
    )
    assert start[1] == "/usr/sbin/iptables -w -t mangle -I POSTROUTING 1 -j VNW-virbr10-POST"
    assert directives(text, "Before") == ["network-pre.target shutdown.target"]
    assert "netfilter-persistent.service" in " ".join(directives(text, "After"))
    assert directives(text, "RemainAfterExit") == ["yes"]
    # IPv4 only: no ip6tables at all.
    v4_only = render_firewall_unit(NAT, FACTS)
    assert not any(
        "ip6tables" in d
        for key in ("ExecStartPre", "ExecStart", "ExecStop")
        for d in directives(v4_only, key)
    )


@needs_verify
@pytest.mark.parametrize(
    ("filename", "instance", "render"),
    [
        ("dnsmasq@.service", "dnsmasq@virbr10.service", render_dnsmasq_unit),
        ("dummy@.service", "dummy@virbr10.service", render_dummy_unit),
    ],
    ids=["dnsmasq", "dummy"],
)
def test_template_units_verify_cleanly(
    filename: str, instance: str, render: Callable[[], str], tmp_path: Path
) -> None:
    (tmp_path / filename).write_text(render())
    proc = verify(tmp_path / instance)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr


@needs_verify
@pytest.mark.parametrize(("name", "spec"), FIREWALL_VARIANTS, ids=FW_IDS)
def test_firewall_unit_verifies_cleanly(name: str, spec: NetworkSpec, tmp_path: Path) -> None:
    unit = tmp_path / firewall_unit_name(spec.bridge)
    unit.write_text(render_firewall_unit(spec, FACTS))
    proc = verify(unit)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr


@needs_verify
def test_verify_can_fail(tmp_path: Path) -> None:
    """The checks above can fail: verify reports a misspelt directive on stderr."""
    (tmp_path / "dnsmasq@.service").write_text(
        render_dnsmasq_unit().replace("RestartSec=", "RestartSecs=")
    )
    proc = verify(tmp_path / "dnsmasq@virbr10.service")
    assert "RestartSecs" in proc.stderr


# --- the firewall unit's commands, run for real ---------------------------------------------


def exec_lines(text: str, key: str, root: Path) -> list[tuple[bool, list[str]]]:
    """``(may fail, argv)`` of each ``key=`` line, with the rules files moved under ``root``."""
    out = []
    for line in directives(text, key):
        ignore = line.startswith("-")
        argv = shlex.split(line.removeprefix("-"))
        out.append((ignore, [a.replace(FIREWALL_DIR, str(root)) for a in argv]))
    return out


def run_phase(ns: Netns, text: str, root: Path, *keys: str) -> None:
    for key in keys:
        for ignore, argv in exec_lines(text, key, root):
            ns.run(*argv, check=not ignore)


def save(ns: Netns) -> str:
    out = ns.run("iptables-save").stdout + ns.run("ip6tables-save").stdout
    return "\n".join(
        re.sub(r"\[\d+:\d+\]", "[0:0]", ln) for ln in out.splitlines() if not ln.startswith("#")
    )


@pytest.mark.netns
@pytest.mark.parametrize(("name", "spec"), FIREWALL_VARIANTS, ids=FW_IDS)
def test_firewall_unit_starts_restarts_and_stops(
    name: str, spec: NetworkSpec, ns: Netns, tmp_path: Path
) -> None:
    for family in FAMILIES:
        path = Path(firewall_rules_path(spec.bridge, family).replace(FIREWALL_DIR, str(tmp_path)))
        path.write_text(render_iptables_rules(spec, FACTS, family))
    ns.run("iptables", "-w", "-A", "INPUT", "-s", "198.51.100.7", "-j", "DROP")
    ns.run("ip6tables", "-w", "-A", "FORWARD", "-i", "eth9", "-j", "ACCEPT")
    text = render_firewall_unit(spec, FACTS)

    run_phase(ns, text, tmp_path, "ExecStartPre", "ExecStart")  # first boot: nothing to remove
    started = save(ns)
    for _, builtin, ours in firewall_chains(spec, 4) + firewall_chains(spec, 6):
        assert started.count(f"-A {builtin} -j {ours}") >= 1, started
    run_phase(ns, text, tmp_path, "ExecStartPre", "ExecStart")  # started again, no stop
    assert save(ns) == started, "a second start doubled something"
    run_phase(ns, text, tmp_path, "ExecStop")
    stopped = save(ns)
    assert "-j VNW-" not in stopped
    assert "-A INPUT -s 198.51.100.7/32 -j DROP" in stopped
    assert "-A FORWARD -i eth9 -j ACCEPT" in stopped


def test_unused_facts_do_not_change_the_unit() -> None:
    other = dataclasses.replace(FACTS, distro="rhel", ssh_port=2222)
    assert render_firewall_unit(NAT, other) == render_firewall_unit(NAT, FACTS)
