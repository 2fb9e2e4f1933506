"""A yes/no question over the screen: quit the wizard, apply the plan."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

ButtonVariant = Literal["default", "primary", "success", "warning", "error"]


class YesNoDialog(ModalScreen[bool]):
    """Dismisses with True for yes (y), False for no (n or Escape); No has the focus.

    ``yes`` and ``no`` are the words on the buttons and in the footer ("Quit", "Stay"):
    an answer that names what it does is harder to give by mistake than "Yes".
    """

    def __init__(
        self,
        question: str,
        *,
        yes: str,
        no: str,
        yes_variant: ButtonVariant = "warning",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.question = question
        self.yes = yes
        self.no = no
        self.yes_variant: ButtonVariant = yes_variant
        # Bound here, not in BINDINGS: the footer names the answers of this question.
        self._bindings.bind("y", "answer(True)", yes)
        self._bindings.bind("n,escape", "answer(False)", no)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant=self.yes_variant, compact=True)
                yield Button(f"{self.no} (n)", id="no", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
