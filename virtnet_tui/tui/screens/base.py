"""What every step of the wizard shares: header, footer, Back on Escape, Next, the form."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer

from virtnet_tui.tui.widgets.step_title import StepTitle

if TYPE_CHECKING:
    from virtnet_tui.tui.flow import WizardFlow
    from virtnet_tui.wizard.form import WizardForm


class WizardScreen(Screen[None]):
    """A step of the flow; subclasses compose their body in ``compose_body``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
    ]

    AUTO_FOCUS = "Input, Select, OptionList, Tree, Button"
    """What a new screen focuses first: a control, never the scrolling body, whose focus
    would restyle every widget in it twice (once to focus it, once when ``on_mount``
    moves the focus on)."""

    STEP = 1
    """The step of the first-run flow (1 to 6); the title says it, Back shows after 1."""
    HEADING = ""
    """The title of a screen outside the flow (``Re-run · Status``), said instead of the step."""
    NEXT_LABEL = "Next"
    BUSY_NOTICE = "The change is being applied; wait for it to finish."
    """Said when Back is pressed while ``busy``."""

    busy = False
    """A change is being applied: Back and quitting wait, or its run would be left open."""

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # The first resume follows the mount, which styled every widget just now.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    @property
    def wizard(self) -> WizardFlow:
        return cast("WizardFlow", self.app)

    @property
    def form(self) -> WizardForm:
        return self.wizard.form

    DEFER_NAV = False
    """Leave out the Back/Next bar until ``show_nav()``: buttons cost the first frame time."""

    def compose(self) -> ComposeResult:
        yield from self.compose_body()
        if not self.DEFER_NAV:
            yield self._nav()
        yield Footer()

    def title_bar(self, what: str = "") -> StepTitle:
        """The screen's title line, with the host it works on."""
        return StepTitle(self.STEP, what, self.wizard.host.describe(), heading=self.HEADING)

    def _nav(self) -> Horizontal:
        buttons: list[Widget] = []
        if self.STEP > 1:
            buttons.append(Button("Back", id="back", compact=True))
        buttons += self.compose_nav_extra()
        buttons.append(Button(self.NEXT_LABEL, id="next", variant="primary", compact=True))
        return Horizontal(*buttons, id="nav")

    def show_nav(self) -> None:
        """Add the Back/Next bar (once) and focus Next."""
        if not self.query("#nav"):
            self.mount(self._nav(), before=self.query_one(Footer))
        self.call_after_refresh(self._focus_next)

    def _focus_next(self) -> None:
        for button in self.query("#next").results(Button):
            button.focus()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def mount_after_first_frame(
        self, parent: Widget, widgets: Callable[[], Iterable[Widget]], then: Callable[[], None]
    ) -> None:
        """Mount ``widgets()`` at the end of ``parent`` once the screen is drawn, then ``then()``.

        A screen shows sooner with fewer widgets: what lies below its first frame comes
        right after. Keys wait meanwhile, as the mount runs on the app's task, which
        reads them: Tab follows the layout, which the new widgets lack until drawn.
        """

        async def mount() -> None:
            if not self.is_attached:
                return
            await parent.mount_all(widgets())
            then()
            await self.wait_for_refresh()

        self.call_after_refresh(self.app.call_later, mount)

    def compose_nav_extra(self) -> list[Widget]:
        """Buttons between Back and Next."""
        return []

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            event.stop()
            self.action_next()
        elif event.button.id == "back":
            event.stop()
            self.action_back()

    def set_next_enabled(self, enabled: bool) -> None:
        for button in self.query("#next").results(Button):
            button.disabled = not enabled

    @property
    def next_enabled(self) -> bool:
        return any(not button.disabled for button in self.query("#next").results(Button))

    def action_back(self) -> None:
        if self.busy:
            self.notify(self.BUSY_NOTICE, severity="warning")
            return
        self.wizard.go_back()

    def action_next(self) -> None:
        if self.next_enabled:
            self.go_next()

    def go_next(self) -> None:
        """Store what this step needs and move on; subclasses override."""
