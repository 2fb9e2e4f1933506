"""A compact Select whose list of options is built when it is first opened.

Textual's Select mounts its pop-up list (an OptionList) with the screen although most
are never opened; on a screen of several questions that is a good part of the time
the screen takes to show. This one shows the chosen value only, until opened.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay
from textual.widgets.select import NoSelection


class Dropdown(Select[str]):
    """A compact, never blank Select; its option list is mounted on first use."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,down,space,up", "open_list", "Show menu", show=False),
    ]

    def __init__(
        self, options: Iterable[tuple[str, str]], *, value: str, id: str | None = None
    ) -> None:
        super().__init__(options, value=value, allow_blank=False, compact=True, id=id)

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)

    def _overlay(self) -> SelectOverlay | None:
        return next(iter(self.query(SelectOverlay).results(SelectOverlay)), None)

    async def _ensure_overlay(self) -> SelectOverlay:
        """The option list, mounted (and its options added) the first time it is needed."""
        overlay = self._overlay()
        if overlay is None:
            overlay = SelectOverlay(type_to_search=self._type_to_search)
            overlay.compact = self.compact
            await self.mount(overlay)
            super()._setup_options_renderables()
            overlay.highlighted = self._index_of(self.value)
        return overlay

    def _index_of(self, value: object) -> int | None:
        for index, (_, option) in enumerate(self._options):
            if option == value:
                return index
        return None

    def _setup_options_renderables(self) -> None:
        if self._overlay() is not None:
            super()._setup_options_renderables()

    def _watch_value(self, value: str | NoSelection) -> None:
        """Show the chosen option (and highlight it in the list, once there is one)."""
        self._value = value
        currents = list(self.query(SelectCurrent).results(SelectCurrent))
        if not currents:
            return
        index = self._index_of(value)
        if index is not None:
            currents[0].update(self._options[index][0])
            overlay = self._overlay()
            if overlay is not None:
                overlay.highlighted = index
        self.post_message(self.Changed(self, value))

    async def action_open_list(self) -> None:
        await self._ensure_overlay()
        self.action_show_overlay()

    @on(SelectCurrent.Toggle)
    async def _toggle_lazily(self, event: SelectCurrent.Toggle) -> None:
        # Select's own handler would find no list to open: it is skipped.
        event.stop()
        event.prevent_default()
        await self._ensure_overlay()
        self.expanded = not self.expanded
