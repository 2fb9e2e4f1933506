"""Global flags mean the same before a command as before the wizard: --sandbox is never the host."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import EXAMPLES


def wizard(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "virtnet_tui", *argv], capture_output=True, text=True, timeout=120
    )


def test_a_command_after_sandbox_acts_on_the_sandbox(tmp_path: Path) -> None:
    sandbox = tmp_path / "box"
    example = str(EXAMPLES / "custom-nat.toml")
    applied = wizard("apply", "--root", str(sandbox), "--answers", example, "--yes")
    assert applied.returncode == 0, applied.stderr
    # Read-only first: `--sandbox DIR status` reports that sandbox, exactly as `--root DIR`.
    via_sandbox = wizard("--sandbox", str(sandbox), "status", "--json")
    via_root = wizard("status", "--root", str(sandbox), "--json")
    assert via_sandbox.returncode == 0, via_sandbox.stderr
    assert [n["name"] for n in json.loads(via_sandbox.stdout)["networks"]] == ["virbr10"]
    assert json.loads(via_sandbox.stdout) == json.loads(via_root.stdout)
    # A change made through --sandbox lands in the sandbox too.
    added = wizard(
        "--sandbox", str(sandbox), "dhcp-host", "add", "--network", "virbr10",
        "--mac", "52:54:00:00:00:42", "--ip", "192.168.100.42",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    hosts = (sandbox / "var/lib/dnsmasq/virbr10/hostsfile").read_text()
    assert "52:54:00:00:00:42,192.168.100.42" in hosts


def test_a_new_sandbox_is_the_demo_host(tmp_path: Path) -> None:
    sandbox = tmp_path / "new"
    shown = wizard(
        "--sandbox", str(sandbox), "plan", "--answers", str(EXAMPLES / "demo.toml"), "--json"
    )
    assert shown.returncode == 0, shown.stderr
    assert (sandbox / "etc/os-release").exists()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["status", "--netns", "vnw-none"], "a sandbox records commands, a namespace runs them"),
        (["status", "--root", "/"], "name two different hosts"),
        (["--plain", "status"], "--plain is for the wizard itself"),
    ],
)
def test_conflicting_global_flags_are_refused_before_anything(
    tmp_path: Path, extra: list[str], reason: str
) -> None:
    sandbox = tmp_path / "box"
    proc = wizard("--sandbox", str(sandbox), *extra)
    assert proc.returncode == 2
    assert reason in proc.stderr
    assert not sandbox.exists()


def test_sandbox_must_be_a_folder(tmp_path: Path) -> None:
    afile = tmp_path / "file"
    afile.write_text("x")
    proc = wizard("--sandbox", str(afile), "status")
    assert proc.returncode == 2 and "not a folder" in proc.stderr
