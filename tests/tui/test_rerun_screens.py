"""The re-run menu at the keyboard: DHCP leases, status and rollback on an applied sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from support.rerun_host import NETWORK, applied_sandbox, live_leases
from support.rerun_util import answers_text, custom_nat
from support.tui_driver import (
    WizardPilot,
    demo_app,
    focus,
    run,
    screen_text,
    settle,
    type_into,
)
from textual.widgets import Button

from virtnet_tui.core.changes.dhcp import hostsfile_path
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.executor.journal import runs_status
from virtnet_tui.hosts.sandbox import SANDBOX_COMMAND_LOG
from virtnet_tui.managed.state import load_state
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.attach_vm import AttachVmScreen
from virtnet_tui.tui.screens.dhcp_hosts import DhcpHostForm, DhcpHostsScreen
from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen
from virtnet_tui.tui.screens.rollback_run import RollbackRunScreen
from virtnet_tui.tui.screens.status import StatusScreen

MAC = "52:54:00:aa:bb:01"
SIZE = (100, 32)


def _app(root: Path) -> WizardApp:
    applied_sandbox(root)
    return demo_app(root)


async def _menu(pilot: WizardPilot, choice: str) -> None:
    """From the menu, take the entry labelled ``choice`` with the arrow keys and Enter."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, RerunMenuScreen)
    labels = ["Add", "DHCP", "Status", "Roll back", "Attach"]
    await pilot.press("home", *["down"] * labels.index(choice), "enter")
    await settle(pilot)


def _next_enabled(app: WizardApp) -> bool:
    return not app.screen.query_one("#next", Button).disabled


async def _add_lease(pilot: WizardPilot, mac: str, ip: str) -> None:
    """On the leases list: a, the fields, Save; then Done back to the list."""
    app = pilot.app
    assert isinstance(app, WizardApp)
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DhcpHostForm)
    await type_into(pilot, "field-mac", mac)
    await type_into(pilot, "field-ip", ip)
    assert _next_enabled(app)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert "done." in screen_text(app), screen_text(app)
    await pilot.press("ctrl+n")  # Done
    await settle(pilot)


def test_menu_offers_the_managed_network_and_escape_comes_back(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _menu(pilot, "DHCP")
            assert isinstance(app.screen, DhcpHostsScreen)
            assert f"{NETWORK}: 0 fixed leases" in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, RerunMenuScreen)
            assert NETWORK in screen_text(app)

    run(scenario())


def test_the_list_is_titled_with_the_network_picked(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await app.push_screen(DhcpHostsScreen((NETWORK, "gone")))
            await settle(pilot)
            assert f"Re-run · DHCP hosts — {NETWORK}" in screen_text(app)
            assert _next_enabled(app)
            await focus(pilot, "networks")
            await pilot.press("down")
            await settle(pilot)
            text = screen_text(app)
            assert "Re-run · DHCP hosts — gone" in text, text
            assert f"{NETWORK}: 0 fixed leases" not in text  # read again, for the other one
            assert not _next_enabled(app)  # a network the state lacks: nothing to add to

    run(scenario())


def test_a_bad_field_is_named_as_typed_and_save_stays_disabled(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _menu(pilot, "DHCP")
            await pilot.press("a")
            await pilot.pause()
            assert not _next_enabled(app)  # empty: nothing to save
            await type_into(pilot, "field-mac", MAC)
            await type_into(pilot, "field-ip", "10.9.9.9")
            text = screen_text(app)
            assert "IP: is outside nat1's subnet 192.168.100.0/24" in text, text
            assert not _next_enabled(app)
            await pilot.press("ctrl+s")  # refused while invalid: nothing happens
            await settle(pilot)
            assert len(runs_status(app.host)) == 1
            await type_into(pilot, "field-mac", "52:54:00:aa:bb")
            assert "MAC:" in screen_text(app)
            assert not _next_enabled(app)
            # A DUID asks for an IPv6 lease, which nat1 (IPv4 only) cannot give.
            await type_into(pilot, "field-mac", "")
            await type_into(pilot, "field-ip", "2001:db8::50")
            await type_into(pilot, "field-duid", "00:01:00:01:2c:5a:1f:3e:52:54:00:aa:bb:01")
            assert "DUID: network nat1 has no IPv6 subnet" in screen_text(app), screen_text(app)
            assert not _next_enabled(app)
            await type_into(pilot, "field-duid", "")
            await type_into(pilot, "field-mac", MAC)
            await type_into(pilot, "field-ip", "192.168.100.50")
            assert _next_enabled(app)
            assert "virsh net-update" in screen_text(app) or "net-update" in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DhcpHostsScreen)
        assert live_leases(tmp_path) == ()  # escape saved nothing

    run(scenario())


def test_add_change_delete_each_run_live_and_journaled(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _menu(pilot, "DHCP")
            await _add_lease(pilot, MAC, "192.168.100.50")
            assert live_leases(tmp_path) == (DhcpHost(ip="192.168.100.50", mac=MAC),)
            assert isinstance(app.screen, DhcpHostsScreen)
            assert "1 fixed lease" in screen_text(app)
            assert f"{MAC}" in screen_text(app)

            # The same IP for another MAC: refused as typed, naming the MAC holding it.
            await pilot.press("a")
            await pilot.pause()
            await type_into(pilot, "field-mac", "52:54:00:aa:bb:02")
            await type_into(pilot, "field-ip", "192.168.100.50")
            assert f"is already reserved on nat1 for {MAC}" in screen_text(app)
            assert not _next_enabled(app)
            await pilot.press("escape")
            await settle(pilot)

            # m changes the highlighted lease: its MAC is fixed, the IP is typed.
            await pilot.press("m")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, DhcpHostForm)
            assert form.query_one("#field-mac").disabled
            await type_into(pilot, "field-ip", "192.168.100.60")
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert live_leases(tmp_path) == (DhcpHost(ip="192.168.100.60", mac=MAC),)

            await pilot.press("d")
            await pilot.pause()
            assert _next_enabled(app)  # a delete needs nothing typed
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert live_leases(tmp_path) == ()
            assert "0 fixed leases" in screen_text(app)

        infos = runs_status(app.host)
        assert [i.state for i in infos] == ["applied"] * 4  # the first run and three changes
        assert load_state(app.host).network(NETWORK) is not None

    run(scenario())


def test_status_shows_the_network_its_leases_and_the_runs(tmp_path: Path) -> None:
    app = _app(tmp_path)
    first = runs_status(app.host)[0].id

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await _menu(pilot, "DHCP")
            await _add_lease(pilot, MAC, "192.168.100.50")
            await pilot.press("escape")
            await pilot.pause()
            await _menu(pilot, "Status")
            assert isinstance(app.screen, StatusScreen)
            text = screen_text(app)
            assert "nat1: nat, bridge virbr1, 192.168.100.1/24" in text, text
            assert f"{MAC} -> 192.168.100.50" in text
            assert first in text
            assert "Runs (oldest first):" in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, RerunMenuScreen)

    run(scenario())


