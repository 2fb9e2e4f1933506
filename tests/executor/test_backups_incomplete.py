"""An apply stopped while it takes its backups: resume finishes them first, never runs without.

The wizard runs as its own process here, with the sandbox's atomic write wrapped so that
it dies (SIGKILL, as a dropped SSH session) or waits while the backups are being taken.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support.apply_sandbox import cli_process, diff, journal, prime, run_ids, snapshot
from support.paths import EXAMPLES

from virtnet_tui.executor.journal import RUNS_DIR

ANSWERS = str(EXAMPLES / "custom-nat.toml")
# custom-nat: step 3 writes /etc/network/interfaces (seeded, so its backup has content),
# step 4 runs `ifup virbr10-dummy`.
INTERFACES = "/etc/network/interfaces"

#: Runs the CLI with ``write_atomically`` wrapped: after the first saved content
#: (``backups/0001``) the wizard kills itself, or waits until the file RELEASE exists.
_WRAPPED_CLI = """
import os, signal, sys, time
from pathlib import Path
import virtnet_tui.hosts.base as base
from virtnet_tui.cli.main import main

mode, release = sys.argv[1], sys.argv[2]
real = base.write_atomically

def wrapped(target, *args, **kwargs):
    real(target, *args, **kwargs)
    if target.parent.name == "backups" and target.name == "0001":
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        Path(release + ".waiting").touch()
        while not os.path.exists(release):
            time.sleep(0.02)

base.write_atomically = wrapped
sys.exit(main(sys.argv[3:]))
"""


def _apply_argv(root: Path) -> list[str]:
    return ["apply", "--answers", ANSWERS, "--root", str(root), "--yes"]


def _wrapped(mode: str, release: Path, argv: list[str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTNET_FAULT"}
    return subprocess.Popen(
        [sys.executable, "-c", _WRAPPED_CLI, mode, str(release), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _runs(root: Path) -> list[dict[str, Any]]:
    rc, out, err = cli_process("status", "--root", str(root), "--json")
    assert rc == 0, err
    runs: list[dict[str, Any]] = json.loads(out)["runs"]
    return runs


def _killed_while_backing_up(root: Path) -> str:
    proc = _wrapped("kill", root.parent / "unused", _apply_argv(root))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -9, err
    [run_id] = run_ids(root)
    backups = root / RUNS_DIR.lstrip("/") / run_id / "backups"
    assert (backups / "0001").exists() and not (backups / "index.json").exists()
    return run_id


def test_resume_takes_the_missing_backups_before_any_step(tmp_path: Path) -> None:
    root = tmp_path / "root"
    prime(root)
    before = snapshot(root)
    run_id = _killed_while_backing_up(root)
    [info] = _runs(root)
    assert info["state"] == "interrupted" and info["steps_applied"] == 0
    assert diff(before, snapshot(root)) == [], "no step ran before the backups were complete"

    rc, out, err = cli_process("apply", "--resume", run_id, "--root", str(root), "--yes")
    assert rc == 0, out + err
    events = [e["event"] for e in journal(root, run_id)]
    assert events.index("resume") < events.index("step-start")
    index = json.loads((root / RUNS_DIR.lstrip("/") / run_id / "backups/index.json").read_text())
    assert index[INTERFACES]["exists"] and index[INTERFACES]["blob"]

    # The backups resume took are the files as they were: rollback puts every one back.
    rc, out, err = cli_process("rollback", run_id, "--root", str(root))
    assert rc == 0, out + err
    assert diff(before, snapshot(root)) == []


def test_rollback_of_a_run_killed_while_backing_up_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    prime(root)
    before = snapshot(root)
    run_id = _killed_while_backing_up(root)
    rc, out, err = cli_process("rollback", run_id, "--root", str(root))
    assert rc == 0, out + err
    assert diff(before, snapshot(root)) == []
    assert _runs(root)[0]["state"] == "rolled-back"


def test_a_run_taking_its_backups_is_running_not_interrupted(tmp_path: Path) -> None:
    root = tmp_path / "root"
    prime(root)
    release = tmp_path / "release"
    proc = _wrapped("wait", release, _apply_argv(root))
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{release}.waiting").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        [info] = _runs(root)
        assert info["state"] == "running"
        rc, _, err = cli_process(*_apply_argv(root))
        assert rc == 2
        assert "another apply or rollback is running" in err
        assert "interrupted" not in err
    finally:
        release.touch()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert [i["state"] for i in _runs(root)] == ["applied"]


def test_resume_refuses_a_run_whose_steps_ran_without_backups(tmp_path: Path) -> None:
    """What an older wizard's resume left: steps applied, no backups. Resume would make it
    worse; rollback puts back everything else and names the file it cannot restore."""
    root = tmp_path / "root"
    prime(root)
    before = snapshot(root)
    rc, out, err = cli_process(*_apply_argv(root), fault="after-step:4:kill")
    assert rc == -9, out + err
    [run_id] = run_ids(root)
    shutil.rmtree(root / RUNS_DIR.lstrip("/") / run_id / "backups")
    damaged = snapshot(root)
    events = journal(root, run_id)

    rc, out, err = cli_process("apply", "--resume", run_id, "--root", str(root), "--yes")
    assert rc == 2, out + err
    assert f"run {run_id} has no backup of {INTERFACES}" in err
    assert f"virtnet-wizard rollback {run_id}" in err
    assert diff(damaged, snapshot(root)) == [] and journal(root, run_id) == events

    rc, out, err = cli_process("rollback", run_id, "--root", str(root))
    assert rc == 4, out + err
    assert f"no backup of {INTERFACES}" in out + err
    assert "backups were complete" in out + err
    assert f"# restore {root}{INTERFACES} from your own backup" in out + err
    assert [line.split(":")[0] for line in diff(before, snapshot(root))] == [INTERFACES[1:]]


def test_a_fifo_where_the_plan_writes_is_refused_not_waited_on(tmp_path: Path) -> None:
    root = tmp_path / "root"
    prime(root)
    fifo = root / "etc/sysctl.d/90-virtnet-wizard-forwarding.conf"
    fifo.unlink()
    before = snapshot(root)  # taken without the FIFO: reading one would wait forever
    os.mkfifo(fifo)
    rc, out, err = cli_process(*_apply_argv(root), timeout=60)
    assert rc == 2, out + err
    assert f"{fifo} is a FIFO" in err and "nothing was changed" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    fifo.unlink()
    assert diff(before, snapshot(root)) == []
    assert run_ids(root) == [], "no run was started"
