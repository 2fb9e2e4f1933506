"""Export asks before replacing a file; a focused dropdown shows on 256 colours (issue 16)."""

from __future__ import annotations

import math
from pathlib import Path

from rich.color import ColorSystem
from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    WizardPilot,
    demo_app,
    press_next,
    run,
    settle,
    type_into,
)
from textual.widget import Widget

from virtnet_tui.tui.dialogs.export_dialog import ExportDialog
from virtnet_tui.tui.dialogs.yes_no import YesNoDialog
from virtnet_tui.tui.screens.preview import PreviewScreen
from virtnet_tui.tui.screens.situation import SituationScreen


def test_export_asks_before_replacing_a_file(tmp_path: Path) -> None:
    app = demo_app(tmp_path / "host", situation=CUSTOM_NAT_DEMO)
    target = tmp_path / "answers.toml"
    target.write_text("# mine\n")

    async def save(pilot: WizardPilot) -> None:
        await type_into(pilot, "path", str(target))
        await pilot.press("enter")
        await pilot.pause()

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await press_next(pilot)
            assert isinstance(app.screen, PreviewScreen)
            await pilot.press("e")
            await pilot.pause()
            await save(pilot)
            question = app.screen
            assert isinstance(question, YesNoDialog), app.screen
            assert str(target) in question.question and "Replace" in question.question
            await pilot.press("n")  # keep it: back to the path, to type another
            await pilot.pause()
            assert isinstance(app.screen, ExportDialog)
            assert target.read_text() == "# mine\n"
            await save(pilot)
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, PreviewScreen)

    run(scenario())
    assert "[situation]" in target.read_text()


def _background_256(widget: Widget) -> tuple[int, int, int]:
    """The background of ``widget``'s text as a 256-colour terminal shows it (RGB)."""
    strips = widget.app.screen._compositor.render_strips()
    region = widget.region
    colours = {
        segment.style.bgcolor.downgrade(ColorSystem.EIGHT_BIT).get_truecolor()
        for y in range(region.y, region.bottom)
        for segment in strips[y].crop(region.x, region.right)
        if segment.text.strip() and segment.style and segment.style.bgcolor
    }
    assert len(colours) == 1, colours
    (colour,) = colours
    return colour.red, colour.green, colour.blue


#: Between two neighbours of the 256-colour palette's grey ramp the distance is about 17:
#: a focus that moves the background by so little is not seen.
VISIBLE = 60


def test_a_focused_dropdown_shows_on_256_colours(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, SituationScreen)
            focused = screen.query_one("#situation-site")
            assert app.focused is focused
            on = _background_256(focused)
            off = _background_256(screen.query_one("#situation-uplink"))
            assert math.dist(on, off) > VISIBLE, (on, off)

    run(scenario())
