"""Rolling back a run from the menu: asked first, the place in the list kept, reasons seen."""

from __future__ import annotations

from pathlib import Path

from support.rerun_host import applied_sandbox, apply_answers
from support.rerun_util import NAT, answers_text, custom_nat
from support.tui_driver import (
    NamedSandbox,
    WizardPilot,
    demo_app,
    run,
    screen_text,
    settle,
    type_into,
)
from textual.widgets import OptionList

from virtnet_tui.core.changes.dhcp import DhcpRequest
from virtnet_tui.executor.journal import runs_status
from virtnet_tui.managed.rerun import prepare_dhcp, run_change
from virtnet_tui.managed.state import load_state
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.dialogs.yes_no import YesNoDialog
from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen
from virtnet_tui.tui.screens.rollback_run import RollbackRunScreen


def _nat(n: int) -> str:
    """Another libvirt NAT network, sharing nothing with nat1."""
    return answers_text(
        NAT.replace("nat1", f"nat{n}")
        .replace("virbr1", f"virbr{n}")
        .replace("192.168.100.", f"192.168.{100 + n}.")
    )


async def _rollback_screen(pilot: WizardPilot) -> RollbackRunScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, RerunMenuScreen)
    await pilot.press("home", "down", "down", "down", "enter")  # Roll back a run
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RollbackRunScreen)
    return screen


def _in_place(app: WizardApp) -> list[str]:
    return [i.id for i in runs_status(app.host) if i.has_changes]


def test_a_rollback_is_asked_first_and_the_highlight_keeps_its_place(tmp_path: Path) -> None:
    first = applied_sandbox(tmp_path)
    second = apply_answers(tmp_path, _nat(2))
    third = apply_answers(tmp_path, _nat(3))
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _rollback_screen(pilot)
            runs = screen.query_one("#rollback-runs", OptionList)
            await pilot.press("down")  # the second run, in the middle of the list
            await pilot.pause()
            assert runs.highlighted == 1
            await pilot.press("enter")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, YesNoDialog)
            # The question names the run and what it changed.
            assert f"Roll back run {second}" in dialog.question
            assert "libvirt network: nat2" in dialog.question
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is screen
            assert _in_place(app) == [first, second, third], "No keeps everything"
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("y")
            await settle(pilot)
            assert _in_place(app) == [first, third]
            assert f"Run {second} is rolled back" in screen_text(app)
            # The highlight stays in its place: on the next run, not back at the top.
            assert runs.highlighted == 1
            assert screen.infos[1].id == first

    run(scenario())


def test_why_a_run_cannot_be_rolled_back_shows_at_80x24(tmp_path: Path) -> None:
    # A custom network's first run writes many files; a later lease on it depends on it.
    applied_sandbox(tmp_path, answers_text(custom_nat(), systemd=False, firewall="manual"))
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("home", "down", "enter")  # DHCP hosts
            await settle(pilot)
            await pilot.press("a")
            await pilot.pause()
            await type_into(pilot, "field-mac", "52:54:00:aa:bb:01")
            await type_into(pilot, "field-ip", "192.168.110.40")
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            screen = await _rollback_screen(pilot)
            await pilot.press("down")  # the first run: the lease's run came later
            await pilot.pause()
            assert not screen.next_enabled
            text = " ".join(screen_text(app).split())
            assert "Cannot roll back now: run" in text, screen_text(app)
            assert "roll that run back first" in text

    run(scenario())


def test_a_runs_line_never_cuts_an_address(tmp_path: Path) -> None:
    applied_sandbox(tmp_path)
    host = NamedSandbox(tmp_path)
    request = DhcpRequest("add", "nat1", mac="52:54:00:aa:bb:02", ip="192.168.100.150")
    outcome = run_change(host, prepare_dhcp(host, load_state(host), request))
    assert outcome.status == "applied"
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _rollback_screen(pilot)
            runs = screen.query_one("#rollback-runs", OptionList)
            label = str(runs.get_option_at_index(0).prompt)
            assert label.endswith("52:54:00:aa:bb:02 -> 192.168.100.150 on nat1"), label
            shown = " ".join(screen_text(app).split())
            assert "-> 192.168.100.150 on nat1" in shown

    run(scenario())
