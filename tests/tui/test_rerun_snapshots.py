"""Snapshots of the re-run menu and the DHCP lease screens, at 80x24 and 120x40 (16 colours too).

Update with ``.venv/bin/pytest tests/tui/test_rerun_snapshots.py --snapshot-update``. The
status and rollback screens show run ids and times, so the Pilot tests check them instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from support.rerun_host import NETWORK, applied_sandbox
from support.tui_driver import NamedSandbox, WizardPilot, demo_app, settle, type_into
from textual.widgets import Input

from virtnet_tui.core.changes.dhcp import DhcpRequest
from virtnet_tui.managed.rerun import prepare_dhcp, run_change
from virtnet_tui.managed.state import load_state

SIZES = [(80, 24), (120, 40)]
SnapCompare = Callable[..., bool]
Step = Callable[[WizardPilot], Awaitable[None]]


def _still(pilot: WizardPilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def _sandbox_with_a_lease(root: Path) -> None:
    """The first run, then one fixed lease added as its own run (as ``dhcp-host add`` does)."""
    applied_sandbox(root)

    host = NamedSandbox(root)
    request = DhcpRequest("add", NETWORK, mac="52:54:00:aa:bb:01", ip="192.168.100.50", name="web")
    outcome = run_change(host, prepare_dhcp(host, load_state(host), request))
    assert outcome.status == "applied"


async def _menu(pilot: WizardPilot) -> None:
    await settle(pilot)


async def _dhcp_hosts(pilot: WizardPilot) -> None:
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def _dhcp_form_bad(pilot: WizardPilot) -> None:
    await _dhcp_hosts(pilot)
    await pilot.press("a")
    await pilot.pause()
    await type_into(pilot, "field-mac", "52:54:00:aa:bb:02")
    await type_into(pilot, "field-ip", "192.168.100.50")
    await type_into(pilot, "field-name", "db")


async def _dhcp_form_ok(pilot: WizardPilot) -> None:
    await _dhcp_form_bad(pilot)
    await type_into(pilot, "field-ip", "192.168.100.51")


async def _attach_vm(pilot: WizardPilot) -> None:
    await settle(pilot)
    await pilot.press("down", "down", "down", "down", "enter")
    await settle(pilot)


STEPS: dict[str, Step] = {
    "rerun-menu-applied": _menu,
    "dhcp-hosts": _dhcp_hosts,
    "dhcp-form-bad": _dhcp_form_bad,
    "dhcp-form-ok": _dhcp_form_ok,
    "attach-vm": _attach_vm,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(STEPS))
def test_rerun_screen(
    name: str, size: tuple[int, int], tmp_path: Path, snap_compare: SnapCompare
) -> None:
    _sandbox_with_a_lease(tmp_path)
    app = demo_app(tmp_path)

    async def run_before(pilot: WizardPilot) -> None:
        await STEPS[name](pilot)
        _still(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("name", ["dhcp-form-bad"])
def test_rerun_screen_on_16_colours(name: str, tmp_path: Path, snap_compare: SnapCompare) -> None:
    _sandbox_with_a_lease(tmp_path)
    app = demo_app(tmp_path, ansi=True)

    async def run_before(pilot: WizardPilot) -> None:
        await STEPS[name](pilot)
        _still(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
