"""The command-line contract (docs/contract.md): recommend, plan, JSON, exit codes, errors."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import EXAMPLES

import virtnet_tui
from virtnet_tui.cli.apply import needs_root
from virtnet_tui.cli.main import main
from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import SandboxHost

ALL_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.toml"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("example", ALL_EXAMPLES)
def test_recommend_json_shape(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "recommend", "--answers", str(EXAMPLES / example), "--json")
    assert rc == 0
    data = json.loads(out)
    assert set(data) >= {"networks", "reasons", "alternatives"}
    assert data["networks"], "at least one network"
    for net in data["networks"]:
        assert net["type"] in ("bridged", "routed", "nat", "custom-routed", "custom-nat")
        assert net["family"] in ("ipv4", "ipv6", "both")
        assert net["why"]


@pytest.mark.parametrize("example", ALL_EXAMPLES)
def test_plan_json_shape(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "plan", "--answers", str(EXAMPLES / example), "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert data["stages"]
    for stage in data["stages"]:
        assert isinstance(stage["name"], str) and stage["name"]
        assert isinstance(stage["risky"], bool)
        for step in stage["steps"]:
            assert step["kind"] in ("file", "command", "libvirt", "sysctl")
            if step["kind"] == "file":
                assert step["path"].startswith("/")
                assert len(step["mode"]) == 4 and int(step["mode"], 8) >= 0
                assert isinstance(step["content"], str)
            elif step["kind"] == "command":
                assert isinstance(step["argv"], list) and all(
                    isinstance(a, str) for a in step["argv"]
                )
            elif step["kind"] == "libvirt":
                assert step["op"]


def test_examples_recommend_what_the_handbook_says(capsys: pytest.CaptureFixture[str]) -> None:
    def types(example: str) -> list[tuple[str, str]]:
        rc, out, _ = run(capsys, "recommend", "--answers", str(EXAMPLES / example), "--json")
        assert rc == 0
        return [(n["type"], n["family"]) for n in json.loads(out)["networks"]]

    assert types("bridged.toml") == [("bridged", "both")]
    assert types("nat.toml") == [("nat", "ipv4")]
    assert [t for t, _ in types("multi-example1.toml")] == ["routed", "custom-nat"]
    assert types("multi-example1.toml")[0][1] == "ipv6"
    assert [t for t, _ in types("multi-example2.toml")] == ["bridged", "custom-nat"]
    assert [t for t, _ in types("multi-example3.toml")] == ["bridged", "routed"]


def test_risky_stages_are_the_ones_that_can_cut_the_operator_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, _ = run(capsys, "plan", "--answers", str(EXAMPLES / "bridged.toml"), "--json")
    assert rc == 0
    risky = {s["name"]: s["risky"] for s in json.loads(out)["stages"]}
    assert risky["Move eth0's addresses onto bridge br0"] is True
    assert risky["Keep bridged traffic out of the host firewall"] is False
    rc, out, _ = run(capsys, "plan", "--answers", str(EXAMPLES / "custom-nat.toml"), "--json")
    assert rc == 0
    stages = json.loads(out)["stages"]
    assert [s["risky"] for s in stages if s["name"].startswith("Firewall")] == [True]
    assert not any(s["risky"] for s in stages if s["name"].startswith("Run dnsmasq"))


def test_bad_answers_exit_2_and_name_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = (
        (EXAMPLES / "custom-nat.toml")
        .read_text()
        .replace(
            'dhcp4 = ["192.168.100.2", "192.168.100.254"]',
            'dhcp4 = ["192.168.100.254", "192.168.100.2"]',
        )
    )
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    rc, out, err = run(capsys, "plan", "--answers", str(path), "--json")
    assert rc == 2
    assert out == ""
    assert "network[0].dhcp4" in err
    assert "Traceback" not in err


def test_unknown_key_gets_a_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.toml"
    path.write_text((EXAMPLES / "nat.toml").read_text().replace("inbound", "inbond"))
    rc, _, err = run(capsys, "recommend", "--answers", str(path))
    assert rc == 2
    assert "situation.inbond" in err and "inbound" in err


def test_missing_answers_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "plan", "--answers", str(tmp_path / "nope.toml"))
    assert rc == 2
    assert "--answers" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["plan"])
    assert exc.value.code == 2
    assert "--answers" in capsys.readouterr().err


def test_script_is_bash_and_names_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, script, _ = run(capsys, "plan", "--answers", str(EXAMPLES / "custom-nat.toml"), "--script")
    assert rc == 0
    path = tmp_path / "plan.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    rc, out, _ = run(capsys, "plan", "--answers", str(EXAMPLES / "custom-nat.toml"), "--json")
    for stage in json.loads(out)["stages"]:
        for step in stage["steps"]:
            if step["kind"] == "file":
                assert step["path"] in script


def test_plain_text_plan_shows_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    rc, text, _ = run(capsys, "plan", "--answers", str(EXAMPLES / "custom-nat.toml"))
    assert rc == 0
    assert "/var/lib/dnsmasq/virbr10/dnsmasq.conf" in text
    assert "RISKY" in text
    assert "-j DNAT --to-destination 192.168.100.77:22" in text


def test_installed_console_script_runs() -> None:
    exe = shutil.which("virtnet-wizard", path=str(Path(sys.executable).parent))
    assert exe is not None, "pip install -e . provides the virtnet-wizard command"
    assert os.stat(exe).st_mode & stat.S_IXUSR
    proc = subprocess.run(
        [exe, "recommend", "--answers", str(EXAMPLES / "nat.toml"), "--json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["networks"][0]["type"] == "nat"


def test_recommendation_text_has_one_bullet_per_reason(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(EXAMPLES / "multi-example1.toml")
    rc, out, _ = run(capsys, "recommend", "--answers", example, "--json")
    assert rc == 0
    data = json.loads(out)
    rc, text, _ = run(capsys, "recommend", "--answers", example)
    assert rc == 0
    bullets = [line for line in text.splitlines() if line.startswith("  - ")]
    assert len(bullets) == len(data["reasons"]) + len(data["alternatives"])


def test_plan_edits_the_hosts_own_interfaces_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = "# the operator's\nauto lo\niface lo inet loopback\n\nauto eth9\niface eth9 inet dhcp\n"
    (tmp_path / "etc/network").mkdir(parents=True)
    (tmp_path / "etc/network/interfaces").write_text(own)
    example = str(EXAMPLES / "custom-nat.toml")
    rc, out, err = run(capsys, "plan", "--answers", example, "--root", str(tmp_path), "--json")
    assert rc == 0, err
    files = {
        s["path"]: s["content"]
        for stage in json.loads(out)["stages"]
        for s in stage["steps"]
        if s["kind"] == "file"
    }
    text = files["/etc/network/interfaces"]
    assert text.startswith(own.split("\n\n")[0]) and "iface eth9 inet dhcp" in text
    assert "iface virbr10" in text


def test_version_names_the_installed_release() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "virtnet_tui", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"virtnet-wizard {importlib.metadata.version('virtnet-wizard')}"
    assert virtnet_tui.__version__ == importlib.metadata.version("virtnet-wizard")


def test_root_is_needed_where_the_host_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class SandboxNeedingRoot(SandboxHost):
        needs_root = True

    class MachineNeedingNone(RealHost):
        needs_root = False

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    refusal = needs_root(SandboxNeedingRoot(tmp_path), "apply")
    assert refusal is not None and "needs root" in refusal
    assert needs_root(MachineNeedingNone(), "apply") is None
    assert needs_root(SandboxHost(tmp_path), "apply") is None
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert needs_root(SandboxNeedingRoot(tmp_path), "apply") is None
