"""On a host the wizard already set up, the first screen: what to do this time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from virtnet_tui.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from virtnet_tui.core.changes.managed import State

ACTIONS = (
    ("add", "Add a network", True),
    ("dhcp", "DHCP hosts (add, change, delete a fixed lease)", True),
    ("status", "Status of what the wizard set up", True),
    ("rollback", "Roll back a run", True),
    ("attach", "Attach a VM to a network", True),
    ("forwards", "Port forwards (add, remove on a custom NAT network)", True),
)


class RerunMenuScreen(WizardScreen):
    """Replaces Welcome when an earlier run left networks behind."""

    HEADING = "Re-run · Menu"
    NEXT_LABEL = "Continue"

    def __init__(self, managed: tuple[str, ...]) -> None:
        super().__init__()
        self.managed = managed
        self._left = False
        """Another screen has been over the menu (its names may be out of date)."""

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("the wizard has been here before")
        with VerticalScroll(id="body"):
            yield Static(self._managed_text(), id="managed", markup=False)
            yield OptionList(
                *(Option(label, id=key, disabled=not enabled) for key, label, enabled in ACTIONS),
                id="actions",
            )
            yield Static(
                "Each change is its own run, journaled like the first one: "
                "Roll back a run undoes it.",
                markup=False,
            )

    def _managed_text(self) -> str:
        names = ", ".join(self.managed) or "none any more (rolled back)"
        return f"Networks the wizard set up on this host: {names}"

    def on_screen_suspend(self) -> None:
        self._left = True

    def on_screen_resume(self) -> None:
        """Back from a re-run screen: a rollback may have removed a network."""
        if self._left:
            self._reread()

    @work(thread=True, exclusive=True, group="menu-managed")
    def _reread(self) -> None:
        from virtnet_tui.managed.state import load_state

        try:
            state = load_state(self.wizard.host)
        except Exception:  # a damaged state: keep what the menu showed
            return
        self.app.call_from_thread(self._show_managed, state)

    def _show_managed(self, state: State) -> None:
        # A network rolled back is free again for "Add a network"; one added is taken.
        self.wizard.form.managed = state
        if state.names != self.managed and self.is_mounted:
            self.managed = state.names
            self.query_one("#managed", Static).update(self._managed_text())

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
        if index is None:
            return
        choice = actions.get_option_at_index(index).id
        if choice == "add":
            self.wizard.show_situation()
        elif choice == "dhcp":
            from virtnet_tui.tui.screens.dhcp_hosts import DhcpHostsScreen

            self.app.push_screen(DhcpHostsScreen(self.managed))
        elif choice == "status":
            from virtnet_tui.tui.screens.status import StatusScreen

            self.app.push_screen(StatusScreen())
        elif choice == "rollback":
            from virtnet_tui.tui.screens.rollback_run import RollbackRunScreen

            self.app.push_screen(RollbackRunScreen())
        elif choice == "attach":
            from virtnet_tui.tui.screens.attach_vm import AttachVmScreen

            self.app.push_screen(AttachVmScreen(self.managed))
        elif choice == "forwards":
            from virtnet_tui.tui.screens.forwards import ForwardsScreen

            self.app.push_screen(ForwardsScreen(self.managed))
