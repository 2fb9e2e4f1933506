"""A labelled form control with its help line and the core's verdict on its value."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from virtnet_tui.wizard.labels import subfield_label


def _notes(help: str, why: str) -> Text:
    """The help line, then why the answer matters in italics (one widget: screens of
    many rows change faster with fewer widgets)."""
    text = Text(help)
    if why:
        if help:
            text.append("\n")
        text.append(f"Why it matters: {why}", style="italic")
    return text


class FieldRow(Vertical):
    """Label and control on one line; below, the error, warning or help that applies now."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
    }
    FieldRow > Horizontal {
        height: auto;
    }
    FieldRow .field-label {
        width: 30;
        padding-right: 1;
    }
    FieldRow .field-help {
        color: $text-muted;
        padding-left: 2;
    }
    FieldRow .field-message {
        padding-left: 2;
        display: none;
    }
    FieldRow .field-message.-error {
        color: $error;
        display: block;
    }
    FieldRow .field-message.-warning {
        color: $warning;
        display: block;
    }
    FieldRow .field-message.-note {
        color: $secondary;
        display: block;
    }
    """

    def __init__(
        self,
        path: str,
        label: str,
        *controls: Widget,
        help: str = "",
        why: str = "",
        subpaths: tuple[str, ...] = (),
        below: tuple[Widget, ...] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``below``: controls on a second line under the first ones (a row too wide for
        one line of a narrow terminal)."""
        super().__init__(id=id, classes=classes)
        self.path = path
        """The dotted field path whose findings this row shows (``network[0].ipv4``)."""
        self.paths = (path, *subpaths)
        """Every path the row's controls stand for; a finding on any of them shows here."""
        self._label = label
        self._controls = controls
        self._below = below
        self._help = help
        self._why = why
        self._shown: tuple[str, str] = ("", "")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self._label, classes="field-label")
            yield from self._controls
        if self._below:
            with Horizontal():
                yield Label("", classes="field-label")
                yield from self._below
        if self._help or self._why:
            yield Static(_notes(self._help, self._why), classes="field-help")
        # The message line is mounted with the first message: most rows never show one.

    def reword(self, label: str, help: str, why: str) -> None:
        """Put another wording of the same question in place."""
        self._label, self._help, self._why = label, help, why
        self.query_one(".field-label", Label).update(label)
        for static in self.query(".field-help").results(Static):
            static.update(_notes(help, why))

    def show(self, error: str | None = None, warning: str | None = None, note: str = "") -> None:
        """Show the error if any, else the warning, else the note; nothing when all is well."""
        if error:
            shown = (f"✗ {error}", "-error")
        elif warning:
            shown = (f"! {warning}", "-warning")
        elif note:
            shown = (f"i {note}", "-note")
        else:
            shown = ("", "")
        # Typing re-checks the whole form at every key; redraw only what changed, as a
        # new message changes the layout.
        if shown == self._shown:
            return
        self._shown = shown
        text, kind = shown
        self.set_class(kind == "-error", "-invalid")
        messages = self.query(".field-message").results(Static)
        message = next(messages, None)
        if message is None:
            self.mount(Static(text, classes=f"field-message {kind}", markup=False))
            return
        message.remove_class("-error", "-warning", "-note")
        if kind:
            message.add_class(kind)
        message.update(text)

    def show_findings(
        self, errors: dict[str, str], warnings: dict[str, str], notes: dict[str, str]
    ) -> None:
        """Pick this row's finding from the whole form's, naming the sub-field when needed."""
        self.show(self._pick(errors), self._pick(warnings), self._pick(notes) or "")

    def _pick(self, findings: dict[str, str]) -> str | None:
        for path in self.paths:
            if path in findings:
                if path == self.path:
                    return findings[path]
                return f"{subfield_label(path)}: {findings[path]}"
        return None

    @property
    def message(self) -> str:
        """The text shown below the field now (empty when none)."""
        return self._shown[0]
