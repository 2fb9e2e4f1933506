"""apply, rollback and status on a sandbox: what is written, journaled, refused and put back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.apply_sandbox import (
    EXAMPLE_FILES,
    cli,
    diff,
    journal,
    prime,
    run_ids,
    snapshot,
)
from support.paths import EXAMPLES

from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.plan import CommandStep, SysctlStep
from virtnet_tui.core.planning import prepare
from virtnet_tui.executor.journal import run_lock
from virtnet_tui.hosts.sandbox import SANDBOX_COMMAND_LOG, SANDBOX_RESPONSES, SandboxHost
from virtnet_tui.managed.host_answers import answers_for_host
from virtnet_tui.managed.state import load_state


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest's stdin is not a terminal either way; make it explicit."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_apply_writes_every_file_and_journals_every_step_then_rollback_restores_all(
    example: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primed = prime(tmp_path)
    before = snapshot(tmp_path)
    # apply edits the host's own files (the seeded /etc/network/interfaces), never replaces them
    plan = prepare(answers_for_host(load_answers(example), primed, load_state(primed))).plan
    rc, out, err = cli(
        capsys, monkeypatch, "apply", "--answers", str(example), "--root", str(tmp_path), "--yes"
    )
    assert rc == 0, err
    host = SandboxHost(tmp_path)
    for path, step in plan.files().items():
        assert host.read_text(path) == step.content, path
        meta = host.stat(path)
        assert meta is not None and meta.mode == step.mode, path
    interfaces = host.read_text("/etc/network/interfaces") or ""
    assert "iface lo inet loopback" in interfaces, "the operator's own stanzas stay"

    events = journal(tmp_path)
    names = [e["event"] for e in events]
    assert names[0] == "run-start" and names[-1] == "run-done"
    total = sum(1 for _ in plan.steps())
    done = [e["step"] for e in events if e["event"] == "step-done"]
    assert done == list(range(1, total + 1))
    assert [e["stage"] for e in events if e["event"] == "checkpoint"] == list(
        range(len(plan.stages))
    )
    # Every command of the plan went to the host, in plan order (the sandbox records them).
    log = tmp_path / SANDBOX_COMMAND_LOG
    lines = log.read_text().splitlines() if log.exists() else []
    recorded = [tuple(json.loads(line)) for line in lines]
    expected = [
        s.argv if isinstance(s, CommandStep) else s.argv()
        for _, _, s in plan.steps()
        if isinstance(s, CommandStep | SysctlStep)
    ]
    remaining = iter(recorded)
    assert all(argv in remaining for argv in expected), "commands missing or out of order"
    assert "Done: every stage is applied" in out
    assert diff(before, snapshot(tmp_path)), "apply changed nothing?"

    rc, out, err = cli(capsys, monkeypatch, "rollback", "--root", str(tmp_path))
    assert rc == 0, err
    assert diff(before, snapshot(tmp_path)) == []
    # Each stage's after_undo commands ran once its steps were undone.
    all_lines = log.read_text().splitlines() if log.exists() else []
    undo_log = [tuple(json.loads(line)) for line in all_lines[len(lines) :]]
    for stage in plan.stages:
        for argv in stage.after_undo:
            assert argv in undo_log, argv
    status_rc, status_out, _ = cli(capsys, monkeypatch, "status", "--root", str(tmp_path), "--json")
    data = json.loads(status_out)
    assert status_rc == 0 and data["runs"][0]["state"] == "rolled-back"
    assert data["applied"] == {"runs": [], "files": [], "networks": []}


def test_apply_without_yes_and_without_a_terminal_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prime(tmp_path)
    before = snapshot(tmp_path)
    rc, _, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "nat.toml"),
        "--root",
        str(tmp_path),
    )
    assert rc == 2 and "needs --yes or a terminal" in err
    assert run_ids(tmp_path) == [] and diff(before, snapshot(tmp_path)) == []


def test_apply_on_the_real_host_needs_root(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    rc, _, err = cli(capsys, monkeypatch, "apply", "--answers", str(EXAMPLES / "nat.toml"), "--yes")
    assert rc == 2 and "needs root" in err and "--root DIR" in err
    rc, _, err = cli(capsys, monkeypatch, "rollback")
    assert rc == 2 and "needs root" in err


def test_apply_needs_answers_or_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rc, _, err = cli(capsys, monkeypatch, "apply", "--root", str(tmp_path), "--yes")
    assert rc == 2 and "--answers" in err
    rc, _, err = cli(
        capsys, monkeypatch, "apply", "--root", str(tmp_path), "--yes", "--resume", "nope"
    )
    assert rc == 2 and "no run 'nope'" in err
    rc, _, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "nat.toml"),
        "--root",
        str(tmp_path),
        "--yes",
        "--confirm-timeout",
        "-3",
    )
    assert rc == 2 and "--confirm-timeout" in err


def test_a_second_run_is_refused_while_the_lock_is_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    host = prime(tmp_path)
    before = snapshot(tmp_path)
    with run_lock(host, "someone-else"):
        rc, _, err = cli(
            capsys,
            monkeypatch,
            "apply",
            "--answers",
            str(EXAMPLES / "nat.toml"),
            "--root",
            str(tmp_path),
            "--yes",
        )
        assert rc == 2
        assert f"process {os.getpid()} holds the lock" in err
        rc, _, err = cli(capsys, monkeypatch, "rollback", "--root", str(tmp_path))
        assert rc == 2 and "holds the lock" in err
    assert run_ids(tmp_path) == [] and diff(before, snapshot(tmp_path)) == []


def test_rollback_refuses_while_a_later_run_still_changes_the_same_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prime(tmp_path)
    before = snapshot(tmp_path)
    root = str(tmp_path)
    # Two runs writing /etc/network/interfaces (custom-nat, then bridged).
    for name in ("custom-nat.toml", "bridged.toml"):
        rc, _, err = cli(
            capsys, monkeypatch, "apply", "--answers", str(EXAMPLES / name), "--root", root, "--yes"
        )
        assert rc == 0, err
    first, second = run_ids(tmp_path)
    rc, _, err = cli(capsys, monkeypatch, "rollback", first, "--root", root)
    assert rc == 2
    assert f"run {second}" in err and "/etc/network/interfaces" in err
    assert f"virtnet-wizard rollback {second}" in err
    # The default is the last run; then the first one may go.
    assert cli(capsys, monkeypatch, "rollback", "--root", root)[0] == 0
    assert cli(capsys, monkeypatch, "rollback", "--root", root)[0] == 0
    assert diff(before, snapshot(tmp_path)) == []
    rc, out, _ = cli(capsys, monkeypatch, "rollback", "--root", root)
    assert rc == 0 and "Nothing to roll back" in out
    rc, out, _ = cli(capsys, monkeypatch, "rollback", "nosuchrun", "--root", root)
    assert rc == 2


def test_status_lists_runs_and_what_is_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prime(tmp_path)
    root = str(tmp_path)
    rc, out, _ = cli(capsys, monkeypatch, "status", "--root", root)
    assert rc == 0 and "No runs yet" in out
    cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "nat.toml"),
        "--root",
        root,
        "--yes",
    )
    rc, out, _ = cli(capsys, monkeypatch, "status", "--root", root)
    [run_id] = run_ids(tmp_path)
    assert rc == 0 and run_id in out and "applied" in out and "1/1" in out
    assert "libvirt network virbr1" in out
    rc, out, _ = cli(capsys, monkeypatch, "status", "--root", root, "--json")
    data = json.loads(out)
    assert data["runs"][0]["id"] == run_id
    assert data["runs"][0]["checkpoints"] == ["Define and start libvirt NAT network virbr1"]
    assert data["applied"]["networks"] == ["virbr1"]


def test_firewall_warnings_are_printed_and_journaled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prime(tmp_path)
    canned = {
        "systemctl is-active firewalld": "active\n",
        "iptables -V": "iptables v1.8.9 (legacy)\n",
        "nft list ruleset": (
            "table inet filter {\n\tchain input {\n\t}\n}\n"
            "# Warning: table ip nat is managed by iptables-nft, do not touch!\n"
            "table ip nat {\n}\n"
        ),
        "iptables -w -S": (
            "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N DOCKER\n-N DOCKER-USER\n"
            "-A FORWARD -j DOCKER-USER\n-A INPUT -p tcp --dport 25 -j ACCEPT\n"
        ),
    }
    responses = tmp_path / SANDBOX_RESPONSES
    responses.write_text(json.dumps(canned))
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 50022 203.0.113.3 22")
    rc, out, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "custom-nat.toml"),
        "--root",
        str(tmp_path),
        "--yes",
    )
    assert rc == 0, err
    warnings = [e["text"] for e in journal(tmp_path) if e["event"] == "firewall-warning"]
    joined = " ".join(warnings)
    assert "firewalld is running" in joined
    assert "legacy backend" in joined and "inet filter" in joined and "ip nat" not in joined
    assert "Docker is installed and the FORWARD policy is DROP" in joined
    assert "2 firewall rules" in joined
    assert "reject everything else" in joined
    assert "firewalld is running" in out


def test_no_warning_on_a_quiet_firewall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prime(tmp_path)
    (tmp_path / SANDBOX_RESPONSES).write_text(
        json.dumps(
            {"iptables -V": "iptables v1.8.9 (nf_tables)\n", "iptables -w -S": "-P INPUT ACCEPT\n"}
        )
    )
    rc, _, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "custom-nat.toml"),
        "--root",
        str(tmp_path),
        "--yes",
    )
    assert rc == 0, err
    warnings = [e["text"] for e in journal(tmp_path) if e["event"] == "firewall-warning"]
    # Only the note about the wizard's own "reject everything else" remains.
    assert len(warnings) == 1 and "reject everything else" in warnings[0]


def test_an_undo_that_fails_gives_exit_4_with_the_commands_to_finish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prime(tmp_path)
    before = snapshot(tmp_path)
    responses = tmp_path / SANDBOX_RESPONSES
    primed = responses.read_text()
    failing = {"ifdown virbr10": {"returncode": 1, "stderr": "ifdown: interface is busy\n"}}
    responses.write_text(json.dumps({**json.loads(primed), **failing}))
    root = str(tmp_path)
    rc, out, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "custom-nat.toml"),
        "--root",
        root,
        "--yes",
        fault="before-step:9:fail",
    )
    assert rc == 4, out + err
    assert "could not finish" in err
    assert "step 5: create virbr10 and give it its addresses" in err
    assert "ifdown: interface is busy" in err
    assert "Finish by hand with:\n    ifdown virbr10\n" in err
    events = journal(tmp_path)
    assert events[-1]["event"] == "run-rollback-incomplete"
    assert [left["step"] for left in events[-1]["leftovers"]] == [5]
    # The other undos went on: everything but stage 2's bridge is back.
    assert [e["step"] for e in events if e["event"] == "undo-done"][-1] == 1
    rc, out, _ = cli(capsys, monkeypatch, "status", "--root", root, "--json")
    assert json.loads(out)["runs"][0]["state"] == "rollback-incomplete"

    # Once the cause is fixed, rollback finishes the job.
    responses.write_text(primed)
    rc, out, err = cli(capsys, monkeypatch, "rollback", "--root", root)
    assert rc == 0, out + err
    assert diff(before, snapshot(tmp_path)) == []


def test_a_relative_root_works_and_a_run_is_undone_only_through_its_own_kind_of_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prime(tmp_path / "sbx")
    before = snapshot(tmp_path / "sbx")
    # custom-nat has a risky stage: its guard runs from / and must find the run anyway.
    rc, _, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(EXAMPLES / "custom-nat.toml"),
        "--root",
        "sbx",
        "--yes",
    )
    assert rc == 0, err
    rc, _, err = cli(capsys, monkeypatch, "rollback", "--root", "sbx", "--netns", "elsewhere")
    assert rc == 2 and "give the same --root and --netns" in err
    rc, _, err = cli(capsys, monkeypatch, "rollback", "--root", "sbx")
    assert rc == 0, err
    assert diff(before, snapshot(tmp_path / "sbx")) == []
