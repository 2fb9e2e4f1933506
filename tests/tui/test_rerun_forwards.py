"""Port forwards from the re-run menu, on a sandbox with an applied custom NAT network."""

from __future__ import annotations

from pathlib import Path

from support.paths import EXAMPLES
from support.rerun_host import applied_sandbox
from support.rerun_util import FORWARD_80, answers_text, custom_nat
from support.tui_driver import WizardPilot, demo_app, run, screen_text, settle, type_into
from textual.widgets import Button

from virtnet_tui.executor.journal import runs_status
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.dhcp_hosts import DhcpHostForm
from virtnet_tui.tui.screens.forwards import ForwardForm, ForwardsScreen
from virtnet_tui.tui.screens.rerun_menu import ACTIONS, RerunMenuScreen

EXAMPLE = EXAMPLES / "custom-nat.toml"
RULES = "etc/virtnet-wizard/firewall/virbr10.v4"
DNAT = "--dport 8080 -j DNAT --to-destination 192.168.100.77:80"
SIZE = (100, 36)


def _next_enabled(app: WizardApp) -> bool:
    return not app.screen.query_one("#next", Button).disabled


async def _open_forwards(pilot: WizardPilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, RerunMenuScreen)
    index = [key for key, _, _ in ACTIONS].index("forwards")
    await pilot.press("home", *["down"] * index, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ForwardsScreen)


def test_add_refuse_bad_port_and_remove_each_as_a_run(tmp_path: Path) -> None:
    first = applied_sandbox(tmp_path, EXAMPLE.read_text())
    app = demo_app(tmp_path)
    rules = tmp_path / RULES
    assert DNAT not in rules.read_text()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _open_forwards(pilot)
            # The example forwards tcp 80, 443 and 7722.
            assert "virbr10: 3 forwarded ports" in screen_text(app)
            assert "Re-run · Port forwards — virbr10" in screen_text(app)
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, ForwardForm)
            assert "Re-run · Port forwards — add a port forward on virbr10" in screen_text(app)
            await type_into(pilot, "field-to", "192.168.100.77")
            await type_into(pilot, "field-to-port", "80")
            for bad in ("0", "70000"):
                await type_into(pilot, "field-port", bad)
                await pilot.pause()
                assert "Port: must be a port from 1 to 65535" in screen_text(app)
                assert not _next_enabled(app)
            await type_into(pilot, "field-port", "8080")
            await pilot.pause()
            assert "Port: must be" not in screen_text(app)
            assert _next_enabled(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "done." in screen_text(app), screen_text(app)
            assert DNAT in rules.read_text()
            runs = [r.id for r in runs_status(app.host)]
            assert len(runs) == 2 and first in runs
            await pilot.press("ctrl+n")  # Done: back to the list, read again
            await settle(pilot)
            assert isinstance(app.screen, ForwardsScreen)
            assert "virbr10: 4 forwarded ports" in screen_text(app)
            assert "8080" in screen_text(app)
            # Highlight the new forward (the last row) and remove it.
            await pilot.press("end")
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ForwardForm)
            assert app.screen.action == "remove"
            assert _next_enabled(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "done." in screen_text(app), screen_text(app)
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert "virbr10: 3 forwarded ports" in screen_text(app)

    run(scenario())
    assert DNAT not in rules.read_text()
    # The example's own forwards are untouched.
    assert "--dport 7722 -j DNAT --to-destination 192.168.100.77:22" in rules.read_text()
    assert len(runs_status(app.host)) == 3


def test_moving_a_lease_warns_that_its_forwards_stay_on_the_old_address(tmp_path: Path) -> None:
    applied_sandbox(tmp_path, answers_text(custom_nat(FORWARD_80)))
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            index = [key for key, _, _ in ACTIONS].index("dhcp")
            await pilot.press("home", *["down"] * index, "enter")
            await settle(pilot)
            await pilot.press("m")  # change the highlighted (only) lease
            await pilot.pause()
            assert isinstance(app.screen, DhcpHostForm)
            await type_into(pilot, "field-ip", "192.168.110.78")
            await pilot.pause()
            shown = " ".join(screen_text(app).split())
            assert "! port forwards of virbr10 (tcp 80, tcp 443) still go to 192.168.110.77" in (
                shown
            ), screen_text(app)
            assert _next_enabled(app), "a warning, not a refusal"

    run(scenario())
