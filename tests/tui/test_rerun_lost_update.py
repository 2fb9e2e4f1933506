"""A lease saved from the wizard is planned again under the run lock: a change made meanwhile
by another command (the CLI's dhcp-host add) is kept, never overwritten."""

from __future__ import annotations

from pathlib import Path

from support.rerun_host import NETWORK, applied_sandbox, live_leases
from support.rerun_util import answers_text, custom_nat
from support.tui_driver import WizardPilot, demo_app, run, screen_text, settle, type_into

from virtnet_tui.cli.main import main
from virtnet_tui.core.changes.dhcp import hostsfile_path
from virtnet_tui.tui.screens.dhcp_hosts import DhcpHostForm
from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen

MINE = ("52:54:00:aa:bb:01", "{}.50")
THEIRS = ("52:54:00:aa:bb:02", "{}.51")


async def _fill_a_lease(pilot: WizardPilot, network_index: int, prefix: str) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, RerunMenuScreen)
    await pilot.press("home", "down", "enter")  # DHCP hosts
    await settle(pilot)
    await pilot.press(*["down"] * network_index)
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DhcpHostForm)
    await type_into(pilot, "field-mac", MINE[0])
    await type_into(pilot, "field-ip", MINE[1].format(prefix))


def _cli_add(root: Path, network: str, prefix: str) -> None:
    mac, ip = THEIRS[0], THEIRS[1].format(prefix)
    argv = ["dhcp-host", "add", "--network", network, "--mac", mac, "--ip", ip, "--root", str(root)]
    assert main(argv) == 0


def test_a_libvirt_lease_added_meanwhile_stays(tmp_path: Path) -> None:
    applied_sandbox(tmp_path)
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await _fill_a_lease(pilot, 0, "192.168.100")
            _cli_add(tmp_path, NETWORK, "192.168.100")  # while the form is open
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "done." in screen_text(app), screen_text(app)

    run(scenario())
    macs = sorted(lease.mac for lease in live_leases(tmp_path))
    assert macs == [MINE[0], THEIRS[0]]


def test_a_custom_network_lease_added_meanwhile_stays(tmp_path: Path) -> None:
    applied_sandbox(tmp_path, answers_text(custom_nat()))
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await _fill_a_lease(pilot, 0, "192.168.110")
            _cli_add(tmp_path, "virbr10", "192.168.110")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "done." in screen_text(app), screen_text(app)

    run(scenario())
    hosts = (tmp_path / hostsfile_path("virbr10").lstrip("/")).read_text()
    assert MINE[0] in hosts and THEIRS[0] in hosts, hosts
