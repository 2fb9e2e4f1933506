"""The whole flow for each handbook scenario: the plan at the preview is the core's plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import EXAMPLES
from support.tui_driver import NamedSandbox, drive_to_preview, run

from virtnet_tui.core.answers import load_answers, parse_answers
from virtnet_tui.core.model import Situation
from virtnet_tui.core.planning import prepare
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.preview import PreviewScreen

SCENARIOS = [
    "bridged",
    "routed",
    "nat",
    "custom-routed",
    "custom-nat",
    "multi-example1",
    "multi-example2",
    "multi-example3",
]


@pytest.mark.parametrize("name", SCENARIOS)
def test_flow_reaches_the_plan_of_the_core(name: str, tmp_path: Path) -> None:
    example = load_answers(EXAMPLES / f"{name}.toml")
    expected = prepare(example)
    # The operator answers every question: the app starts from the model's defaults.
    app = WizardApp(NamedSandbox(tmp_path), facts=example.host, situation=Situation(), ansi=False)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await drive_to_preview(pilot, example, expected.answers)
            assert isinstance(app.screen, PreviewScreen), type(app.screen).__name__

    run(scenario())
    prepared = app.prepared
    assert prepared is not None
    assert prepared.answers.situation == example.situation
    assert prepared.answers.host == example.host
    assert prepared.plan == expected.plan
    assert prepared.plan.to_json() == expected.plan.to_json()
    # The exported answers file gives the same plan back (the host written out in full).
    from virtnet_tui.core.answers import answers_to_toml

    again = prepare(parse_answers(answers_to_toml(prepared.answers, all_host_keys=True)))
    assert again.plan == expected.plan
