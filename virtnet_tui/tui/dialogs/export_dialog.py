"""Asks where to save an export (the answers file or the plan script)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static


class ExportDialog(ModalScreen[str | None]):
    """Dismisses with the path the operator typed, or None when cancelled; a file that is
    there already is replaced only when the operator says so."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, what: str, default_path: str) -> None:
        super().__init__()
        self.what = what
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Save {self.what} to:", classes="dialog-text", markup=False)
            yield Input(self.default_path, id="path", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        from virtnet_tui.tui.dialogs.yes_no import YesNoDialog

        path = self.query_one("#path", Input).value.strip()
        if not path:
            return
        # The path as the export will write it (file_changes.export_text).
        if not Path(path).expanduser().exists():
            self.dismiss(path)
            return
        question = YesNoDialog(
            f"{path} exists already. Replace it with {self.what}?", yes="Replace", no="Keep it"
        )
        self.app.push_screen(question, lambda replace: self._replace(path, replace))

    def _replace(self, path: str, replace: bool | None) -> None:
        if replace:
            self.dismiss(path)
        else:
            self.query_one("#path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
