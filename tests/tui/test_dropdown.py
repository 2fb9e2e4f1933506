"""The Dropdown: a Select whose option list is mounted when first opened."""

from __future__ import annotations

from support.tui_driver import run
from textual.app import App, ComposeResult
from textual.widgets import Select
from textual.widgets._select import SelectOverlay

from virtnet_tui.tui.widgets.dropdown import Dropdown

OPTIONS = [("first", "a"), ("second", "b"), ("third", "c")]


class OneDropdown(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[object] = []

    def compose(self) -> ComposeResult:
        yield Dropdown(OPTIONS, value="b", id="pick")

    def on_select_changed(self, event: Select.Changed) -> None:
        self.changes.append(event.value)


def test_the_list_is_mounted_on_first_use_and_picks_with_the_keys() -> None:
    app = OneDropdown()

    async def scenario() -> None:
        async with app.run_test(size=(40, 10)) as pilot:
            pick = app.query_one("#pick", Dropdown)
            assert not pick.query(SelectOverlay), "no option list before it is opened"
            assert "second" in str(app.screen._compositor.render_strips()[0].text)
            pick.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert pick.expanded
            overlay = pick.query_one(SelectOverlay)
            assert overlay.highlighted == 1, "the list opens on the chosen value"
            await pilot.press("down", "enter")
            await pilot.pause()
            assert pick.value == "c"
            assert not pick.expanded
            # The value set by code shows, and the list follows it.
            pick.value = "a"
            await pilot.pause()
            assert overlay.highlighted == 0

    run(scenario())
    assert app.changes[-2:] == ["c", "a"]


def test_a_click_opens_the_list() -> None:
    app = OneDropdown()

    async def scenario() -> None:
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.click("#pick")
            await pilot.pause()
            pick = app.query_one("#pick", Dropdown)
            assert pick.expanded
            assert pick.query(SelectOverlay)

    run(scenario())
