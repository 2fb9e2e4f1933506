"""Re-run: a form for one change (a lease, a forward), planned as typed and saved as its own run.

The form only collects and shows: the subclass turns the fields into a plan with the
same checks as the command line (``plan_change``), and the run is applied by
``rerun.run_change``, so ``rollback`` undoes it like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.wizard.labels import error_lines, screen_words

if TYPE_CHECKING:
    from collections.abc import Callable

    from virtnet_tui.core.changes.common import PlannedChange
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.executor.apply import Outcome
    from virtnet_tui.hosts.base import Host

    #: A ``managed.rerun.prepare_*`` function: the change planned from the host and state.
    Prepare = Callable[[Host, State, Any], PlannedChange]

View = TypeVar("View")
"""What the list read of the network, to check the change against as it is typed."""
Entry = TypeVar("Entry")

#: Actions that take an entry away: their button says so, not "Save".
REMOVING = ("delete", "remove")


@dataclass(frozen=True)
class FormField:
    """One input of a change form."""

    option: str
    """The command-line option a refusal names (``--mac``): its errors show on this field."""
    key: str
    """The input's id is ``field-<key>``."""
    label: str


class ChangeFormScreen(WizardScreen, Generic[View, Entry]):
    """Fields checked on every key; Save applies the change, then Done goes back to the list.

    ``current`` is the entry changed or deleted (None for an add). Subclasses give
    ``FIELDS``, ``HELP``, the fields' first values (``initial``), which ones are fixed
    (``fixed``) and how the typed fields become a plan (``plan_change``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next", "Save"),
        Binding("ctrl+s", "next", "Save", show=False),
    ]

    DEFAULT_CSS = """
    .form-row { height: 1; }
    #form-errors { color: $error; text-style: bold; }
    """

    FIELDS: ClassVar[tuple[FormField, ...]] = ()
    HELP = ""
    """What the fields mean, above them."""
    LABEL_WIDTH = 7
    FOCUS = ""
    """The key of the field focused first, when not the first one that can be typed in."""

    def __init__(self, action: str, network: str, view: View, current: Entry | None) -> None:
        super().__init__()
        self.action = action
        self.network = network
        self.view = view
        self.current = current
        self.planned: PlannedChange | None = None
        self.outcome: Outcome | None = None
        self.NEXT_LABEL = action.capitalize() if action in REMOVING else "Save"

    # --- what the subclass says ---------------------------------------------------------

    def what(self) -> str:
        """The title's end: ``add a fixed lease on nat1``."""
        raise NotImplementedError

    def initial(self) -> dict[str, str]:
        """Each field's value when the form opens, by key."""
        return {}

    def fixed(self, key: str) -> bool:
        """The field shows a value that this action does not change."""
        return False

    def plan_change(self) -> PlannedChange:
        """The change the fields describe, planned.

        Raises:
            AnswersError: why it cannot be made, by command-line option.
        """
        raise NotImplementedError

    def prepared_request(self) -> tuple[Prepare, Any]:
        """How to plan this change again from the host once the run lock is held (the
        ``managed.rerun.prepare_*`` function and its request), as the CLI does."""
        raise NotImplementedError

    # --- the form -----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield self.title_bar(self.what())
        values = self.initial()
        with VerticalScroll(id="body"):
            yield Static(self.HELP, markup=False)
            for field in self.FIELDS:
                label = Label(f"{field.label}:", classes="form-label")
                label.styles.width = self.LABEL_WIDTH
                with Horizontal(classes="form-row"):
                    yield label
                    yield Input(
                        values.get(field.key, ""),
                        id=f"field-{field.key}",
                        compact=True,
                        disabled=self.fixed(field.key),
                    )
            yield Static("", id="form-errors", markup=False)
            yield Label("What will be done:", classes="section")
            yield Static("", id="form-plan", markup=False)

    def on_mount(self) -> None:
        open_fields = [f for f in self.query(Input).results(Input) if not f.disabled]
        preferred = [f for f in open_fields if f.id == f"field-{self.FOCUS}"]
        if preferred or open_fields:
            (preferred or open_fields)[0].focus()
        else:
            self.call_after_refresh(self._focus_next)
        self.recheck()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    def option_labels(self) -> dict[str, str]:
        """The fields' labels by the option a refusal names (``--mac`` -> "MAC")."""
        return {field.option: field.label for field in self.FIELDS}

    def value(self, key: str) -> str:
        return self.query_one(f"#field-{key}", Input).value.strip()

    def recheck(self) -> None:
        """Plan the change as typed; say what is wrong, by field, or what will be done."""
        from virtnet_tui.core.errors import AnswersError

        errors = self.query_one("#form-errors", Static)
        plan = self.query_one("#form-plan", Static)
        try:
            self.planned = self.plan_change()
        except AnswersError as exc:
            self.planned = None
            errors.update("\n".join(error_lines(exc.errors, options=self.option_labels())))
            plan.update("(nothing until the fields are valid)")
        else:
            errors.update("")
            planned = self.planned
            steps = [f"  {n}. {step.describe()}" for n, _, step in planned.plan.steps()]
            notes = [f"  ({note})" for note in planned.plan.notes]
            warnings = [f"! {warning}" for warning in planned.plan.warnings]
            plan.update("\n".join([planned.summary, *steps, *notes, *warnings]))
        self.set_next_enabled(self.planned is not None and not self.busy)

    def go_next(self) -> None:
        if self.outcome is not None:
            self.wizard.go_back()
            return
        if self.planned is None or self.busy:
            return
        self.busy = True
        self.set_next_enabled(False)
        for field in self.query(Input).results(Input):
            field.disabled = True
        self.query_one("#form-plan", Static).update(f"{self.planned.summary}\nApplying…")
        self._save(self.planned)

    @work(thread=True, exclusive=True, group="form-save")
    def _save(self, shown: PlannedChange) -> None:
        from virtnet_tui.core.errors import AnswersError
        from virtnet_tui.executor.apply import Refused
        from virtnet_tui.managed.rerun import run_request

        # Planned again under the lock: a change another run made since the form was
        # filled (a CLI dhcp-host add, say) is seen, never overwritten.
        prepare, request = self.prepared_request()
        try:
            planned, outcome = run_request(self.wizard.host, prepare, request)
        except AnswersError as exc:
            why = "; ".join(error_lines(exc.errors, options=self.option_labels()))
            self.app.call_from_thread(self._saved, None, None, why)
            return
        except Refused as exc:
            why = screen_words(str(exc), options=self.option_labels())
            self.app.call_from_thread(self._saved, None, None, why)
            return
        self.app.call_from_thread(self._saved, planned, outcome, "")

    def _saved(self, planned: PlannedChange | None, outcome: Outcome | None, refused: str) -> None:
        self.busy = False
        if not self.is_mounted:
            return
        text = self.query_one("#form-plan", Static)
        if planned is None or outcome is None:
            text.update(f"Refused; nothing was changed: {refused}")
            self.set_next_enabled(False)
            return
        self.outcome = outcome
        if outcome.status == "applied":
            lines = [f"{planned.summary}: done.", *planned.after]
            lines.append(f"Run {outcome.run_id}; Roll back a run (in the menu) undoes it.")
        else:
            from virtnet_tui.executor.outcome_summary import summarize_outcome

            lines = [summarize_outcome(outcome).text]
            lines.append(f"Run {outcome.run_id}; `virtnet-wizard status` shows what is left.")
        text.update("\n".join(lines))
        for button in self.query("#next").results(Button):
            button.label = "Done"
        self.set_next_enabled(True)
        self.call_after_refresh(self._focus_next)
