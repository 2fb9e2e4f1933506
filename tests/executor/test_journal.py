"""Run directories: plan round trip, the fsynced journal, exact backups, the lock, run states."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.apply_sandbox import EXAMPLE_FILES
from support.journal_events import run_start, stage_start, step_done, step_start, undo_done
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.plan import FileStep, Plan, Stage
from virtnet_tui.core.planning import prepare
from virtnet_tui.executor.events import (
    Checkpoint,
    RollbackDone,
    RollbackStart,
    RunDone,
    StageUndone,
)
from virtnet_tui.executor.journal import (
    LOCK_PATH,
    RunDir,
    lock_holder,
    new_run_id,
    run_lock,
    runs_status,
)
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.executor.replay import numbered_steps, plan_from_json
from virtnet_tui.executor.runlock import LockBusy
from virtnet_tui.executor.undo import Undoer
from virtnet_tui.hosts.sandbox import SandboxHost


def _plans() -> dict[str, Plan]:
    plans = {p.stem: prepare(load_answers(p)).plan for p in EXAMPLE_FILES}
    plans.update({name: prepare(answers).plan for name, answers in ALL_CASES.items()})
    return plans


def test_plan_json_round_trips_for_every_example_and_matrix_case() -> None:
    for name, plan in _plans().items():
        again = plan_from_json(json.loads(plan.to_json_text()))
        assert again.to_json() == plan.to_json(), name
        assert [n for n, _, _ in again.steps()] == [n for n, _, _ in plan.steps()], name


def test_run_ids_sort_by_time() -> None:
    ids = []
    for _ in range(5):
        ids.append(new_run_id())
        time.sleep(0.001)
    assert ids == sorted(ids) and len(set(ids)) == 5


def _plan(*steps: FileStep) -> Plan:
    return Plan(stages=(Stage("files", tuple(steps)),))


def test_journal_lines_are_json_and_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    run = RunDir.create(host, _plan(FileStep("/etc/a", "a\n")), "")
    run.append(run_start("t1"))
    run.append(step_start(1))
    lines = run.journal_path.read_text().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["run-start", "step-start"]
    assert all(json.loads(line)["time"].endswith("Z") for line in lines)
    with run.journal_path.open("a") as handle:
        handle.write('{"event": "step-do')  # what a crash in the middle of a write leaves
    assert [e.event for e in run.events()] == ["run-start", "step-start"]
    state = run.state()
    assert state.step(1).status == "started" and state.open
    assert state.state_name(None) == "interrupted"
    assert state.state_name("t1") == "running"
    assert oct(os.stat(run.path).st_mode & 0o777) == "0o700", "backups may hold secrets"


def test_backup_restores_content_mode_and_owner_exactly(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    host.write_bytes("/etc/owned.conf", b"original\n", 0o640, 1234, 4321)
    host.write_bytes("/etc/setid", b"#!/bin/sh\n", 0o755)
    os.chmod(host.path("/etc/setid"), 0o4755)
    os.symlink("/usr/lib/target", host.path("/etc/link.conf"))
    plan = _plan(
        FileStep("/etc/owned.conf", "new\n", 0o644),
        FileStep("/etc/setid", "changed\n", 0o755),
        FileStep("/etc/link.conf", "not a link any more\n"),
        FileStep("/etc/new/deeper/file.conf", "created\n", 0o600),
        FileStep("/etc/owned.conf", "newer\n", 0o600),
    )
    run = RunDir.create(host, plan, "")
    index = run.take_backups(plan)
    assert index["/etc/owned.conf"].exists and index["/etc/owned.conf"].uid == 1234
    assert not index["/etc/new/deeper/file.conf"].exists
    assert index["/etc/new/deeper/file.conf"].missing_dirs == ("/etc/new", "/etc/new/deeper")
    assert index["/etc/link.conf"].link == "/usr/lib/target"

    from virtnet_tui.executor.steps import perform

    rec = Recorder(run)
    rec.emit(run_start("x"))
    for ns in numbered_steps(plan):
        rec.emit(step_start(ns.number))
        assert perform(host, ns.step).ok
        rec.emit(step_done(ns.number))
    owned = host.path("/etc/owned.conf").stat()
    assert (owned.st_uid, owned.st_gid) == (1234, 4321), "an overwritten file keeps its owner"
    assert not host.path("/etc/link.conf").is_symlink()

    undoer = Undoer(host, rec)
    # Undoing the second write of a path puts back what the first write made.
    last = numbered_steps(plan)[-1]
    assert undoer.undo_step(last, "strict") is None
    assert host.read_bytes("/etc/owned.conf") == b"new\n"
    meta = host.stat("/etc/owned.conf")
    assert meta is not None and (meta.mode, meta.uid, meta.gid) == (0o644, 1234, 4321)

    assert undoer.undo_stages([0]) == []
    meta = host.stat("/etc/owned.conf")
    assert host.read_bytes("/etc/owned.conf") == b"original\n"
    assert meta is not None and (meta.mode, meta.uid, meta.gid) == (0o640, 1234, 4321)
    setid = host.stat("/etc/setid")
    assert setid is not None and setid.mode == 0o4755, "chown must not eat the set-uid bit"
    assert os.readlink(host.path("/etc/link.conf")) == "/usr/lib/target"
    assert not host.path("/etc/new").exists(), "folders the run created are gone again"


def test_lock_names_its_holder_and_frees_itself_when_the_holder_dies(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    assert lock_holder(host) is None
    with run_lock(host, "first"):
        holder = lock_holder(host)
        assert holder == (os.getpid(), "first")
        with pytest.raises(LockBusy) as caught:
            run_lock(host, "second").acquire()
        assert caught.value.pid == os.getpid() and str(os.getpid()) in str(caught.value)
    assert lock_holder(host) is None

    # Another process takes it and is killed: the kernel releases the flock.
    code = (
        "import sys, time; from virtnet_tui.hosts.sandbox import SandboxHost;"
        "from virtnet_tui.executor.journal import run_lock;"
        f"l = run_lock(SandboxHost({str(tmp_path)!r}), 'other'); l.acquire();"
        "print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        holder = lock_holder(host)
        assert holder is not None and holder[0] == proc.pid
        with pytest.raises(LockBusy, match=str(proc.pid)):
            run_lock(host, "mine").acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert lock_holder(host) is None
    assert (tmp_path / LOCK_PATH.lstrip("/")).read_text().split()[0] == str(proc.pid)
    with run_lock(host, "after"):
        pass


def test_runs_status_follows_the_journal(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    plan = _plan(FileStep("/etc/a", "a\n"), FileStep("/etc/b", "b\n"))
    run = RunDir.create(host, plan, "")
    run.take_backups(plan)
    run.append(run_start("dead"))
    run.append(stage_start(0))
    run.append(step_start(1))
    run.append(step_done(1))
    [info] = runs_status(host)
    assert info.state == "interrupted" and info.steps_applied == 1 and info.files == ("/etc/a",)
    assert info.has_changes and info.checkpoints == ()
    run.append(step_start(2))
    run.append(step_done(2))
    run.append(Checkpoint(stage=0, name="files"))
    run.append(RunDone(checkpoints=1))
    [info] = runs_status(host)
    assert info.state == "applied" and info.checkpoints == ("files",) and info.steps_applied == 2
    run.append(RollbackStart(pid=1, token="rb", host=run_start("rb").host))
    for n in (2, 1):
        run.append(undo_done(n))
    run.append(StageUndone(stage=0, name="files"))
    run.append(RollbackDone())
    [info] = runs_status(host)
    assert info.state == "rolled-back" and not info.has_changes and info.checkpoints == ()
