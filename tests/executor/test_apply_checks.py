"""Stage checks and firewall detection against real links, rules and processes in a namespace."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.capability_hosts import QuietMachine
from support.netns import Netns, stop

from virtnet_tui.core.plan import Check, CommandStep, FileStep, Plan, Stage
from virtnet_tui.executor.firewall_safety import inspect_firewall, is_firewall_stage
from virtnet_tui.executor.journal import RunDir
from virtnet_tui.executor.stage_checks import check_net_active, run_check
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.hosts.sandbox import SandboxHost


def _ok(host: NetnsHost, check: Check) -> tuple[bool, str]:
    result = run_check(host, check, wait=0.3, poll=0.1)
    return result.ok, result.detail


@pytest.mark.netns
def test_link_port_address_chain_ping_process_and_file_checks(ns: Netns, tmp_path: Path) -> None:
    ns.add_bridge("vnwbr0", "10.9.0.1/24")
    ns.run("ip", "link", "add", "vnwport", "type", "veth", "peer", "name", "vnwpeer")
    ns.run("ip", "link", "set", "vnwport", "master", "vnwbr0")
    ns.run("ip", "link", "set", "vnwport", "up")
    host = NetnsHost(ns.name)

    assert _ok(host, Check("link-up", "vnwbr0"))[0]
    assert _ok(host, Check("bridge-port", "vnwbr0", "vnwport"))[0]
    ok, detail = _ok(host, Check("bridge-port", "vnwbr0", "vnwpeer"))
    assert not ok and "master is none" in detail
    assert _ok(host, Check("address", "vnwbr0", "10.9.0.1/24"))[0]
    ok, detail = _ok(host, Check("address", "vnwbr0", "10.9.0.2/24"))
    assert not ok and "10.9.0.1/24" in detail
    ok, detail = _ok(host, Check("link-up", "nosuchlink"))
    assert not ok and "nosuchlink" in detail
    ns.run("ip", "link", "set", "vnwbr0", "down")
    assert not _ok(host, Check("link-up", "vnwbr0"))[0]
    ns.run("ip", "link", "set", "vnwbr0", "up")

    assert _ok(host, Check("ping", "10.9.0.1", "vnwbr0"))[0]
    assert not _ok(host, Check("ping", "10.9.0.99", "vnwbr0"))[0]

    ns.run("iptables", "-w", "-t", "nat", "-N", "VNW-T-POST")
    assert not _ok(host, Check("chain", "VNW-T-POST", "iptables nat POSTROUTING"))[0]
    ns.run("iptables", "-w", "-t", "nat", "-I", "POSTROUTING", "1", "-j", "VNW-T-POST")
    assert _ok(host, Check("chain", "VNW-T-POST", "iptables nat POSTROUTING"))[0]

    sleeper = ns.popen("sleep", "417.5")
    try:
        ok, detail = _ok(host, Check("process", "sleep", "417.5"))
        assert ok and str(sleeper.pid) in detail
        pidfile = tmp_path / "sleep.pid"
        pidfile.write_text(f"{sleeper.pid}\n")
        assert _ok(host, Check("process", "sleep", str(pidfile)))[0]
    finally:
        stop(sleeper)
    assert not _ok(host, Check("process", "sleep", "417.5"))[0]
    assert _ok(host, Check("file", str(tmp_path)))[0]


def test_checks_are_skipped_in_the_sandbox(tmp_path: Path) -> None:
    result = run_check(SandboxHost(tmp_path), Check("link-up", "br0"))
    assert result.outcome == "skipped" and result.detail == "skipped: sandbox" and result.ok


def test_net_active_asks_libvirt(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    assert check_net_active(host, Check("net-active", "default"))[0]
    ok, detail = check_net_active(host, Check("net-active", "nosuchnet"))
    assert not ok and detail == "no such network"


FIREWALL_STAGE = Stage(
    "Firewall rules for vnwbr0",
    (
        FileStep(
            "/etc/virtnet-wizard/firewall/vnwbr0.v4",
            "*filter\n:VNW-vnwbr0-IN - [0:0]\n-A VNW-vnwbr0-IN -i vnwbr0 -j REJECT\nCOMMIT\n",
        ),
        CommandStep(("iptables-restore", "-w", "--noflush", "/x")),
    ),
    risky=True,
)


@pytest.mark.netns
def test_docker_and_existing_rules_are_found(ns: Netns, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_firewall_stage(FIREWALL_STAGE)
    host = NetnsHost(ns.name)
    quiet = inspect_firewall(host, FIREWALL_STAGE)
    assert quiet.iptables == "nf_tables" and not quiet.docker and quiet.host_rules == 0
    assert not any("Docker" in w for w in quiet.warnings)

    ns.run("iptables", "-w", "-N", "DOCKER")
    ns.run("iptables", "-w", "-P", "FORWARD", "DROP")
    ns.run("iptables", "-w", "-A", "INPUT", "-p", "tcp", "--dport", "25", "-j", "ACCEPT")
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 50022 10.9.0.1 2222")
    report = inspect_firewall(host, FIREWALL_STAGE)
    assert report.docker and report.policies["FORWARD"] == "DROP" and report.host_rules == 1
    text = " ".join(report.warnings)
    assert "Docker is installed and the FORWARD policy is DROP" in text
    assert "already has 1 firewall rules" in text
    # The stage's INPUT chain rejects and does not open the session's port 2222.
    assert "do not open port 2222" in text


@pytest.mark.netns
def test_a_failing_check_undoes_its_stage_and_the_earlier_ones(ns: Netns, tmp_path: Path) -> None:
    from virtnet_tui.executor.apply import Executor, Options

    plan = Plan(
        stages=(
            Stage(
                "make a bridge",
                (
                    CommandStep(
                        ("ip", "link", "add", "vnwok", "type", "bridge"),
                        undo=(("ip", "link", "del", "vnwok"),),
                    ),
                ),
                checks=(Check("file", "/"),),
            ),
            Stage(
                "make a second bridge and forget to bring it up",
                (
                    CommandStep(
                        ("ip", "link", "add", "vnwdown", "type", "bridge"),
                        undo=(("ip", "link", "del", "vnwdown"),),
                    ),
                ),
                risky=True,
                checks=(Check("link-up", "vnwdown"),),
            ),
        )
    )
    host = NetnsHost(ns.name, tmp_path)
    outcome = Executor(host, plan, options=Options(yes=True, check_wait=0.5)).apply()
    assert outcome.exit_code == 3 and outcome.status == "rolled-back"
    assert outcome.failure is not None and "link vnwdown is up" in outcome.failure.reason
    links = ns.run("ip", "-o", "link").stdout
    assert "vnwok" not in links and "vnwdown" not in links
    events = [e.event for e in RunDir(host, outcome.run_id).events()]
    assert "check-failed" in events and "confirmed" not in events
    assert events[-1] == "run-rolled-back"


def test_checks_are_skipped_on_any_host_that_runs_nothing(tmp_path: Path) -> None:
    host = QuietMachine(tmp_path)
    result = run_check(host, Check("link-up", "br0"))
    assert result.outcome == "skipped" and host.ran == []
