"""NetworkManager's checkpoint around a keyfile stage: taken, pushed with the guard, destroyed."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from support.apply_sandbox import cli, journal

from virtnet_tui.executor import nm_checkpoint
from virtnet_tui.hosts.sandbox import SANDBOX_COMMAND_LOG, SANDBOX_RESPONSES, SandboxHost
from virtnet_tui.probe.demo import seed_demo_host

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
"""
NM = ("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
      "org.freedesktop.NetworkManager")  # fmt: skip
CHECKPOINT = "/org/freedesktop/NetworkManager/Checkpoint/7"


def _busctl(*args: str) -> tuple[str, ...]:
    return ("busctl", "--system", "call", *NM, *args)


CREATE = _busctl("CheckpointCreate", "aouu", "0", "30", "6")


def _box(tmp_path: Path, *, answer: bool) -> tuple[Path, Path]:
    """An Alma 9 demo sandbox whose NetworkManager answers CheckpointCreate (or not)."""
    box = tmp_path / "box"
    seed_demo_host(box, "alma-9")
    if answer:
        responses = box / SANDBOX_RESPONSES
        canned = json.loads(responses.read_text())
        canned[shlex.join(CREATE)] = f'o "{CHECKPOINT}"\n'
        responses.write_text(json.dumps(canned))
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    return box, answers


def _commands(box: Path) -> list[tuple[str, ...]]:
    return [
        tuple(json.loads(line)) for line in (box / SANDBOX_COMMAND_LOG).read_text().splitlines()
    ]


def _apply(
    box: Path, answers: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch, **kw: str
) -> tuple[int, str, str]:
    argv = ("--sandbox", str(box), "apply", "--answers", str(answers), "--yes")
    return cli(capsys, mp, *argv, "--confirm-timeout", "30", **kw)


def test_the_checkpoint_is_taken_before_the_stage_pushed_and_destroyed_on_confirmation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, answers = _box(tmp_path, answer=True)
    code, out, err = _apply(box, answers, capsys, monkeypatch)
    assert code == 0, out + err
    events = journal(box)
    names = [e["event"] for e in events]
    made = names.index("nm-checkpoint")
    assert events[made] | {"time": ""} == {
        "event": "nm-checkpoint", "time": "", "stage": 1, "path": CHECKPOINT, "timeout": 30.0
    }  # fmt: skip
    # Armed with the guard, before the stage's first step; destroyed before the guard goes.
    assert names[made - 1] == "guard-armed" and names[made + 1] == "step-start"
    destroyed = names.index("nm-checkpoint-destroyed")
    assert events[destroyed]["reason"] == "confirmed"
    assert names[destroyed + 1] == "guard-released"
    assert "nm-checkpoint-failed" not in names
    commands = _commands(box)
    push = _busctl("CheckpointAdjustRollbackTimeout", "ou", CHECKPOINT, "30")
    destroy = _busctl("CheckpointDestroy", "o", CHECKPOINT)
    up = next(i for i, c in enumerate(commands) if c[:3] == ("nmcli", "connection", "up"))
    # Pushed after every step like the guard's deadline, destroyed once, after the last.
    assert commands.index(push) < up < len(commands) - 1 - commands[::-1].index(push)
    assert commands.count(destroy) == 1 and commands.index(destroy) > up
    assert "NetworkManager checkpoint 7 taken" in out


def test_a_failed_stage_destroys_the_checkpoint_before_the_wizard_undoes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, answers = _box(tmp_path, answer=True)
    code, out, err = _apply(box, answers, capsys, monkeypatch, fault="before-step:7:fail")
    assert code == 3, out + err
    names = [e["event"] for e in journal(box)]
    destroyed = names.index("nm-checkpoint-destroyed")
    assert names[destroyed - 1] == "stage-failed"
    assert names.index("undo-start") > destroyed
    assert [e["reason"] for e in journal(box) if e["event"] == "nm-checkpoint-destroyed"] == [
        "undone by the wizard"
    ]


def test_without_an_answer_from_networkmanager_the_guard_alone_protects_the_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, answers = _box(tmp_path, answer=False)
    code, out, err = _apply(box, answers, capsys, monkeypatch)
    assert code == 0, out + err
    names = [e["event"] for e in journal(box)]
    assert "nm-checkpoint-failed" in names and "nm-checkpoint" not in names
    assert "nm-checkpoint-destroyed" not in names
    assert not any("CheckpointDestroy" in c for c in _commands(box))
    assert "! NetworkManager checkpoint: unexpected answer" in out


def test_other_stacks_take_no_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box = tmp_path / "box"
    seed_demo_host(box, "debian-12")
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    code, out, err = _apply(box, answers, capsys, monkeypatch)
    assert code == 0, out + err
    assert not any(e["event"].startswith("nm-checkpoint") for e in journal(box))


def test_create_push_and_destroy_speak_to_networkmanager_over_busctl(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    (tmp_path / SANDBOX_RESPONSES).parent.mkdir(parents=True)
    (tmp_path / SANDBOX_RESPONSES).write_text(
        json.dumps(
            {
                shlex.join(
                    _busctl("CheckpointCreate", "aouu", "0", "3", "6")
                ): f'o "{CHECKPOINT}"\n',
                shlex.join(_busctl("CheckpointDestroy", "o", "/x")): {
                    "returncode": 1,
                    "stderr": "Call failed: The checkpoint was not found\n",
                },
            }
        )
    )
    # Rounded up to whole seconds: NetworkManager never rolls back early.
    assert nm_checkpoint.create(host, 2.2) == CHECKPOINT
    with pytest.raises(nm_checkpoint.CheckpointError, match="not found"):
        nm_checkpoint.destroy(host, "/x")
    nm_checkpoint.push(host, CHECKPOINT, 0.2)
    assert _commands(tmp_path)[-1] == _busctl(
        "CheckpointAdjustRollbackTimeout", "ou", CHECKPOINT, "1"
    )


def test_the_demo_answers_the_checkpoint_apply_asks_for_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, answers = _box(tmp_path, answer=False)
    argv = ("--sandbox", str(box), "apply", "--answers", str(answers), "--yes")
    code, out, err = cli(capsys, monkeypatch, *argv)
    assert code == 0, out + err
    assert "NetworkManager checkpoint 1 taken" in out
    assert [e["event"] for e in journal(box)].count("nm-checkpoint-destroyed") == 1
