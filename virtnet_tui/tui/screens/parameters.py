"""Step 4: each network's names, subnets and ranges, checked by the core as they are typed."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from virtnet_tui.core.errors import AnswersError
from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.tui.widgets.dropdown import Dropdown
from virtnet_tui.tui.widgets.field_row import FieldRow
from virtnet_tui.wizard.form import NetworkForm
from virtnet_tui.wizard.labels import error_lines, field_label, screen_words, worded
from virtnet_tui.wizard.questions import (
    FORWARD_FIELDS,
    LEASE_FIELDS,
    NetworkField,
    RowField,
    has_forwards,
    has_leases,
    network_fields,
)


@dataclass(frozen=True)
class RowList:
    """A list of rows under a network: its leases or its port forwards."""

    sub: str
    """In the widget ids: ``n0-lease1-mac``, ``n0-lease-add``."""
    path: str
    """In the findings' paths: ``network[0].dhcp_host[1].mac``."""
    heading: str
    name: str
    add: str
    fields: tuple[RowField, ...]
    below: tuple[str, ...] = ()
    """Keys of the fields on a second line: one line of 80 columns cannot show them all."""


LEASES = RowList(
    "lease",
    "dhcp_host",
    "Fixed DHCP leases",
    "Lease",
    "Add a lease",
    LEASE_FIELDS,
    below=("name", "id"),
)
FORWARDS = RowList(
    "fwd", "forward", "Port forwards", "Forward", "Add a port forward", FORWARD_FIELDS
)


def _input(widget_id: str, value: str, placeholder: str = "") -> Input:
    # No Textual validation (the core checks every field): no class to restyle at mount.
    return Input(
        value,
        id=widget_id,
        compact=True,
        placeholder=placeholder,
        select_on_focus=False,
        validate_on=(),
    )


def _select(widget_id: str, value: str, choices: tuple[str, ...]) -> Select[str]:
    return Dropdown([(choice, choice) for choice in choices], value=value, id=widget_id)


