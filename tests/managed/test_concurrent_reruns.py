"""Re-run commands started together: each lands or is refused as busy, never silently lost."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import fast_root
from support.rerun_util import NAT, Sandbox, answers_text, custom_nat

from virtnet_tui.core.changes.dhcp import hostsfile_path
from virtnet_tui.core.changes.dhcp_entries import parse_hostsfile
from virtnet_tui.core.render.iptables import firewall_rules_path

COUNT = 5


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def _together(root: Path, commands: list[tuple[str, ...]]) -> list[int]:
    """Start one ``virtnet-wizard`` process per command at once; their exit codes."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTNET_FAULT"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "virtnet_tui", *argv, "--root", str(root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for argv in commands
    ]
    codes = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, 2), err
        if proc.returncode == 2:
            assert "holds the lock" in err, err  # busy, said so: not a silent loss
        codes.append(proc.returncode)
    return codes


def _add_together(root: Path, network: str, leases: list[tuple[str, str]]) -> list[int]:
    return _together(
        root,
        [
            ("dhcp-host", "add", "--network", network, "--mac", mac, "--ip", ip)
            for mac, ip in leases
        ],
    )


def _leases(count: int, prefix: str) -> list[tuple[str, str]]:
    return [(f"52:54:00:00:07:{i:02x}", f"{prefix}.{i + 20}") for i in range(count)]


def test_concurrent_adds_on_a_libvirt_network_lose_nothing(sandbox: Sandbox) -> None:
    import xml.etree.ElementTree as ET

    sandbox.apply(answers_text(NAT))
    leases = _leases(COUNT, "192.168.100")
    codes = _add_together(sandbox.root, "nat1", leases)
    landed = [lease for lease, code in zip(leases, codes, strict=True) if code == 0]
    assert landed, "no add succeeded"
    xml = ET.fromstring(sandbox.saved_network_xml("nat1"))
    live = {(h.get("mac"), h.get("ip")) for h in xml.iter("host")}
    assert set(landed) <= live
    state = {(h["mac"], h["ip"]) for h in sandbox.network_state("nat1")["dhcp_hosts"]}
    assert state == live


def test_concurrent_adds_on_a_custom_network_lose_nothing(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(custom_nat()))
    name = bridge = "virbr10"
    prefix = "192.168.110"
    leases = _leases(COUNT, prefix)
    codes = _add_together(sandbox.root, name, leases)
    landed = [lease for lease, code in zip(leases, codes, strict=True) if code == 0]
    assert landed, "no add succeeded"
    text = (sandbox.root / hostsfile_path(bridge).lstrip("/")).read_text()
    written = {(h.mac, h.ip) for h in parse_hostsfile(text)}
    assert set(landed) <= written
    state = {(h["mac"], h["ip"]) for h in sandbox.network_state(name)["dhcp_hosts"]}
    assert state == written


def test_concurrent_forward_adds_lose_nothing(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(custom_nat()))
    ports = [8080 + i for i in range(COUNT)]
    codes = _together(
        sandbox.root,
        [
            (
                *("forward", "add", "--network", "virbr10", "--proto", "tcp"),
                *("--port", str(port), "--to", "192.168.110.77", "--to-port", "80"),
            )
            for port in ports
        ],
    )
    landed = {port for port, code in zip(ports, codes, strict=True) if code == 0}
    assert landed, "no add succeeded"
    rules = sandbox.host.read_text(firewall_rules_path("virbr10", 4)) or ""
    assert {port for port in ports if f"--dport {port} " in rules} == landed
    forwards = sandbox.network_state("virbr10")["forwards"]
    assert {port for f in forwards for port in f["ports"]} == landed
