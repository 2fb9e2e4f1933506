"""A wizard killed mid-run (SIGKILL, as a dropped SSH session would): guard, resume, rollback.

These run the wizard as its own process, since it kills itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from support.apply_sandbox import (
    Entry,
    cli_process,
    copy_tree,
    diff,
    journal,
    prime,
    run_ids,
    snapshot,
)
from support.paths import EXAMPLES

from virtnet_tui.executor.journal import RUNS_DIR

ANSWERS = str(EXAMPLES / "custom-nat.toml")
# custom-nat: stages 1 (steps 1-2), 2 (3-5), 3 (6-7), 4 risky firewall (8-17), 5 (18-23).
OUTSIDE_RISKY = 4  # `ifup virbr10-dummy`, a command with an undo
INSIDE_RISKY = 9  # `iptables-restore ...`, right after the rules file (step 8) is written


def _apply(root: Path, *extra: str, fault: str | None = None) -> tuple[int, str, str]:
    return cli_process(
        "apply", "--answers", ANSWERS, "--root", str(root), "--yes", *extra, fault=fault
    )


def _twins(tmp_path: Path, name: str) -> tuple[Path, dict[str, Entry]]:
    """A primed sandbox ``name``, and the tree a clean, complete apply leaves in its twin.

    The twin is a copy (libvirt's test driver gives each new sandbox its own UUIDs).
    """
    template = tmp_path / "template"
    prime(template)
    copy_tree(template, tmp_path / name)
    copy_tree(template, tmp_path / "reference")
    rc, _, err = _apply(tmp_path / "reference")
    assert rc == 0, err
    return tmp_path / name, snapshot(tmp_path / "reference")


def _killed(root: Path, step: int, *extra: str) -> str:
    if not root.exists():
        prime(root)
    rc, out, err = _apply(root, *extra, fault=f"after-step:{step}:kill")
    assert rc == -9, out + err
    [run_id] = run_ids(root)
    return run_id


def _runs(root: Path) -> list[dict[str, Any]]:
    """``status --json``'s list of runs."""
    rc, out, err = cli_process("status", "--root", str(root), "--json")
    assert rc == 0, err
    runs: list[dict[str, Any]] = json.loads(out)["runs"]
    return runs


def test_an_interrupted_run_blocks_new_runs_and_resume_completes_it(tmp_path: Path) -> None:
    root, reference = _twins(tmp_path, "resume")
    run_id = _killed(root, OUTSIDE_RISKY)

    [info] = _runs(root)
    assert info["state"] == "interrupted" and info["steps_applied"] == OUTSIDE_RISKY
    rc, out, _ = cli_process("status", "--root", str(root))
    assert "interrupted" in out and f"apply --resume {run_id}" in out

    rc, _, err = _apply(root)
    assert rc == 2
    assert f"virtnet-wizard rollback {run_id}" in err
    assert f"virtnet-wizard apply --resume {run_id}" in err
    assert run_ids(root) == [run_id], "the refused apply started no run"

    rc, out, err = cli_process("apply", "--resume", run_id, "--root", str(root), "--yes")
    assert rc == 0, out + err
    assert diff(reference, snapshot(root)) == []
    events = journal(root, run_id)
    resume = next(i for i, e in enumerate(events) if e["event"] == "resume")
    assert events[resume]["from_step"] == OUTSIDE_RISKY + 1
    after = [e["step"] for e in events[resume:] if e["event"] == "step-done"]
    assert after == list(range(OUTSIDE_RISKY + 1, 24))
    assert events[-1]["event"] == "run-done"
    assert _runs(root)[0]["state"] == "applied"


def test_rollback_completes_an_interrupted_run(tmp_path: Path) -> None:
    root = tmp_path / "rollback"
    prime(root)
    before = snapshot(root)
    run_id = _killed(root, OUTSIDE_RISKY)
    rc, out, err = cli_process("rollback", run_id, "--root", str(root))
    assert rc == 0, out + err
    assert diff(before, snapshot(root)) == []
    assert _runs(root)[0]["state"] == "rolled-back"
    # Nothing blocks a new apply any more.
    rc, _, err = _apply(root)
    assert rc == 0, err


def test_resume_first_undoes_a_command_that_was_cut_short(tmp_path: Path) -> None:
    root, reference = _twins(tmp_path, "half")
    run_id = _killed(root, OUTSIDE_RISKY)
    # Make it look as if the wizard died while `ifup virbr10-dummy` was running.
    path = root / RUNS_DIR.lstrip("/") / run_id / "journal.jsonl"
    lines = path.read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "step-done"
    path.write_text("\n".join(lines[:-1]) + "\n")

    rc, out, err = cli_process("apply", "--resume", run_id, "--root", str(root), "--yes")
    assert rc == 0, out + err
    events = journal(root, run_id)
    resume = next(i for i, e in enumerate(events) if e["event"] == "resume")
    first = [(e["event"], e.get("step")) for e in events[resume + 1 :]][:5]
    assert first[:2] == [("stage-start", None), ("undo-start", OUTSIDE_RISKY)]
    assert ("undo-done", OUTSIDE_RISKY) in first and ("step-start", OUTSIDE_RISKY) in first
    log = (root / "var/lib/virtnet-wizard/sandbox/commands.log").read_text().splitlines()
    assert log.count(json.dumps(["ifdown", "virbr10-dummy"])) == 1
    assert diff(reference, snapshot(root)) == []


def test_the_guard_reverts_a_risky_stage_after_the_wizard_is_killed(tmp_path: Path) -> None:
    root = tmp_path / "guarded"
    prime(root)
    before = snapshot(root)
    timeout = 1.5
    killed_at = time.monotonic()
    run_id = _killed(root, INSIDE_RISKY, "--confirm-timeout", str(timeout))
    events = journal(root, run_id)
    [armed] = [e for e in events if e["event"] == "guard-armed"]
    pid = int(armed["pid"])
    rules = root / "etc/virtnet-wizard/firewall/virbr10.v4"
    assert rules.exists(), "the risky stage had written its rules when the wizard died"
    # The guard lives on in a session of its own, not the dead wizard's.
    with contextlib.suppress(ProcessLookupError):  # already done: the journal says so below
        assert os.getsid(pid) == pid

    reverted = None
    while time.monotonic() - killed_at < timeout + 10:
        names = [e["event"] for e in journal(root, run_id)]
        if "guard-reverted" in names:
            reverted = time.monotonic() - killed_at
            break
        time.sleep(0.05)
    assert reverted is not None, "the guard did not revert the stage"
    assert reverted < timeout + 5
    assert not rules.exists()
    events = journal(root, run_id)
    undone = [e["step"] for e in events if e["event"] == "undo-done" and e.get("by") == "guard"]
    assert undone == [INSIDE_RISKY, INSIDE_RISKY - 1]
    [info] = _runs(root)
    assert info["state"] == "interrupted" and info["steps_applied"] == 7
    assert info["checkpoints"] == [
        "Stop libvirt's default network",
        "Create virtual bridge virbr10",
        "Enable IP forwarding (IPv4)",
    ]
    rc, out, err = cli_process("rollback", "--root", str(root))
    assert rc == 0, out + err
    assert diff(before, snapshot(root)) == []


def test_resume_after_the_guard_reverted_applies_the_risky_stage_again(tmp_path: Path) -> None:
    root, reference = _twins(tmp_path, "again")
    run_id = _killed(root, INSIDE_RISKY, "--confirm-timeout", "1")
    # `apply --resume` waits for the guard to finish before it takes over.
    rc, out, err = cli_process("apply", "--resume", run_id, "--root", str(root), "--yes")
    assert rc == 0, out + err
    events = journal(root, run_id)
    assert "guard-reverted" in [e["event"] for e in events]
    resume = next(e for e in events if e["event"] == "resume")
    assert resume["from_step"] == 8, "the reverted stage starts over"
    assert diff(reference, snapshot(root)) == []


@pytest.mark.parametrize("step", [OUTSIDE_RISKY])
def test_kill_leaves_no_lock_behind(step: int, tmp_path: Path) -> None:
    root = tmp_path / "lock"
    run_id = _killed(root, step)
    rc, out, err = cli_process("rollback", run_id, "--root", str(root))
    assert rc == 0, out + err
