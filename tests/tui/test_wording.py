"""The wizard's messages use the screens' own words, not the answers file's (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

from support.rerun_host import NETWORK, applied_sandbox
from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    choose,
    demo_app,
    field_row,
    focus,
    press_next,
    run,
    screen_text,
    settle,
    type_into,
)
from textual.widgets import Static

from virtnet_tui.core.model import NETWORK_TYPES
from virtnet_tui.tui.screens.dhcp_hosts import DhcpHostForm, DhcpHostsScreen
from virtnet_tui.tui.screens.parameters import ParametersScreen

#: A path in the answers file, its table, or a command-line option.
INTERNAL = re.compile(r"network\[|\bhost\.|\bsituation\.|\[\[|(?<![\w-])--[a-z]")


def test_parameters_name_fields_by_their_labels(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await press_next(pilot)
            # libvirt's NAT although the firewall is kept by hand: a warning on the type,
            # which has no field here; and a routed network that needs the provider's block.
            await choose(pilot, "type-0", "nat", NETWORK_TYPES)
            await focus(pilot, "add")
            await pilot.press("enter")
            await pilot.pause()
            await choose(pilot, "type-1", "custom-routed", NETWORK_TYPES)
            await press_next(pilot)
            assert isinstance(app.screen, ParametersScreen)
            needs_block = field_row(app, "network[1].ipv4").message
            assert "provider routes" in needs_block
            assert "type it in here" in needs_block
            others = str(app.screen.query_one("#other-problems", Static).content)
            assert "type of network 1:" in others, others
            assert "“Who manages the host's firewall?”" in others, others
            # The second network takes the first one's name.
            await type_into(pilot, "n1-name", app.form.networks[0].texts["name"])
            assert "is also used by network 1" in field_row(app, "network[1].name").message
            text = screen_text(app)
            assert not INTERNAL.search(text), text

    run(scenario())


def test_situation_names_the_field_a_reason_points_to(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await type_into(pilot, "host-gateway4", "10.9.9.9")
            message = field_row(app, "host.gateway4").message
            assert "outside the uplink's subnet" in message
            assert "(“Uplink IPv4 address”)" in message
            assert not INTERNAL.search(message), message

    run(scenario())


def test_a_lease_form_names_its_fields_not_the_options(tmp_path: Path) -> None:
    applied_sandbox(tmp_path)
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            await app.push_screen(DhcpHostsScreen((NETWORK, "gone")))
            await settle(pilot)
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, DhcpHostForm)
            await type_into(pilot, "field-mac", "52:54:00:aa:bb:01")
            await type_into(pilot, "field-duid", "00:01:00:01:2c:5a:1f:3e:52:54:00:aa:bb:01")
            errors = str(app.screen.query_one("#form-errors", Static).content)
            assert "give MAC" in errors and "or DUID" in errors, errors
            assert not INTERNAL.search(errors), errors
            # A network the state lacks: the list says so without naming --network.
            await pilot.press("escape")
            await settle(pilot)
            await focus(pilot, "networks")
            await pilot.press("down")
            await settle(pilot)
            problem = str(app.screen.query_one("#entries-problem", Static).content)
            assert problem.startswith("Network: "), problem
            assert not INTERNAL.search(problem), problem

    run(scenario())
