"""On a host the wizard already set up, the first screen: what to do this time.

The re-runs issue builds the real menu; for now only "Add a network" is offered,
and it continues with the normal flow.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from virtnet_tui.screens.base import WizardScreen

ACTIONS = (
    ("add", "Add a network", True),
    ("dhcp", "DHCP hosts (add, change, delete a fixed lease)", False),
    ("status", "Status of what the wizard set up", False),
    ("rollback", "Roll back a run", False),
)


class RerunMenuScreen(WizardScreen):
    """Replaces Welcome when an earlier run left networks behind."""

    STEP = 1
    NEXT_LABEL = "Continue"

    def __init__(self, managed: tuple[str, ...]) -> None:
        super().__init__()
        self.managed = managed

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("the wizard has been here before")
        with VerticalScroll(id="body"):
            yield Static(
                "Networks the wizard set up on this host: " + ", ".join(self.managed),
                markup=False,
            )
            yield OptionList(
                *(
                    Option(label + ("" if enabled else " (not yet)"), id=key, disabled=not enabled)
                    for key, label, enabled in ACTIONS
                ),
                id="actions",
            )

    def on_mount(self) -> None:
        actions = self.query_one("#actions", OptionList)
        actions.highlighted = 0
        actions.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_next()

    def action_back(self) -> None:
        """The menu takes Welcome's place: there is no step before it."""

    def go_next(self) -> None:
        actions = self.query_one("#actions", OptionList)
        index = actions.highlighted
        if index is not None and actions.get_option_at_index(index).id == "add":
            self.wizard.show_situation()
