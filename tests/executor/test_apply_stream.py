"""The executor as the Apply screen's event stream: confirmations, rollback, the end."""

from __future__ import annotations

from pathlib import Path

from support.apply_sandbox import diff, plan_on_primed, prime, snapshot
from support.paths import EXAMPLES

from virtnet_tui.core.answers import load_answers
from virtnet_tui.executor.apply import Options
from virtnet_tui.executor.progress import (
    Checkpoint,
    ConfirmRequest,
    Finished,
    RolledBack,
    StageStarted,
    StepDone,
)
from virtnet_tui.executor.stream import executor_events

PLAN = plan_on_primed(load_answers(EXAMPLES / "custom-nat.toml"))


def test_a_confirmed_run_streams_every_stage_step_and_checkpoint(tmp_path: Path) -> None:
    host = prime(tmp_path)
    seen = []
    for event in executor_events(host, PLAN, options=Options(confirm_timeout=10)):
        seen.append(event)
        if isinstance(event, ConfirmRequest):
            assert event.stage == 4 and event.name == "Firewall rules for virbr10"
            event.reply.confirm()
    assert [e.index for e in seen if isinstance(e, StageStarted)] == [1, 2, 3, 4, 5]
    assert [e.number for e in seen if isinstance(e, StepDone)] == list(range(1, 24))
    assert [e.index for e in seen if isinstance(e, Checkpoint)] == [1, 2, 3, 4, 5]
    assert isinstance(seen[-1], Finished) and seen[-1].exit_code == 0


def test_an_unanswered_confirmation_rolls_everything_back(tmp_path: Path) -> None:
    host = prime(tmp_path)
    before = snapshot(tmp_path)
    seen = list(executor_events(host, PLAN, options=Options(confirm_timeout=0.3)))
    [rolled] = [e for e in seen if isinstance(e, RolledBack)]
    assert rolled.complete and rolled.stages[0] == "Firewall rules for virbr10"
    assert len(rolled.stages) == 4
    assert isinstance(seen[-1], Finished) and seen[-1].exit_code == 3
    assert "not confirmed" in seen[-1].summary
    assert diff(before, snapshot(tmp_path)) == []
