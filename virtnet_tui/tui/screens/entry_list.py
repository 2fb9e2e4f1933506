"""Re-run: one managed network's entries (leases, forwards) in a list, with keys to change them.

The list only shows and opens forms: the subclass reads the network (``load``, off
the UI thread), lists its entries (``entries``, ``describe``) and makes the form for
a change (``form_for``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.tui.widgets.step_title import StepTitle
from virtnet_tui.wizard.labels import error_lines

View = TypeVar("View")
"""What ``load`` read of one network: enough to list it and to check a change."""
Entry = TypeVar("Entry")


class NotListed(Exception):
    """The network has no entries of this kind (a bridged network has no leases to fix)."""


class EntryListScreen(WizardScreen, Generic[View, Entry]):
    """Pick a managed network, see its entries, and open the form of an add, change or delete.

    The subclass's BINDINGS call ``open('add')``, ``open('delete')``...: every action but
    ``add`` works on the highlighted entry. The title ends with the network shown.
    """

    NETWORKS_LABEL = "Network (Tab to it, then up/down to pick another):"
    LIST_LABEL = "Entries:"
    READING = "Reading…"
    KEYS_HELP = ""
    """What the keys do; the list adds that each change is a run of its own."""
    COUNTED = "entry"
    """What the count counts: ``nat1: 2 fixed leases``."""
    ENTRY = "entry"
    """One entry, in ``No lease is highlighted.``"""
    ENTER_ACTION = ""
    """The action Enter on an entry opens (none when empty)."""

    def __init__(self, networks: tuple[str, ...]) -> None:
        super().__init__()
        self.networks = networks
        self.network = networks[0] if networks else ""
        self.view: View | None = None
        self.rows: tuple[Entry, ...] = ()

    # --- what the subclass says ---------------------------------------------------------

    def load(self, network: str) -> View:
        """Read ``network`` from the host, on a worker thread (libvirt may be slow).

        Raises:
            AnswersError: the state does not have the network.
            NotListed: the network has no entries of this kind; the reason is shown.
        """
        raise NotImplementedError

    def entries(self, view: View) -> tuple[Entry, ...]:
        raise NotImplementedError

    def describe(self, entry: Entry) -> str:
        """The entry's line in the list."""
        raise NotImplementedError

    def summary_note(self, view: View) -> str:
        """Said after the count (`` (the network is not running)``)."""
        return ""

    def form_for(self, action: str, view: View, current: Entry | None) -> Screen[None]:
        """The form that makes ``action`` on the highlighted entry (None for ``add``)."""
        raise NotImplementedError

    # --- the list -----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield self.title_bar(self.network)
        with VerticalScroll(id="body"):
            yield Label(self.NETWORKS_LABEL, classes="section")
            yield OptionList(*(Option(name, id=name) for name in self.networks), id="networks")
            yield Label(self.LIST_LABEL, classes="section")
            yield Static(self.READING, id="entries-problem", markup=False)
            yield OptionList(id="entries")
            yield Static(
                f"{self.KEYS_HELP} Each change is its own run; "
                "Roll back a run (in the menu) undoes it.",
                id="entries-help",
                markup=False,
            )

    def on_mount(self) -> None:
        networks = self.query_one("#networks", OptionList)
        if self.networks:
            networks.highlighted = self.networks.index(self.network)
        self.query_one("#entries", OptionList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from the form: the entries may have changed."""
        if self.view is not None:
            self.reload()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "networks" and event.option.id != self.network:
            self.network = str(event.option.id)
            self.query_one(StepTitle).show_what(self.network)
            self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "entries" and self.ENTER_ACTION:
            self.action_open(self.ENTER_ACTION)

    def reload(self) -> None:
        self.view = None
        self.set_next_enabled(False)
        self._read(self.network)

    @work(thread=True, exclusive=True, group="entries-read")
    def _read(self, network: str) -> None:
        from virtnet_tui.core.errors import AnswersError

        try:
            view = self.load(network)
        except AnswersError as exc:
            self.app.call_from_thread(self._show, network, None, "\n".join(error_lines(exc.errors)))
            return
        except NotListed as exc:
            self.app.call_from_thread(self._show, network, None, str(exc))
            return
        self.app.call_from_thread(self._show, network, view, "")

    def _show(self, network: str, view: View | None, problem: str) -> None:
        if network != self.network or not self.is_mounted:
            return
        self.view = view
        self.rows = self.entries(view) if view is not None else ()
        listing = self.query_one("#entries", OptionList)
        listing.clear_options()
        text = problem
        if view is not None:
            listing.add_options(
                [Option(self.describe(e), id=str(i)) for i, e in enumerate(self.rows)]
            )
            if self.rows:
                listing.highlighted = 0
            count = len(self.rows)
            plural = "s" if count != 1 else ""
            text = f"{network}: {count} {self.COUNTED}{plural}{self.summary_note(view)}"
        self.query_one("#entries-problem", Static).update(text)
        self.set_next_enabled(view is not None)

    def highlighted(self) -> Entry | None:
        index = self.query_one("#entries", OptionList).highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def action_open(self, action: str) -> None:
        """Open the form of ``action``; all but ``add`` need a highlighted entry."""
        if self.view is None:
            return
        current = None if action == "add" else self.highlighted()
        if action != "add" and current is None:
            self.notify(f"No {self.ENTRY} is highlighted.", severity="warning")
            return
        self.app.push_screen(self.form_for(action, self.view, current))

    def go_next(self) -> None:
        self.action_open("add")