def test_rollback_refuses_a_run_a_later_one_depends_on_then_undoes_in_order(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path)
    first = runs_status(app.host)[0].id

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await _menu(pilot, "DHCP")
            await _add_lease(pilot, MAC, "192.168.100.50")
            await pilot.press("escape")
            await pilot.pause()
            await _menu(pilot, "Roll back")
            assert isinstance(app.screen, RollbackRunScreen)
            change = runs_status(app.host)[1].id
            # Newest first: the DHCP change is highlighted and can be rolled back.
            assert _next_enabled(app)
            await pilot.press("down")
            await pilot.pause()
            text = screen_text(app)
            assert f"Cannot roll back now: run {change} came later" in text, text
            assert not _next_enabled(app)
            await pilot.press("enter")  # refused in the screen: nothing runs
            await settle(pilot)
            assert runs_status(app.host)[0].has_changes
            await pilot.press("up", "enter", "y")  # Enter asks first; y rolls it back
            await settle(pilot)
            assert f"Run {change} is rolled back" in screen_text(app)
            assert live_leases(tmp_path) == ()
            # Now the first run stands alone and may go too.
            assert first in screen_text(app)
            assert _next_enabled(app)
            await pilot.press("enter", "y")
            await settle(pilot)
            assert f"Run {first} is rolled back" in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, RerunMenuScreen)
            assert "set up on this host: none any more" in screen_text(app)

    run(scenario())


def test_custom_network_lease_goes_to_its_hostsfile_with_a_sighup(tmp_path: Path) -> None:
    applied_sandbox(tmp_path, answers_text(custom_nat(), systemd=False, firewall="manual"))
    app = demo_app(tmp_path)
    log = tmp_path / SANDBOX_COMMAND_LOG
    before = len(log.read_text().splitlines())

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _menu(pilot, "DHCP")
            assert "virbr10: 0 fixed leases" in screen_text(app)
            await _add_lease(pilot, MAC, "192.168.110.40")
            assert "1 fixed lease" in screen_text(app)

    run(scenario())
    hostsfile = app.host.read_text(hostsfile_path("virbr10"))
    assert hostsfile is not None and MAC in hostsfile and "192.168.110.40" in hostsfile
    meta = app.host.stat(hostsfile_path("virbr10"))
    assert meta is not None and meta.mode == 0o644  # dnsmasq reads it after dropping root
    recorded = [json.loads(line) for line in log.read_text().splitlines()[before:]]
    # Only this bridge's dnsmasq is told to reread; nothing restarts.
    assert ["pkill", "-HUP", "-F", "/var/run/dnsmasq/virbr10.pid"] in recorded
    assert not any("restart" in argv or "net-destroy" in argv for argv in recorded)


def test_attach_moves_a_vm_interface_keeping_its_mac(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await _menu(pilot, "Attach")
            assert isinstance(app.screen, AttachVmScreen)
            text = screen_text(app)
            # The demo host's VMs, each interface on libvirt's default network.
            assert "db1 (shut off): 52:54:00:6f:78:f3 on network default" in text, text
            assert "Move interface 52:54:00:6f:78:f3 of db1 from" in text
            assert "shut off: it uses the interface when it next starts" in text
            assert _next_enabled(app)
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert ": done (run " in screen_text(app)
            # Now on nat1: the same choice is refused, naming why, and Attach is disabled.
            assert "is already on it" in screen_text(app)
            assert not _next_enabled(app)

    run(scenario())
    conn = app.host.connect_libvirt()
    try:
        xml = conn.lookupByName("db1").XMLDesc(0)
    finally:
        conn.close()
    assert "52:54:00:6f:78:f3" in xml and "network='nat1'" in xml
    assert [i.state for i in runs_status(app.host)] == ["applied", "applied"]
