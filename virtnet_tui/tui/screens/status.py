"""Re-run: what the wizard manages here, how it is now, drift, and the run history (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from virtnet_tui.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from virtnet_tui.executor.journal import RunInfo


def runs_lines(infos: list[RunInfo]) -> list[str]:
    """The run history, oldest first, as ``virtnet-wizard status`` lists it."""
    if not infos:
        return ["No runs yet: nothing was applied by virtnet-wizard here."]
    lines = ["Runs (oldest first):"]
    for info in infos:
        started = info.started.replace("T", " ")[:19]
        steps = f"{info.steps_applied}/{info.steps_total} steps applied"
        lines.append(f"  {info.id}  {started}  {info.state}, {steps}")
    return lines


class StatusScreen(WizardScreen):
    """Reads the state, the host and the journal; changes nothing."""

    HEADING = "Re-run · Status"
    NEXT_LABEL = "Back to the menu"

    def compose_body(self) -> ComposeResult:
        yield self.title_bar()
        with VerticalScroll(id="body"):
            yield Static("Looking at the host…", id="status-text", markup=False)

    def on_mount(self) -> None:
        self._read()
        self.call_after_refresh(self._focus_next)

    @work(thread=True, exclusive=True, group="status")
    def _read(self) -> None:
        """The same report as ``virtnet-wizard status``, off the UI thread."""
        from virtnet_tui.executor.journal import runs_status
        from virtnet_tui.hosts.files import UnsafePath
        from virtnet_tui.managed.state import load_state
        from virtnet_tui.managed.status_report import network_statuses, networks_text

        host = self.wizard.host
        try:
            networks = networks_text(network_statuses(host, load_state(host)))
            lines = [*networks, "", *runs_lines(runs_status(host))]
        except PermissionError as exc:
            lines = [f"Cannot read {exc.filename}: it is readable by root only."]
        except UnsafePath as exc:  # a symbolic link at the lock: never followed
            lines = [f"Cannot read the runs: {exc}"]
        self.app.call_from_thread(self._show, "\n".join(lines))

    def _show(self, text: str) -> None:
        if self.is_mounted:
            self.query_one("#status-text", Static).update(text)

    def go_next(self) -> None:
        self.wizard.go_back()
