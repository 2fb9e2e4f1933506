"""The DHCPv4 range the wizard chose follows a changed subnet, until the operator edits it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    demo_app,
    field_row,
    press_next,
    run,
    settle,
    type_into,
)
from textual.widgets import Input

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.plain import PlainWizard
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.parameters import ParametersScreen
from virtnet_tui.wizard.form import NetworkForm, situation_texts
from virtnet_tui.wizard.questions import network_fields


def _range(app: WizardApp) -> tuple[str, str]:
    screen = app.screen
    return (
        screen.query_one("#n0-dhcp4_start", Input).value,
        screen.query_one("#n0-dhcp4_end", Input).value,
    )


def test_a_new_subnet_takes_the_range_along_until_the_operator_sets_one(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            for _ in range(3):
                await press_next(pilot)
            screen = app.screen
            assert isinstance(screen, ParametersScreen)
            assert _range(app) == ("192.168.100.2", "192.168.100.254")
            # Typed key by key: half-typed subnets in between do not stop it.
            await type_into(pilot, "n0-ipv4", "10.20.30.1/24", paste=False)
            await pilot.pause()
            assert _range(app) == ("10.20.30.2", "10.20.30.254")
            assert app.form.networks[0].texts["dhcp4_start"] == "10.20.30.2"
            assert field_row(app, "network[0].dhcp4").message == ""
            assert screen.next_enabled
            # The host's address inside the subnet: the longer run beside it.
            await type_into(pilot, "n0-ipv4", "10.20.30.200/24")
            assert _range(app) == ("10.20.30.1", "10.20.30.199")
            # Once the operator sets the range, it is his: a new subnet leaves it.
            await type_into(pilot, "n0-dhcp4_start", "10.20.30.50")
            await type_into(pilot, "n0-ipv4", "10.20.31.1/24")
            assert _range(app) == ("10.20.30.50", "10.20.30.199")
            assert "outside the subnet" in field_row(app, "network[0].dhcp4").message
            assert not screen.next_enabled

    run(scenario())


def test_the_form_moves_the_range_with_the_subnet() -> None:
    spec = NetworkSpec(
        type="nat",
        name="nat1",
        bridge="virbr1",
        ipv4="192.168.100.1/24",
        dhcp4=("192.168.100.2", "192.168.100.254"),
    )
    form = NetworkForm.from_spec(spec)
    assert form.set_text("ipv4", "192.168.1") == (), "half typed: nothing follows"
    assert form.texts["dhcp4_start"] == "192.168.100.2"
    assert form.set_text("ipv4", "172.16.0.1/28") == ("dhcp4_start", "dhcp4_end")
    assert (form.texts["dhcp4_start"], form.texts["dhcp4_end"]) == ("172.16.0.2", "172.16.0.14")
    assert form.set_text("ipv4", "172.16.0.1/28") == (), "the same text is no change"
    form.set_text("dhcp4_end", "172.16.0.9")
    assert form.set_text("ipv4", "172.16.1.1/24") == ()
    assert (form.texts["dhcp4_start"], form.texts["dhcp4_end"]) == ("172.16.0.2", "172.16.0.9")


def test_plain_mode_offers_the_range_of_the_subnet_just_typed(tmp_path: Path) -> None:
    wizard = PlainWizard(SandboxHost(tmp_path), out=io.StringIO())
    form = wizard.form
    form.situation = situation_texts(CUSTOM_NAT_DEMO)
    form.recommend()
    form.draft()
    network = form.networks[0]
    offered: dict[str, str] = {}

    def answer(message: str, default: str, check: Callable[[str], str | None]) -> str:
        """The operator types a new subnet and takes every other default."""
        offered[message] = default
        value = "10.20.30.1/24" if message == "IPv4 subnet" else default
        assert check(value) is None, message
        return value

    wizard._text = answer  # type: ignore[method-assign]
    for field in network_fields(network.type):
        if field.key in ("ipv4", "dhcp4"):
            wizard._ask_field(0, network, field)
    assert offered["DHCPv4 range: first address"] == "10.20.30.2"
    assert offered["DHCPv4 range: last address"] == "10.20.30.254"
