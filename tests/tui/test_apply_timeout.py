"""A risky stage nobody confirms in time: the countdown ends, the undo shows, Enter is too late."""

from __future__ import annotations

from pathlib import Path

from support.tui_driver import CUSTOM_NAT_DEMO, NamedSandbox, WizardPilot, press_next, run, settle
from textual.widgets import ProgressBar, RichLog, Static

from virtnet_tui.executor.apply import Options
from virtnet_tui.executor.progress import Checkpoint, StepDone
from virtnet_tui.executor.stream import executor_events
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.apply import ApplyScreen


def _app(root: Path) -> WizardApp:
    seed_demo_host(root)
    return WizardApp(
        NamedSandbox(root),
        situation=CUSTOM_NAT_DEMO,
        apply_source=lambda plan, host: executor_events(
            host,
            plan,
            options=Options(confirm_timeout=0.5),
            ask_keep_earlier=True,
            question_timeout=5.0,  # a failing test must not hang on the question
        ),
        ansi=False,
    )


async def _until(pilot: WizardPilot, done: object) -> None:
    for _ in range(200):
        if callable(done) and done():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


def _log_text(log: RichLog) -> str:
    """The log as the operator reads it, scrolling: every wrapped line, joined.

    A line wider than the log would be cut at its right edge (or need scrolling
    sideways): none may be.
    """
    width = log.scrollable_content_region.width
    assert all(strip.cell_length <= width for strip in log.lines), width
    return " ".join(strip.text.strip() for strip in log.lines)


def test_a_countdown_that_runs_out_ends_and_the_undo_shows_at_once(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await press_next(pilot)
            await pilot.press("a", "y")
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            await _until(pilot, lambda: screen.question is not None)
            await pilot.pause(0.6)  # two ticks of the countdown
            # The countdown is over: the question shows, not "0 s left".
            countdown = str(screen.query_one("#countdown", Static).content)
            assert "s left" not in countdown
            assert "Press k to keep them" in countdown
            assert screen.pending is None
            # Worded right, and not cut at the right edge of an 80-column log.
            assert any("not confirmed within 0.5 s" in line for line in screen.log_lines)
            assert "failed: not confirmed within 0.5 s" in _log_text(screen.query_one(RichLog))
            # The failed stage was undone before the question: its lines are there already.
            assert any("undid step 16" in line for line in screen.log_lines)
            # Enter is too late now: nothing is confirmed.
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert not any("confirmed" in line and "not" not in line for line in screen.log_lines)
            await pilot.press("k")
            await _until(pilot, lambda: screen.finished)
            # The bar shows the steps still applied: those of the three kept stages.
            kept = [e.index for e in screen.events if isinstance(e, Checkpoint)]
            assert kept == [1, 2, 3]
            bar = screen.query_one("#progress", ProgressBar)
            assert bar.progress == sum(len(stage.steps) for stage in screen.plan.stages[:3])

    run(scenario())


def test_rolled_back_everything_the_bar_is_empty(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await press_next(pilot)
            await pilot.press("a", "y")
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            await _until(pilot, lambda: screen.question is not None)
            assert screen.query_one("#progress", ProgressBar).progress == sum(
                len(stage.steps) for stage in screen.plan.stages[:3]
            ), "the failed stage's steps are undone already"
            await pilot.press("r")
            await _until(pilot, lambda: screen.finished)
            assert any(isinstance(e, StepDone) for e in screen.events)
            assert screen.query_one("#progress", ProgressBar).progress == 0

    run(scenario())
