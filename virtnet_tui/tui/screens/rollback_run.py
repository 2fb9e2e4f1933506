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

#: Stages and files the confirmation names before "and N more": it must fit 80x24.
STAGES_ASKED = 6
FILES_ASKED = 3


def run_label(info: RunInfo) -> str:
    """One run in the list: its id, state and stages, never cut inside a stage's words.

    A run of many stages names the first two and counts the rest (the detail below
    the list names them all).
    """
    stages = list(info.stages[:2])
    if len(info.stages) > 2:
        stages.append(f"and {len(info.stages) - 2} more stages")
    return f"{info.id}  {info.state}, {'; '.join(stages) or 'no stage'}"


def changed_lines(info: RunInfo, *, most: int | None = None, files: int | None = None) -> list[str]:
    """What the run changed, one thing a line (at most ``most`` stages and ``files`` files)."""
    return [
        *_named("stage", info.stages, most),
        *_named("file", info.files, files),
        *(f"  libvirt network: {name}" for name in info.networks),
    ]


def _named(kind: str, names: tuple[str, ...], most: int | None) -> list[str]:
    shown = names if most is None else names[:most]
    lines = [f"  {kind}: {name}" for name in shown]
    if len(names) > len(shown):
        lines.append(f"  and {len(names) - len(shown)} more {kind}s")
    return lines


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

    # The list scrolls past a few runs: the verdict and a refusal under it stay in view.
    DEFAULT_CSS = """
    #rollback-runs { max-height: 9; }
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
        # After a rollback the highlight stays where it was: on the next run.
        position = runs.highlighted or 0
        runs.clear_options()
        runs.add_options([Option(run_label(i), id=i.id) for i in infos])
        if infos:
            runs.highlighted = min(position, len(infos) - 1)
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
        blocker = self.blockers.get(info.id)
        # The verdict first, right under the list: a long run's files would push it out of view.
        verdict = f"Cannot roll back now: {blocker}." if blocker else "Enter rolls it back."
        started = info.started.replace("T", " ")[:19]
        lines = [verdict, f"Run {info.id}, started {started}, {info.state}.", *changed_lines(info)]
        self.query_one("#rollback-detail", Static).update("\n".join(lines))
        self.set_next_enabled(blocker is None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_next()

    def go_next(self) -> None:
        """Ask first, naming the run and what it changed: a rollback is not undone by a key."""
        from virtnet_tui.tui.dialogs.yes_no import YesNoDialog

        info = self._selected()
        if info is None or self.busy:
            return
        question = "\n".join(
            [
                f"Roll back run {info.id} ({info.state})?",
                "It changed:",
                *changed_lines(info, most=STAGES_ASKED, files=FILES_ASKED),
                "Each of these goes back to how it was before the run.",
            ]
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(info)

        self.app.push_screen(
            YesNoDialog(question, yes="Roll back", no="Keep it", yes_variant="error"), answered
        )

    def _start(self, info: RunInfo) -> None:
        if self.busy or not self.is_mounted:
            return
        self.busy = True
        self.set_next_enabled(False)
        self.query_one("#rollback-detail", Static).update(f"Rolling back run {info.id}…")
        self._rollback(info.id)

    @work(thread=True, exclusive=True, group="rollback")
    def _rollback(self, run_id: str) -> None:
        from virtnet_tui.core.errors import RecordError
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
        except RecordError as exc:  # a damaged or foreign record: named, nothing written
            self.app.call_from_thread(self._done, None, f"cannot use {exc}")
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
