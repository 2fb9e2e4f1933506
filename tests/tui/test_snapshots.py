"""Snapshots of every screen at 80x24 and 120x40 (update: scripts/update-snapshots).

The demo sandbox is seeded the same way every time, the sandbox is named without
its folder, MACs are derived (``defaults.stable_mac``) and the apply screen's clock
is frozen, so the pictures do not change from run to run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from support.tui_driver import (
    WizardPilot,
    demo_app,
    press_next,
    settle,
    type_into,
)
from textual.widgets import Input, RichLog, Tree

from virtnet_tui.core.model import Situation
from virtnet_tui.core.plan import Plan
from virtnet_tui.executor.progress import (
    ApplyEvent,
    Checkpoint,
    CheckResult,
    ConfirmReply,
    ConfirmRequest,
    Finished,
    RolledBack,
    StageFailed,
    StageStarted,
    StepDone,
    StepFailed,
    StepUndone,
)
from virtnet_tui.tui.screens.apply import ApplyScreen
from virtnet_tui.tui.screens.preview import PreviewScreen

SIZES = [(80, 24), (120, 40)]
#: The demo host's situation: one public IPv4 address, four VMs, no bridging. The app
#: starts from it (as from a probe's suggestion); the Pilot tests answer by hand.
DEMO_SITUATION = Situation(
    site="dedicated",
    uplink="ethernet",
    public_ipv4=1,
    vms=4,
    bridging_allowed=False,
    ipv6_prefix=64,
    inbound=True,
    firewall="manual",
)
FROZEN = 1000.0

SnapCompare = Callable[..., bool]
Step = Callable[[WizardPilot], Awaitable[None]]


def _still(pilot: WizardPilot) -> None:
    """No blinking cursor: a snapshot must not depend on when it is taken."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def _welcome(pilot: WizardPilot) -> None:
    await settle(pilot)


async def _situation(pilot: WizardPilot) -> None:
    await _welcome(pilot)
    await press_next(pilot)


async def _recommendation(pilot: WizardPilot) -> None:
    await _situation(pilot)
    await press_next(pilot)


async def _parameters(pilot: WizardPilot) -> None:
    await _recommendation(pilot)
    await press_next(pilot)


async def _parameters_bad(pilot: WizardPilot) -> None:
    await _parameters(pilot)
    await type_into(pilot, "n0-ipv4", "192.168.100.1/33")


async def _preview(pilot: WizardPilot) -> None:
    await _parameters(pilot)
    await press_next(pilot)


async def _preview_file(pilot: WizardPilot) -> None:
    await _preview(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PreviewScreen)
    tree: Tree[Any] = screen.query_one("#plan-tree", Tree)
    # The demo host's /etc/network/interfaces exists: its diff is the interesting one.
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None and "/etc/network/interfaces" in str(node.label):
            tree.cursor_line = line
            break
    await pilot.pause()


async def _export(pilot: WizardPilot) -> None:
    await _preview(pilot)
    await pilot.press("e")
    await pilot.pause()


async def _confirm_apply(pilot: WizardPilot) -> None:
    await _preview(pilot)
    await pilot.press("a")
    await pilot.pause()


async def _quit(pilot: WizardPilot) -> None:
    await _recommendation(pilot)
    await pilot.press("q")
    await pilot.pause()


async def _rerun_menu(pilot: WizardPilot) -> None:
    from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen

    await settle(pilot)
    await pilot.app.push_screen(RerunMenuScreen(("virbr10", "mynetwork1")))
    await pilot.pause()


STEPS: dict[str, Step] = {
    "welcome": _welcome,
    "rerun-menu": _rerun_menu,
    "situation": _situation,
    "recommendation": _recommendation,
    "parameters": _parameters,
    "parameters-bad-value": _parameters_bad,
    "preview": _preview,
    "preview-file-diff": _preview_file,
    "export-dialog": _export,
    "confirm-apply": _confirm_apply,
    "quit-dialog": _quit,
}


def _scripted(events: list[ApplyEvent]) -> Callable[[Plan, Any], list[ApplyEvent]]:
    return lambda plan, host: events


def _apply_events(outcome: str) -> list[ApplyEvent]:
    """A short scripted run: the screen shows events, whoever produces them."""
    events: list[ApplyEvent] = [
        StageStarted(1, 2, "write the bridge's files", 2),
        StepDone(1, "write /etc/network/interfaces", "in the sandbox"),
        StepDone(2, "ifup virbr10", "recorded, not run"),
        CheckResult(1, "link virbr10 is up", True, "not verified in the sandbox"),
        Checkpoint(1, "write the bridge's files"),
        StageStarted(2, 2, "firewall rules", 1, True, "new iptables rules"),
        StepDone(3, "iptables-restore --noflush /etc/virtnet-wizard/firewall/virbr10.v4"),
    ]
    if outcome == "countdown":
        events.append(ConfirmRequest(2, "firewall rules", FROZEN + 30, ConfirmReply()))
    elif outcome == "done":
        events += [Checkpoint(2, "firewall rules"), Finished(0, "Applied 3 steps in 2 stages.")]
    else:
        events[-1] = StepFailed(3, "iptables-restore ...", "exit status 1")
        events += [
            StageFailed(2, "firewall rules", "exit status 1", 3),
            StepUndone(2, "ifup virbr10"),
            StepUndone(1, "write /etc/network/interfaces"),
            RolledBack(("firewall rules", "write the bridge's files"), True),
            Finished(3, "Step 3 failed: exit status 1. Everything was rolled back."),
        ]
    return events


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(STEPS))
def test_screen(
    name: str, size: tuple[int, int], tmp_path: Path, snap_compare: SnapCompare
) -> None:
    app = demo_app(tmp_path, situation=DEMO_SITUATION)

    async def run_before(pilot: WizardPilot) -> None:
        await STEPS[name](pilot)
        _still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("outcome", ["countdown", "done", "rolled-back"])
def test_apply_screen(
    outcome: str, size: tuple[int, int], tmp_path: Path, snap_compare: SnapCompare
) -> None:
    events = _apply_events(outcome)
    app = demo_app(
        tmp_path,
        situation=DEMO_SITUATION,
        apply_source=_scripted(events),
        clock=lambda: FROZEN,
    )

    async def run_before(pilot: WizardPilot) -> None:
        await _preview(pilot)
        await pilot.press("a", "y")
        await settle(pilot)
        # Every event shown and the log scrolled to its end: on a busy machine either
        # can lag a frame behind.
        screen = pilot.app.screen
        assert isinstance(screen, ApplyScreen)
        log = screen.query_one("#log", RichLog)
        for _ in range(100):
            if len(screen.events) == len(events) and log.scroll_y >= log.max_scroll_y:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)  # the countdown's first tick

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("name", ["situation", "parameters-bad-value", "preview-file-diff"])
def test_screen_on_16_colours(name: str, tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The ANSI theme that a 16-colour terminal gets: only palette colours."""
    app = demo_app(tmp_path, situation=DEMO_SITUATION, ansi=True)

    async def run_before(pilot: WizardPilot) -> None:
        await STEPS[name](pilot)
        _still(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
