"""The revert guard: stands down when released, waits for a live wizard, reverts at its deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from support.journal_events import run_start, stage_start, step_done, step_start

from virtnet_tui.core.plan import FileStep, Plan, Stage
from virtnet_tui.executor.apply import host_meta
from virtnet_tui.executor.guard import Guard, pid_file
from virtnet_tui.executor.journal import RunDir, run_lock
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.executor.replay import numbered_steps
from virtnet_tui.executor.steps import perform
from virtnet_tui.hosts.sandbox import SandboxHost

PLAN = Plan(
    stages=(
        Stage(
            "bridge the uplink",
            (
                FileStep("/etc/network/interfaces", "auto br0\n"),
                FileStep("/etc/new.conf", "new\n", 0o600),
            ),
            risky=True,
        ),
    )
)


def _applied(tmp_path: Path) -> tuple[SandboxHost, RunDir]:
    """A run whose one risky stage is applied, as a wizard leaves it before confirming."""
    host = SandboxHost(tmp_path)
    host.write_bytes("/etc/network/interfaces", b"auto eth0\n", 0o644)
    run = RunDir.create(host, PLAN, "")
    run.take_backups(PLAN)
    rec = Recorder(run)
    rec.emit(run_start("wizard", host=host_meta(host)))
    rec.emit(stage_start(0))
    for ns in numbered_steps(PLAN):
        rec.emit(step_start(ns.number))
        assert perform(host, ns.step).ok
        rec.emit(step_done(ns.number))
    return host, run


def _wait_exit(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True
        time.sleep(0.02)
    return False


def test_a_released_guard_goes_away_and_changes_nothing(tmp_path: Path) -> None:
    host, run = _applied(tmp_path)
    guard = Guard(run, 0, timeout=30)
    pid = guard.start()
    assert pid_file(run.path, 0).read_text().strip() == str(pid)
    assert os.getsid(pid) == pid, "the guard leads a session of its own"
    guard.release("confirmed")
    assert guard.proc is not None and guard.proc.returncode == 0
    assert host.read_text("/etc/network/interfaces") == "auto br0\n"
    assert "guard-reverted" not in [e.event for e in run.events()]


def test_the_guard_waits_for_a_live_wizard_then_reverts(tmp_path: Path) -> None:
    host, run = _applied(tmp_path)
    guard = Guard(run, 0, timeout=0.3)
    with run_lock(host, "wizard"):
        guard.start()
        time.sleep(1.0)  # well past the deadline: the wizard (this test) holds the lock
        assert host.read_text("/etc/network/interfaces") == "auto br0\n"
    # The wizard is gone (the lock is free): the guard reverts on its next look.
    assert guard.proc is not None and guard.proc.wait(timeout=10) == 0
    assert host.read_text("/etc/network/interfaces") == "auto eth0\n"
    assert not host.exists("/etc/new.conf")
    events = run.events()
    assert [e.event for e in events][-2:] == ["stage-undone", "guard-reverted"]
    assert all(e.by == "guard" for e in events if e.event.startswith("undo-"))


def test_a_pushed_deadline_keeps_the_guard_waiting(tmp_path: Path) -> None:
    host, run = _applied(tmp_path)
    guard = Guard(run, 0, timeout=0.5)
    pid = guard.start()
    for _ in range(6):  # the wizard keeps working for 1.2 s, pushing the deadline
        time.sleep(0.2)
        guard.set_deadline(0.5)
    assert host.read_text("/etc/network/interfaces") == "auto br0\n"
    assert _wait_exit(pid, 10)
    assert host.read_text("/etc/network/interfaces") == "auto eth0\n"


def test_the_guard_refuses_bad_arguments() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "virtnet_tui.executor.guard", "only-one"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "usage" in proc.stderr
