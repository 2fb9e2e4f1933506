"""At start: a run a crash or a lost session left half done; resume it or roll it back."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from virtnet_tui.tui.widgets.step_title import StepTitle

if TYPE_CHECKING:
    from virtnet_tui.executor.journal import RunInfo
    from virtnet_tui.tui.flow import WizardFlow


class InterruptedRunScreen(Screen[None]):
    """What the interrupted run did, and the two ways to finish it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "resume", "Resume the run"),
        Binding("b", "rollback", "Roll it back"),
        Binding("escape", "leave", "Decide later"),
    ]

    def __init__(self, info: RunInfo) -> None:
        super().__init__()
        self.info = info
        self.busy = False
        self.outcome_text = ""
        """What the rollback did, once it finished (tests read it)."""

    @property
    def wizard(self) -> WizardFlow:
        return cast("WizardFlow", self.app)

    def compose(self) -> ComposeResult:
        info = self.info
        yield StepTitle(
            what="an earlier run did not finish",
            where=self.wizard.host.describe(),
            heading="Interrupted run",
        )
        with VerticalScroll(id="body"):
            yield Static(
                f"Run {info.id}, started {info.started}, stopped after "
                f"{info.steps_applied} of {info.steps_total} steps: the wizard was killed "
                "or its session was lost.",
                markup=False,
            )
            reached = ", ".join(info.checkpoints) or "none"
            yield Static(f"Checkpoints reached: {reached}", markup=False)
            stages = "\n".join(f"  {n}. {name}" for n, name in enumerate(info.stages, start=1))
            yield Static(f"Its stages:\n{stages}", markup=False)
            yield Static(
                "Press r to resume it from where it stopped (a step cut short is undone and "
                "run again), or b to roll back everything it did. Until then no new run can "
                "start.",
                markup=False,
            )
            yield Static("", id="result", markup=False)
        yield Footer()

    def action_resume(self) -> None:
        if not self.busy:
            self.busy = True
            self.wizard.resume_run(self.info.id)

    def action_rollback(self) -> None:
        if not self.busy:
            self.busy = True
            self.query_one("#result", Static).update("Rolling back…")
            self._rollback()

    @work(thread=True, exclusive=True, group="rollback")
    def _rollback(self) -> None:
        from virtnet_tui.executor.apply import Callbacks, Options, Refused
        from virtnet_tui.executor.rollback import rollback_run
        from virtnet_tui.managed.state import follow_runs

        try:
            outcome = rollback_run(
                self.wizard.host,
                self.info.id,
                options=Options(yes=True),
                callbacks=Callbacks(runs_changed=follow_runs),
            )
        except Refused as exc:
            text = f"Not rolled back: {exc}"
        else:
            if outcome is None or not outcome.leftovers:
                text = "Rolled back: the host is as it was before that run. Press Escape."
            else:
                from virtnet_tui.executor.outcome_summary import summarize_outcome

                text = summarize_outcome(outcome).text
        self.app.call_from_thread(self._done, text)

    def _done(self, text: str) -> None:
        self.outcome_text = text
        self.busy = False
        self.query_one("#result", Static).update(text)

    def action_leave(self) -> None:
        if not self.busy:
            self.dismiss()
