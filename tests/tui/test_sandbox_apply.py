"""The sandbox stand-in for apply: files under the root, commands recorded, events in order."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path

from virtnet_tui.answers import load_answers
from virtnet_tui.host import SANDBOX_COMMAND_LOG, SandboxHost
from virtnet_tui.plan import CommandStep
from virtnet_tui.planning import prepare
from virtnet_tui.progress import (
    ApplyEvent,
    Checkpoint,
    ConfirmRequest,
    Finished,
    RolledBack,
    StageStarted,
    StepDone,
    StepFailed,
)
from virtnet_tui.sandbox_apply import run_in_sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "virtnet_tui" / "examples"


def _confirming(events: Iterable[ApplyEvent]) -> list[ApplyEvent]:
    """Consume a run, confirming every risky stage at once."""
    seen = []
    for event in events:
        seen.append(event)
        if isinstance(event, ConfirmRequest):
            event.reply.confirm()
    return seen


def test_a_confirmed_run_writes_every_file_and_records_every_command(tmp_path: Path) -> None:
    plan = prepare(load_answers(EXAMPLES / "custom-nat.toml")).plan
    host = SandboxHost(tmp_path)
    events = _confirming(run_in_sandbox(plan, host))
    numbers = [e.number for e in events if isinstance(e, StepDone)]
    assert numbers == [n for n, _, _ in plan.steps()]
    assert [e.index for e in events if isinstance(e, Checkpoint)] == list(
        range(1, len(plan.stages) + 1)
    )
    starts = [e for e in events if isinstance(e, StageStarted)]
    assert [s.risky for s in starts] == [s.risky for s in plan.stages]
    # A stage's confirmation comes after its steps and before its checkpoint.
    risky = next(i for i, s in enumerate(plan.stages, start=1) if s.risky)
    kinds = [
        type(e).__name__ for e in events if getattr(e, "index", getattr(e, "stage", 0)) == risky
    ]
    assert kinds.index("ConfirmRequest") < kinds.index("Checkpoint")
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.exit_code == 0
    for path, step in plan.files().items():
        assert (tmp_path / path.lstrip("/")).read_text() == step.content
        meta = host.stat(path)
        assert meta is not None and meta.mode == step.mode, path
    logged = [
        json.loads(line) for line in host.path("/" + SANDBOX_COMMAND_LOG).read_text().splitlines()
    ]
    wanted = [list(step.argv) for _, _, step in plan.steps() if isinstance(step, CommandStep)]
    assert [argv for argv in logged if argv in wanted] == wanted  # all of them, in order
    assert any(argv[0] == "iptables-restore" for argv in logged)


def test_a_failing_step_rolls_everything_back(tmp_path: Path) -> None:
    plan = prepare(load_answers(EXAMPLES / "custom-nat.toml")).plan
    host = SandboxHost(tmp_path)
    host.write_text("/etc/network/interfaces", "auto lo\niface lo inet loopback\n", mode=0o600)
    files = [
        n for n, _, step in plan.steps() if getattr(step, "path", "") == "/etc/network/interfaces"
    ]
    last = max(n for n, _, _ in plan.steps())
    events = _confirming(run_in_sandbox(plan, host, fail_at_step=last))
    failed = [e for e in events if isinstance(e, StepFailed)]
    assert [f.number for f in failed] == [last]
    rolled = next(e for e in events if isinstance(e, RolledBack))
    assert rolled.complete
    assert rolled.stages[0] == plan.stages[-1].name  # the last applied stage is undone first
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.exit_code == 3
    # The edited file is back, with its mode; the files the plan created are gone.
    assert files, "the custom-nat plan edits /etc/network/interfaces"
    assert host.read_text("/etc/network/interfaces") == "auto lo\niface lo inet loopback\n"
    meta = host.stat("/etc/network/interfaces")
    assert meta is not None and meta.mode == 0o600
    for path in plan.files():
        if path != "/etc/network/interfaces":
            assert not host.exists(path), path


def test_an_unconfirmed_risky_stage_times_out_and_rolls_back(tmp_path: Path) -> None:
    plan = prepare(load_answers(EXAMPLES / "bridged.toml")).plan
    host = SandboxHost(tmp_path)
    now = [0.0]
    events = []
    runner = run_in_sandbox(plan, host, confirm_timeout=0.2, clock=lambda: now[0])
    for event in runner:
        events.append(event)
        if isinstance(event, ConfirmRequest):
            assert event.deadline == 0.2
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.exit_code == 3
    assert "not confirmed" in finished.summary
    assert any(isinstance(e, RolledBack) for e in events)
    assert not any(isinstance(e, Checkpoint) and plan.stages[e.index - 1].risky for e in events)


def test_confirmation_from_another_thread(tmp_path: Path) -> None:
    plan = prepare(load_answers(EXAMPLES / "bridged.toml")).plan
    events = []
    for event in run_in_sandbox(plan, SandboxHost(tmp_path), confirm_timeout=10):
        events.append(event)
        if isinstance(event, ConfirmRequest):
            # As the Apply screen does: the UI thread answers while the runner waits.
            threading.Timer(0.05, event.reply.confirm).start()
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.exit_code == 0
