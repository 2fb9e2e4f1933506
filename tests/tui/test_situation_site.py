"""The bridging question follows the site: a provider's words and "no", a LAN's and "yes"."""

from __future__ import annotations

from pathlib import Path

from support.tui_driver import choose, demo_app, press_next, run, settle
from textual.widgets import Label, Select

from virtnet_tui.tui.screens.situation import SituationScreen
from virtnet_tui.tui.widgets.field_row import FieldRow
from virtnet_tui.wizard.form import WizardForm

SITES = ["dedicated", "homelab"]
YESNO = ["yes", "no"]


def test_the_form_defaults_bridging_by_site_until_the_operator_answers() -> None:
    form = WizardForm()
    assert form.situation["bridging_allowed"] == "no"
    form.answer_situation("site", "homelab")
    assert form.situation["bridging_allowed"] == "yes"
    [question] = [q for q in form.situation_questions() if q.key == "bridging_allowed"]
    assert question.label == "Does your LAN accept the VMs' own MACs?"
    form.answer_situation("bridging_allowed", "no")
    form.answer_situation("site", "dedicated")
    form.answer_situation("site", "homelab")
    assert form.situation["bridging_allowed"] == "no", "the operator's answer stands"


def test_a_home_lab_on_ethernet_serving_the_lan_is_offered_a_bridge_by_default() -> None:
    form = WizardForm()
    for key, value in (("site", "homelab"), ("inbound", "yes"), ("public_ipv4", "0")):
        form.answer_situation(key, value)
    assert [n.type for n in form.recommend().networks] == ["bridged"]


def test_the_situation_screen_rewords_and_defaults_the_question(tmp_path: Path) -> None:
    app = demo_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            screen = app.screen
            assert isinstance(screen, SituationScreen)
            row = screen.query_one("#row-situation-bridging_allowed", FieldRow)
            bridging = screen.query_one("#situation-bridging_allowed", Select)

            def label() -> str:
                return str(row.query_one(".field-label", Label).content)

            assert "provider" in label() and bridging.value == "no"
            await choose(pilot, "situation-site", "homelab", SITES)
            assert label() == "Does your LAN accept the VMs' own MACs?"
            assert bridging.value == "yes"
            assert app.form.situation["bridging_allowed"] == "yes"
            # Once the operator answers, the site no longer moves the answer.
            await choose(pilot, "situation-bridging_allowed", "no", YESNO)
            await choose(pilot, "situation-site", "dedicated", SITES)
            await choose(pilot, "situation-site", "homelab", SITES)
            assert bridging.value == "no" and app.form.situation["bridging_allowed"] == "no"

    run(scenario())
