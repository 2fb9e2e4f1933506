"""Step 2: the situation questions and the host's uplink, prefilled from the probe."""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.tui.widgets.dropdown import Dropdown
from virtnet_tui.tui.widgets.field_row import FieldRow
from virtnet_tui.wizard.labels import worded
from virtnet_tui.wizard.questions import (
    HOST_QUESTIONS,
    HOST_SECTION,
    Question,
)


def _control(question: Question, value: str, section: str) -> Widget:
    widget_id = f"{section}-{question.key}"
    if question.kind in ("choice", "yesno"):
        options = [(label, choice) for choice, label in question.choices]
        return Dropdown(options, value=value, id=widget_id)
    if question.kind == "number":
        # Textual's own check tints a field that holds no number, as the core says why.
        return Input(value, type="integer", compact=True, id=widget_id, select_on_focus=False)
    # A text: no Textual validation (the core checks it), no class to restyle at mount.
    return Input(value, compact=True, id=widget_id, select_on_focus=False, validate_on=())


#: The questions in the first frame: they fill an 80x24 terminal but for its last line.
#: The rest, and the host's uplink, are mounted right after it: the screen shows sooner.
FIRST_FRAME_QUESTIONS = 5


def _rows(
    section: str, questions: tuple[Question, ...], texts: dict[str, str]
) -> Iterator[FieldRow]:
    """A field row per question, showing the answer in ``texts``."""
    for question in questions:
        yield FieldRow(
            f"{section}.{question.key}",
            question.label,
            _control(question, texts[question.key], section),
            help=question.help,
            why=question.why,
            id=f"row-{section}-{question.key}",
        )


class SituationScreen(WizardScreen):
    """Every question of the answers file's [situation] table, and the uplink's addresses."""

    STEP = 2

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("tell the wizard about this host")
        form = self.form
        questions = form.situation_questions()[:FIRST_FRAME_QUESTIONS]
        with VerticalScroll(id="body"):
            yield from _rows("situation", questions, form.situation)

    def _the_rest(self) -> list[Widget]:
        """The questions below the first frame, then the host's uplink."""
        form = self.form
        heading, note = HOST_SECTION
        return [
            *_rows("situation", form.situation_questions()[FIRST_FRAME_QUESTIONS:], form.situation),
            Static(f"{heading} — {note}.", classes="section", markup=False),
            *_rows("host", HOST_QUESTIONS, form.host),
            Static(self._other_facts(), id="other-facts", markup=False),
        ]

    def _other_facts(self) -> str:
        f = self.form.facts
        release = f" {f.distro_version}" if f.distro_version else ""
        nm = "yes" if f.network_manager else "no"
        return (
            f"Also found: {f.distro}{release}, NetworkManager {nm}"
            f", systemd {'yes' if f.systemd else 'no'}, dnsmasq {f.dnsmasq_version}, "
            f"kernel {f.kernel}, uplink MAC {f.mac or 'unknown'}, SSH port {f.ssh_port}."
        )

    def on_mount(self) -> None:
        self.refresh_findings()
        self.query(Select).first().focus()
        self.mount_after_first_frame(
            self.query_one("#body"), self._the_rest, then=self.refresh_findings
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._store(event.input.id, event.value)

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._store(event.select.id, event.value)

    def _store(self, widget_id: str | None, value: str) -> None:
        if not widget_id:
            return
        section, _, key = widget_id.partition("-")
        if section == "situation":
            if self.form.situation.get(key) == value:
                return  # a value put in place by the form itself, not the operator's
            self.form.answer_situation(key, value)
            if key == "site":
                self._follow_site()
        else:
            self.form.host[key] = value
        self.refresh_findings()

    def _follow_site(self) -> None:
        """Word the questions for the site, and show the defaults that followed it."""
        for question in self.form.situation_questions():
            for row in self.query(f"FieldRow#row-situation-{question.key}").results(FieldRow):
                row.reword(question.label, question.help, question.why)
            if question.kind in ("choice", "yesno"):
                for select in self.query(f"#situation-{question.key}").results(Select):
                    if select.value != self.form.situation[question.key]:
                        select.value = self.form.situation[question.key]

    def refresh_findings(self) -> None:
        """Show the core's verdict next to each field; Next only when every field is fine."""
        errors, warnings = self.form.situation_problems()
        site = self.form.situation.get("site", "dedicated")
        errors, warnings = worded(errors, site), worded(warnings, site)
        for row in self.query(FieldRow):
            row.show(errors.get(row.path), warnings.get(row.path))
        self.set_next_enabled(not errors)

    def go_next(self) -> None:
        self.wizard.show_recommendation()
