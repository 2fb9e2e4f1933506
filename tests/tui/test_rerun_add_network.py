"""Adding a network from the re-run menu: the wizard's own networks count as taken."""

from __future__ import annotations

import io
from pathlib import Path

from support.rerun_host import applied_sandbox
from support.rerun_util import answers_text, custom_nat
from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    NamedSandbox,
    WizardPilot,
    demo_app,
    field_row,
    press_next,
    run,
    settle,
    type_into,
)

from virtnet_tui.plain import PlainWizard
from virtnet_tui.tui.screens.parameters import ParametersScreen
from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen
from virtnet_tui.wizard.form import situation_texts


async def _to_parameters(pilot: WizardPilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, RerunMenuScreen)
    await pilot.press("home", "enter")  # Add a network
    await settle(pilot)
    await press_next(pilot)  # Situation
    await press_next(pilot)  # Recommendation
    assert isinstance(pilot.app.screen, ParametersScreen), type(pilot.app.screen).__name__


def test_a_new_network_may_not_take_a_managed_networks_subnet_bridge_or_name(
    tmp_path: Path,
) -> None:
    # A custom network: libvirt does not know it, so only the wizard's state tells.
    applied_sandbox(tmp_path, answers_text(custom_nat()))
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await _to_parameters(pilot)
            # The defaults already keep clear of it...
            network = app.form.networks[0].texts
            assert network["ipv4"] != "192.168.110.1/24"
            assert network["bridge"] != "virbr10"
            assert field_row(app, "network[0].ipv4").message == ""
            # ...and typing it in is refused on the field, as `apply` refuses it.
            await type_into(pilot, "n0-ipv4", "192.168.110.1/24", paste=False)
            assert "192.168.110.0/24" in field_row(app, "network[0].ipv4").message
            assert "already in use" in field_row(app, "network[0].ipv4").message
            await type_into(pilot, "n0-bridge", "virbr10")
            assert "already exists" in field_row(app, "network[0].bridge").message
            await type_into(pilot, "n0-name", "virbr10")
            assert "already exists" in field_row(app, "network[0].name").message
            screen = app.screen
            assert isinstance(screen, ParametersScreen)
            assert not screen.next_enabled

    run(scenario())


def test_plain_mode_keeps_a_new_network_clear_of_the_managed_ones(tmp_path: Path) -> None:
    applied_sandbox(tmp_path, answers_text(custom_nat()))
    wizard = PlainWizard(NamedSandbox(tmp_path), out=io.StringIO())
    wizard.probe()
    form = wizard.form
    form.situation = situation_texts(CUSTOM_NAT_DEMO)
    form.recommend()
    form.draft()
    texts = form.networks[0].texts
    assert (texts["bridge"], texts["name"]) != ("virbr10", "virbr10")
    texts["ipv4"] = "192.168.110.1/24"
    errors, _ = form.problems()
    assert "already in use" in errors["network[0].ipv4"]


def test_a_network_rolled_back_from_the_menu_frees_its_subnet(tmp_path: Path) -> None:
    applied_sandbox(tmp_path, answers_text(custom_nat()))
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await pilot.press("home", "down", "down", "down", "enter")  # Roll back a run
            await settle(pilot)
            await pilot.press("enter", "y")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await _to_parameters(pilot)
            await type_into(pilot, "n0-ipv4", "192.168.110.1/24")
            assert field_row(app, "network[0].ipv4").message == ""

    run(scenario())
