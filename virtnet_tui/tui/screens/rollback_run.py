"""Re-run: pick a run whose changes are still in place and roll it back (as ``rollback RUN``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from virtnet_tui.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from virtnet_tui.executor.apply import Outcome
    from virtnet_tui.executor.journal import RunInfo


class RollbackRunScreen(WizardScreen):
    """Runs still in place, newest first; one that a later run depends on says which, and why."""

    HEADING = "Re-run · Roll back a run"
    NEXT_LABEL = "Roll back"
    BUSY_NOTICE = "The rollback is running; wait for it to finish."

    def __init__(self) -> None:
        super().__init__()
        self.infos: list[RunInfo] = []
        self.blockers: dict[str, str] = {}
        """Run id -> why it cannot be rolled back now (``rollback.later_conflicts``)."""

    def compose_body(self) -> ComposeResult:
        yield self.title_bar()
        with VerticalScroll(id="body"):
            yield Label("Runs with changes in place (newest first):", classes="section")
            yield OptionList(id="rollback-runs")
            yield Static("", id="rollback-result", markup=False)
            yield Static("Reading the runs…", id="rollback-detail", markup=False)

    DEFAULT_CSS = """
    #rollback-result { text-style: bold; }
    """

    def on_mount(self) -> None:
        self.set_next_enabled(False)
        self.query_one("#rollback-runs", OptionList).focus()
        self._read()

    @work(thread=True, exclusive=True, group="rollback-read")
    def _read(self) -> None:
        from virtnet_tui.executor.journal import runs_status
        from virtnet_tui.executor.rollback import later_conflicts

        host = self.wizard.host
        infos = runs_status(host)
        in_place = [i for i in reversed(infos) if i.has_changes]
        blockers = {}
        for info in in_place:
            conflicts = later_conflicts(info, infos, host)
            if conflicts:
                later, shared = conflicts[-1]
                blockers[info.id] = (
                    f"run {later.id} came later and also changed {', '.join(shared)}; "
                    "roll that run back first"
                )
        self.app.call_from_thread(self._show, in_place, blockers)

    def _show(self, infos: list[RunInfo], blockers: dict[str, str]) -> None:
        if not self.is_mounted:
            return
        self.infos, self.blockers = infos, blockers
        runs = self.query_one("#rollback-runs", OptionList)
        runs.clear_options()
        runs.add_options(
            [Option(f"{i.id}  {i.state}, {'; '.join(i.stages)[:60]}", id=i.id) for i in infos]
        )
        if infos:
            runs.highlighted = 0
        else:
            self.query_one("#rollback-detail", Static).update(
                "Nothing to roll back: no run has changes in place."
            )

    def _selected(self) -> RunInfo | None:
        index = self.query_one("#rollback-runs", OptionList).highlighted
        return self.infos[index] if index is not None and index < len(self.infos) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        info = self._selected()
        if info is None or self.busy:
            return
        lines = [f"Run {info.id}, started {info.started.replace('T', ' ')[:19]}, {info.state}."]
        lines += [f"  stage: {name}" for name in info.stages]
        lines += [f"  file: {path}" for path in info.files]
        lines += [f"  libvirt network: {name}" for name in info.networks]
        blocker = self.blockers.get(info.id)
        lines.append(f"Cannot roll back now: {blocker}." if blocker else "Enter rolls it back.")
        self.query_one("#rollback-detail", Static).update("\n".join(lines))
        self.set_next_enabled(blocker is None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_next()

    def go_next(self) -> None:
        info = self._selected()
        if info is None or self.busy:
            return
        self.busy = True
        self.set_next_enabled(False)
        self.query_one("#rollback-detail", Static).update(f"Rolling back run {info.id}…")
        self._rollback(info.id)

    @work(thread=True, exclusive=True, group="rollback")
    def _rollback(self, run_id: str) -> None:
        from virtnet_tui.executor.apply import Callbacks, Refused
        from virtnet_tui.executor.rollback import rollback_run
        from virtnet_tui.managed.state import follow_runs

        try:
            outcome = rollback_run(
                self.wizard.host, run_id, callbacks=Callbacks(runs_changed=follow_runs)
            )
        except Refused as exc:
            self.app.call_from_thread(self._done, None, str(exc))
            return
        self.app.call_from_thread(self._done, outcome, "")

    def _done(self, outcome: Outcome | None, refused: str) -> None:
        self.busy = False
        if not self.is_mounted:
            return
        if outcome is None:
            text = f"Not rolled back: {refused}" if refused else "Nothing of it was in place."
        else:
            from virtnet_tui.executor.outcome_summary import summarize_outcome

            text = summarize_outcome(outcome).text
        self.query_one("#rollback-result", Static).update(text)
        self._read()
