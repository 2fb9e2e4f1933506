"""Leaving the wizard (issue 16): Ctrl+C asks like q, an apply is never left half done, the
quit question tells what the session changed, and a finished run leads to the menu."""

from __future__ import annotations

from pathlib import Path

from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    WizardPilot,
    demo_app,
    focus,
    press_next,
    run,
    settle,
    wait_for_text,
)

from virtnet_tui.core.answers import answers_to_toml
from virtnet_tui.core.plan import Plan
from virtnet_tui.executor.journal import runs_status
from virtnet_tui.executor.progress import EventSource
from virtnet_tui.executor.stream import executor_events
from virtnet_tui.hosts.base import Host
from virtnet_tui.managed.state import follow_runs
from virtnet_tui.tui.app import QUIT_QUESTION, WizardApp
from virtnet_tui.tui.dialogs.yes_no import YesNoDialog
from virtnet_tui.tui.screens.apply import UNDO_NOW_QUESTION, ApplyScreen
from virtnet_tui.tui.screens.recommendation import RecommendationScreen
from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen
from virtnet_tui.tui.screens.situation import SituationScreen
from virtnet_tui.tui.screens.welcome import WelcomeScreen


def _app(root: Path) -> tuple[WizardApp, list[str]]:
    """The demo wizard, applying as `virtnet-wizard --sandbox` does (the run keeps the
    answers and updates the networks the wizard manages); and the notifications it gives."""
    app = demo_app(
        root, situation=CUSTOM_NAT_DEMO, command=("virtnet-wizard", "--sandbox", str(root))
    )

    def apply(plan: Plan, host: Host) -> EventSource:
        prepared = app.form.prepared
        assert prepared is not None
        text = answers_to_toml(prepared.answers, all_host_keys=True)
        return executor_events(
            host, plan, answers_text=text, ask_keep_earlier=True, runs_changed=follow_runs
        )

    app.apply_source = apply
    notes: list[str] = []
    app.notify = lambda message, **_: notes.append(str(message))  # type: ignore[method-assign]
    return app, notes


def _question(app: WizardApp) -> str:
    screen = app.screen
    assert isinstance(screen, YesNoDialog) and screen.id == QUIT_QUESTION
    return screen.question


async def _start_apply(app: WizardApp, pilot: WizardPilot) -> ApplyScreen:
    """From Welcome through the preview to a confirmed apply; its screen."""
    await settle(pilot)
    for _ in range(4):
        await press_next(pilot)
    await pilot.press("a", "y")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ApplyScreen)
    return screen


def test_ctrl_c_asks_before_quitting_even_in_a_field(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            assert isinstance(app.screen, SituationScreen)
            await focus(pilot, "situation-vms")  # an Input, which takes Ctrl+C for copy
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert "Nothing has been changed on the host" in _question(app)
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, SituationScreen)
            await press_next(pilot)
            assert isinstance(app.screen, RecommendationScreen)
            await pilot.press("ctrl+c")
            await pilot.pause()
            _question(app)
            await pilot.press("y")
            await pilot.pause()

    run(scenario())
    assert app.return_code == 0


def test_after_an_apply_the_menu_and_an_honest_quit_question(tmp_path: Path) -> None:
    app, notes = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await _start_apply(app, pilot)
            asked_during_countdown = False
            for _ in range(400):
                if screen.finished:
                    break
                if screen.pending is not None:
                    if not asked_during_countdown:
                        # Ctrl+C and q during a countdown offer the undo the countdown
                        # would end in; "keep waiting" leaves the run as it was.
                        for key in ("ctrl+c", "q"):
                            await pilot.press(key)
                            await pilot.pause()
                            dialog = app.screen
                            assert isinstance(dialog, YesNoDialog), app.screen_stack
                            assert dialog.id == UNDO_NOW_QUESTION
                            assert "Undo it now?" in dialog.question
                            await pilot.press("n")
                            await pilot.pause()
                            assert id(app.screen) == id(screen) and screen.pending is not None
                        assert notes == [], notes
                        asked_during_countdown = True
                    await pilot.press("enter")
                await pilot.pause(0.05)
            assert screen.finished and screen.exit_code == 0
            assert asked_during_countdown
            # The final screen repeats what is left to do elsewhere, and offers the menu.
            todos = screen.plan.todos
            assert todos, "the demo's plan has a to-do (the port forward at the provider)"
            log = "\n".join(screen.log_lines)
            assert "To do elsewhere" in log
            assert all(todo.title in log for todo in todos), log
            await wait_for_text(pilot, "Press m for the menu")
            await pilot.press("m")
            await settle(pilot)
            assert isinstance(app.screen, RerunMenuScreen), app.screen_stack
            assert isinstance(app.screen_stack[0], WelcomeScreen)
            assert len(app.screen_stack) == 2
            await pilot.press("q")
            await pilot.pause()
            question = _question(app)
            [run_info] = runs_status(app.host)
            assert "Nothing has been changed" not in question
            assert "This session changed the host" in question
            assert f"run {run_info.id}" in question and "applied" in question
            assert f"virtnet-wizard --sandbox {tmp_path} rollback RUN_ID" in question
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, RerunMenuScreen)

    run(scenario())


def test_ctrl_c_during_a_countdown_can_undo_the_stage_at_once(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await _start_apply(app, pilot)
            for _ in range(400):
                if screen.pending is not None:
                    break
                await pilot.pause(0.05)
            assert screen.pending is not None, "the demo plan has a risky stage"
            stage = screen.pending.stage
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert isinstance(app.screen, YesNoDialog) and app.screen.id == UNDO_NOW_QUESTION
            await pilot.press("y")
            # Undone now, not after the countdown's 60 s; then the earlier stages too.
            for _ in range(200):
                if screen.finished:
                    break
                if screen.question is not None:
                    await pilot.press("r")
                await pilot.pause(0.05)
            assert screen.finished and screen.exit_code == 3
            log = "\n".join(screen.log_lines)
            assert f"stage {stage}: undoing it now, as asked" in log
            assert "the operator asked to undo it" in log
            [run_info] = runs_status(app.host)
            assert run_info.state == "failed" and not run_info.has_changes, run_info
            await pilot.press("q")  # the run has ended: q leaves with its exit code
            await pilot.pause()

    run(scenario())
    assert app.return_value == 3, "the wizard exits with the run's exit code"
