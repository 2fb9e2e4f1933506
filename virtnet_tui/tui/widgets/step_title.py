"""The line at the top of each step: where the operator is in the flow, and on which host."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

STEPS = ("Welcome", "Situation", "Recommendation", "Parameters", "Preview", "Apply")


class StepTitle(Static):
    """``Step 3 of 6 · Recommendation — what it is for`` on the left, the host on the right.

    The host is always in sight: a sandbox and the real machine must never be confused.
    """

    DEFAULT_CSS = """
    StepTitle {
        height: 1;
        padding: 0 1;
        text-style: bold;
        color: $primary;
        background: $panel;
    }
    """

    def __init__(self, step: int, what: str = "", where: str = "") -> None:
        text = f"Step {step} of {len(STEPS)} · {STEPS[step - 1]}"
        if what:
            text += f" — {what}"
        grid = Table.grid(expand=True)
        # The step keeps its room; a long host name is what gets cut short.
        grid.add_column(no_wrap=True, min_width=min(len(text), 60))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis", justify="right")
        grid.add_row(Text(text), Text(f" {where}" if where else ""))
        super().__init__(grid)
        self.text = text