class ParametersScreen(WizardScreen):
    """One section per network; Next stays disabled while any field is wrong."""

    STEP = 4

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("names, subnets and ranges")
        with VerticalScroll(id="body"):
            try:
                self.form.draft()
            except AnswersError as exc:
                problems = "; ".join(error_lines(exc.errors, self._site))
                yield Static(f"No safe defaults: {problems}", classes="problems", markup=False)
            for index, network in enumerate(self.form.networks):
                yield from self._network(index, network)
            yield Static("", id="other-problems", markup=False)

    def _network(self, i: int, network: NetworkForm) -> ComposeResult:
        kind = network.type
        choice = self.form.choices[i] if i < len(self.form.choices) else None
        family = f" ({choice.family})" if choice else ""
        with Vertical(classes="network"):
            yield Static(f"Network {i + 1}: {kind}{family}", classes="section", markup=False)
            for field in network_fields(kind):
                yield self._field(i, network, field)
            if has_leases(kind):
                yield from self._rows(i, LEASES, network.dhcp_hosts)
            if has_forwards(kind):
                yield from self._rows(i, FORWARDS, network.forwards)

    def _field(self, i: int, network: NetworkForm, field: NetworkField) -> FieldRow:
        t = network.texts
        widget_id = f"n{i}-{field.key}"
        controls: list[Widget]
        if field.kind == "range":
            controls = [
                _input(f"{widget_id}_start", t[f"{field.key}_start"], "first"),
                Label(" to ", classes="range-to"),
                _input(f"{widget_id}_end", t[f"{field.key}_end"], "last"),
            ]
        elif field.kind == "choice":
            controls = [_select(widget_id, t[field.key], field.choices)]
        else:
            controls = [_input(widget_id, t[field.key])]
        return FieldRow(f"network[{i}].{field.key}", field.label, *controls, help=field.help)

    def _rows(self, i: int, row_list: RowList, rows: list[dict[str, str]]) -> ComposeResult:
        """Network ``i``'s leases or forwards, one a line, and the button that adds one."""
        yield Static(row_list.heading, classes="subsection", markup=False)
        for j, row in enumerate(rows):
            path = f"network[{i}].{row_list.path}[{j}]"
            controls: list[Widget] = []
            below: list[Widget] = []
            for field in row_list.fields:
                control = self._row_control(f"n{i}-{row_list.sub}{j}-{field.key}", row, field)
                # Sized for what it holds (app.tcss): a MAC or an address shows whole.
                control.add_class(f"col-{field.key}")
                (below if field.key in row_list.below else controls).append(control)
            controls.append(Button("Remove", id=f"n{i}-{row_list.sub}{j}-remove", compact=True))
            subpaths = tuple(f"{path}.{field.key}" for field in row_list.fields)
            label = f"{row_list.name} {j + 1}"
            yield FieldRow(
                path, label, *controls, subpaths=subpaths, below=tuple(below), classes="sub-row"
            )
        yield Button(row_list.add, id=f"n{i}-{row_list.sub}-add", compact=True, classes="add-row")

    @staticmethod
    def _row_control(widget_id: str, row: dict[str, str], field: RowField) -> Widget:
        value = row.get(field.key, "")
        if field.choices:
            return _select(widget_id, value or field.choices[0], field.choices)
        return _input(widget_id, value, field.label)

    @property
    def _site(self) -> str:
        """Where the host runs: some questions are worded for it."""
        return self.form.situation.get("site", "dedicated")

    def on_mount(self) -> None:
        self.refresh_findings()
        first = self.query(Input)
        if first:
            first.first().focus()

    # --- keeping the form in step with the widgets --------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._store(event.input.id or "", event.value):
            self.refresh_findings()

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and self._store(event.select.id or "", event.value):
            self.refresh_findings()

    def _store(self, widget_id: str, value: str) -> bool:
        """Write one widget's value into the form; False when the id is not a field's."""
        head, _, rest = widget_id.partition("-")
        if not head.startswith("n") or not head[1:].isdigit():
            return False
        index = int(head[1:])
        if index >= len(self.form.networks):
            return False
        network = self.form.networks[index]
        sub, _, key = rest.partition("-")
        if not key:
            for followed in network.set_text(sub, value):
                self._show_followed(f"{head}-{followed}", network.texts[followed])
        elif sub.startswith("lease") and sub[5:].isdigit():
            network.dhcp_hosts[int(sub[5:])][key] = value
        elif sub.startswith("fwd") and sub[3:].isdigit():
            network.forwards[int(sub[3:])][key] = value
        else:
            return False
        return True

    def _show_followed(self, widget_id: str, value: str) -> None:
        """Show a value the form changed by itself (not taken for the operator's edit)."""
        for field in self.query(f"#{widget_id}").results(Input):
            with field.prevent(Input.Changed):
                field.value = value

    def refresh_findings(self) -> None:
        """Show the core's verdict next to every field; list the rest below."""
        errors, warnings = self.form.problems()
        notes = self.form.active_notes()
        site = self._site
        errors, warnings, notes = worded(errors, site), worded(warnings, site), worded(notes, site)
        # An empty field the defaults could not fill: its note says why, better than
        # the generic "needs a subnet".
        errors.update({path: note for path, note in notes.items() if path in errors})
        shown: set[str] = set()
        for row in self.query(FieldRow):
            row.show_findings(errors, warnings, notes)
            shown.update(row.paths)
        others = [f"✗ {field_label(k, site)}: {v}" for k, v in errors.items() if k not in shown]
        others += [f"! {field_label(k, site)}: {v}" for k, v in warnings.items() if k not in shown]
        box = self.query_one("#other-problems", Static)
        text = "\n".join(others)
        if str(box.content) != text:
            box.update(text)
            box.set_class(bool(others), "-visible")
        self.set_next_enabled(not errors and bool(self.form.networks))

    # --- adding and removing leases and forwards ------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        widget_id = event.button.id or ""
        head, _, rest = widget_id.partition("-")
        if not (head.startswith("n") and head[1:].isdigit()):
            await super().on_button_pressed(event)
            return
        event.stop()
        network = self.form.networks[int(head[1:])]
        focus = ""
        if rest == "lease-add":
            network.add_lease()
            focus = f"{head}-lease{len(network.dhcp_hosts) - 1}-mac"
        elif rest == "fwd-add":
            network.add_forward()
            focus = f"{head}-fwd{len(network.forwards) - 1}-ports"
        elif rest.endswith("-remove"):
            sub = rest.removesuffix("-remove")
            rows = network.dhcp_hosts if sub.startswith("lease") else network.forwards
            del rows[int(sub.removeprefix("lease").removeprefix("fwd"))]
            # n0-lease1-remove -> n0-lease-add: the Add button of the same list.
            focus = widget_id.rpartition("-")[0].rstrip("0123456789") + "-add"
        await self.recompose()
        self.refresh_findings()
        if focus:
            self.query_one(f"#{focus}").focus()

    def go_next(self) -> None:
        try:
            self.form.prepare()
        except (AnswersError, ValueError) as exc:
            if isinstance(exc, AnswersError):
                why = "\n  ".join(error_lines(exc.errors, self._site))
            else:
                why = screen_words(str(exc), self._site)
            box = self.query_one("#other-problems", Static)
            box.update(f"✗ The plan could not be built: {why}")
            box.set_class(True, "-visible")
            return
        self.wizard.show_preview()
