"""The line at the top of each screen: where the operator is, and on which host."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

STEPS = ("Welcome", "Situation", "Recommendation", "Parameters", "Preview", "Apply")


def step_heading(step: int) -> str:
    """``Step 3 of 6 · Recommendation``: where a screen of the first-run flow stands."""
    return f"Step {step} of {len(STEPS)} · {STEPS[step - 1]}"


def _title_line(text: str, where: str) -> Table:
    grid = Table.grid(expand=True)
    # The title keeps its room; a long host name is what gets cut short.
    grid.add_column(no_wrap=True, min_width=min(len(text), 60))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis", justify="right")
    grid.add_row(Text(text), Text(f" {where}" if where else ""))
    return grid


class StepTitle(Static):
    """``Step 3 of 6 · Recommendation — what it is for`` on the left, the host on the right.

    A screen outside the six steps gives its own ``heading`` instead of the step's
    (``Re-run · DHCP hosts``). The host is always in sight: a sandbox and the real
    machine must never be confused.
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

    def __init__(
        self, step: int = 1, what: str = "", where: str = "", *, heading: str = ""
    ) -> None:
        self.heading = heading or step_heading(step)
        self.where = where
        self.text = self._text(what)
        super().__init__(_title_line(self.text, where))

    def _text(self, what: str) -> str:
        return f"{self.heading} — {what}" if what else self.heading

    def show_what(self, what: str) -> None:
        """Say what the screen is about now (another network was picked)."""
        self.text = self._text(what)
        self.update(_title_line(self.text, self.where))
