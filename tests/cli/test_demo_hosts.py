"""The demo sandboxes, one per kind of host: the stack each is probed to have, and its preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.apply_sandbox import cli
from support.golden_util import assert_golden

from virtnet_tui.cli.main import DEMO_KINDS
from virtnet_tui.probe.demo import DEMOS

#: The uplink bridged and one VM-only bridge: both depend on the host's network stack.
ANSWERS = """\
[situation]
site = "dedicated"
uplink = "ethernet"
public_ipv4 = 4
vms = 2
bridging_allowed = true
ipv6_prefix = 64
inbound = true
firewall = "manual"

[[network]]
type = "bridged"
name = "br0"

[[network]]
type = "custom-nat"
name = "virbr10"
ipv4 = "192.168.100.1/24"
dhcp4 = ["192.168.100.2", "192.168.100.254"]
"""
STACKS = {
    "debian-12": "ifupdown",
    "ubuntu-24.04": "netplan",
    "debian-13-networkd": "networkd",
    "alma-9": "networkmanager",
    "fedora-42": "networkmanager",
}


def test_the_command_line_offers_every_demo() -> None:
    assert set(DEMO_KINDS) == set(DEMOS) == set(STACKS)


@pytest.mark.parametrize("kind", DEMO_KINDS)
def test_the_preview_of_each_demo_host(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    box = tmp_path / "box"
    code, out, err = cli(
        capsys,
        monkeypatch,
        "--sandbox",
        str(box),
        "--demo",
        kind,
        "plan",
        "--answers",
        str(answers),
    )
    assert code == 0, err
    assert f"  netconfig = {STACKS[kind]}\n" in out
    assert_golden(f"demos/{kind}.txt", out)


def test_a_seeded_sandbox_keeps_its_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--demo seeds a new sandbox only: an existing one stays the host it was."""
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    box = str(tmp_path / "box")
    argv = ("plan", "--answers", str(answers))
    assert cli(capsys, monkeypatch, "--sandbox", box, "--demo", "ubuntu-24.04", *argv)[0] == 0
    code, out, _ = cli(capsys, monkeypatch, "--sandbox", box, "--demo", "debian-12", *argv)
    assert code == 0 and "  netconfig = netplan\n" in out


def test_the_ubuntu_demo_applies_and_rolls_back_its_netplan_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    box = tmp_path / "box"
    netplan = box / "etc/netplan/50-cloud-init.yaml"
    sandbox = ("--sandbox", str(box), "--demo", "ubuntu-24.04")
    code, _, err = cli(capsys, monkeypatch, *sandbox, "plan", "--answers", str(answers))
    assert code == 0, err
    before = netplan.read_text()
    code, out, err = cli(capsys, monkeypatch, *sandbox, "apply", "--answers", str(answers), "--yes")
    assert code == 0, out + err
    assert "bridges:" in netplan.read_text() and netplan.stat().st_mode & 0o777 == 0o600
    assert (box / "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg").exists()
    code, out, err = cli(capsys, monkeypatch, *sandbox, "rollback")
    assert code == 0, out + err
    assert netplan.read_text() == before and netplan.stat().st_mode & 0o777 == 0o600
    assert not (box / "etc/cloud/cloud.cfg.d/99-disable-network-config.cfg").exists()


@pytest.mark.parametrize("kind", ["alma-9", "fedora-42"])
def test_the_networkmanager_demos_apply_and_roll_back_their_keyfiles(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    box = tmp_path / "box"
    keyfiles = box / "etc/NetworkManager/system-connections"
    sandbox = ("--sandbox", str(box), "--demo", kind)
    code, _, err = cli(capsys, monkeypatch, *sandbox, "plan", "--answers", str(answers))
    assert code == 0, err
    before = {p.name: p.read_text() for p in keyfiles.iterdir()}
    assert list(before) == ["eth0.nmconnection"]
    code, out, err = cli(capsys, monkeypatch, *sandbox, "apply", "--answers", str(answers), "--yes")
    assert code == 0, out + err
    made = sorted(p.name for p in keyfiles.iterdir())
    assert made == ["br0-port-eth0.nmconnection", "br0.nmconnection", "eth0.nmconnection",
                    "virbr10.nmconnection"]  # fmt: skip
    assert all((keyfiles / name).stat().st_mode & 0o777 == 0o600 for name in made)
    assert not (box / "etc/sysconfig/network-scripts").exists()
    code, out, err = cli(capsys, monkeypatch, *sandbox, "rollback")
    assert code == 0, out + err
    assert {p.name: p.read_text() for p in keyfiles.iterdir()} == before
