"""The TUI finds a run that was killed mid-way and finishes it: resume, or roll back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from support.apply_sandbox import cli_process, prime, run_ids, snapshot
from support.paths import EXAMPLES
from support.tui_driver import run

from virtnet_tui.executor.journal import find_run, runs_status
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.tui.app import QUIT_QUESTION, WizardApp
from virtnet_tui.tui.screens.apply import ApplyScreen
from virtnet_tui.tui.screens.interrupted import InterruptedRunScreen

EXAMPLE = EXAMPLES / "custom-nat.toml"
OUTSIDE_RISKY = 4  # custom-nat's `ifup virbr10-dummy`, before the risky firewall stage


def _killed_run(root: Path) -> str:
    prime(root)
    rc, out, err = cli_process(
        "apply",
        "--answers",
        str(EXAMPLE),
        "--root",
        str(root),
        "--yes",
        fault=f"after-step:{OUTSIDE_RISKY}:kill",
    )
    assert rc == -9, out + err
    [run_id] = run_ids(root)
    return run_id


async def _until(done: Callable[[], bool], tries: int = 300) -> None:
    for _ in range(tries):
        if done():
            return
        await asyncio.sleep(0.05)


def test_interrupted_run_is_offered_and_rolled_back(tmp_path: Path) -> None:
    root = tmp_path / "host"
    prime(root)
    before = snapshot(root)
    run_id = _killed_run(root)
    app = WizardApp(SandboxHost(root), ansi=False)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await _until(lambda: isinstance(app.screen, InterruptedRunScreen))
            screen = app.screen
            assert isinstance(screen, InterruptedRunScreen) and screen.info.id == run_id
            await pilot.press("b")
            await _until(lambda: bool(screen.outcome_text))
            assert screen.outcome_text.startswith("Rolled back"), screen.outcome_text

    run(scenario())
    after = snapshot(root)
    changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
    assert all(p.startswith("var/lib/virtnet-wizard") for p in changed), changed
    assert [r.state for r in runs_status(SandboxHost(root))] == ["rolled-back"]


def test_interrupted_run_is_resumed_to_the_end(tmp_path: Path) -> None:
    root = tmp_path / "host"
    run_id = _killed_run(root)
    app = WizardApp(SandboxHost(root), ansi=False)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await _until(lambda: isinstance(app.screen, InterruptedRunScreen))
            await pilot.press("r")
            await _until(lambda: isinstance(app.screen, ApplyScreen))
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            for _ in range(400):
                if screen.finished:
                    break
                if screen.pending is not None:  # the risky firewall stage asks
                    await pilot.press("enter")
                await pilot.pause(0.05)
            assert screen.finished and screen.exit_code == 0

    run(scenario())
    run_dir = find_run(SandboxHost(root), run_id)
    assert run_dir is not None
    for path, step in run_dir.plan().files().items():
        assert SandboxHost(root).read_text(path) == step.content, path
    assert [r.state for r in runs_status(SandboxHost(root))] == ["applied"]


def test_quit_waits_while_a_change_is_being_applied(tmp_path: Path) -> None:
    from textual.screen import Screen

    from virtnet_tui.tui.dialogs.yes_no import YesNoDialog

    class Busy(Screen[None]):
        busy = True

    app = WizardApp(SandboxHost(tmp_path), ansi=False)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await app.push_screen(Busy())
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, Busy), "no quit dialog over a change in progress"
            app.screen.busy = False
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, YesNoDialog) and app.screen.id == QUIT_QUESTION

    run(scenario())
