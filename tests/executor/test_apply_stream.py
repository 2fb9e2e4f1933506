"""The executor as the Apply screen's event stream: confirmations, rollback, the end."""

from __future__ import annotations

import time
from pathlib import Path

from support.apply_sandbox import diff, plan_on_primed, prime, snapshot
from support.paths import EXAMPLES

from virtnet_tui.core.answers import load_answers
from virtnet_tui.executor.apply import Options
from virtnet_tui.executor.progress import (
    Checkpoint,
    ConfirmReply,
    ConfirmRequest,
    Finished,
    KeepEarlierRequest,
    RolledBack,
    StageFailed,
    StageStarted,
    StepDone,
    StepUndone,
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


def test_a_confirmation_after_the_deadline_is_refused() -> None:
    late = ConfirmReply()
    assert late.wait(0.01) is False
    assert late.closed
    assert late.confirm() is False, "the stage is being undone: too late"
    assert not late.confirmed
    in_time = ConfirmReply()
    assert in_time.confirm() is True
    assert in_time.wait(0.01) is True and not in_time.closed


def test_a_declined_stage_is_undone_at_once_and_says_why(tmp_path: Path) -> None:
    """ "Undo it now" (the TUI's n, Ctrl+C during a countdown) does not wait out the clock."""
    host = prime(tmp_path)
    before = snapshot(tmp_path)
    started = time.monotonic()
    seen: list[object] = []
    for event in executor_events(host, PLAN, options=Options(confirm_timeout=30)):
        seen.append(event)
        if isinstance(event, ConfirmRequest):
            assert event.reply.decline() is True
            assert event.reply.confirm() is False, "a declined stage cannot be kept after all"
    assert time.monotonic() - started < 15, "the wait ended with the answer, not the timeout"
    [failed] = [e for e in seen if isinstance(e, StageFailed)]
    assert failed.reason == "the operator asked to undo it"
    assert isinstance(seen[-1], Finished) and seen[-1].exit_code == 3
    assert diff(before, snapshot(tmp_path)) == []


def test_a_decline_after_the_confirmation_changes_nothing() -> None:
    reply = ConfirmReply()
    assert reply.confirm() is True
    assert reply.decline() is False
    assert reply.wait(0.01) is True and reply.confirmed and not reply.closed


def test_the_undo_streams_as_it_happens_before_the_question(tmp_path: Path) -> None:
    host = prime(tmp_path)
    seen: list[object] = []
    for event in executor_events(
        host, PLAN, options=Options(confirm_timeout=0.3), ask_keep_earlier=True
    ):
        seen.append(event)
        if isinstance(event, KeepEarlierRequest):
            event.reply.answer(True)
    [failed] = [e for e in seen if isinstance(e, StageFailed)]
    assert (failed.stage, failed.reason, failed.step) == (4, "not confirmed within 0.3 s", None)
    question = next(i for i, e in enumerate(seen) if isinstance(e, KeepEarlierRequest))
    undone = [(i, e) for i, e in enumerate(seen) if isinstance(e, StepUndone)]
    stage4 = [n for n, stage, _ in PLAN.steps() if stage.name == failed.name]
    assert [e.number for _, e in undone] == stage4[::-1]
    assert seen.index(failed) < undone[0][0] and undone[-1][0] < question
    assert not any(isinstance(e, RolledBack) for e in seen[:question])
