"""Step 6: the apply run as it happens: progress, step log, checkpoints, confirmations, rollback."""

from __future__ import annotations

import math
from collections.abc import AsyncIterable, Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from rich.padding import Padding
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, RichLog, Static

from virtnet_tui.core.plan import Plan
from virtnet_tui.executor.progress import (
    ApplyEvent,
    Checkpoint,
    CheckResult,
    ConfirmRequest,
    EventSource,
    Finished,
    KeepEarlierRequest,
    RolledBack,
    StageFailed,
    StageStarted,
    StepDone,
    StepFailed,
    StepUndone,
)
from virtnet_tui.tui.widgets.step_title import StepTitle

if TYPE_CHECKING:
    from virtnet_tui.tui.flow import WizardFlow

UNDO_NOW_QUESTION = "undo-now-question"
"""The dialog Ctrl+C or q opens while a risky stage waits for Enter."""


class ApplyScreen(Screen[None]):
    """Consumes an apply run's events; Enter confirms a risky stage while its countdown runs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Confirm"),
        Binding("n", "undo_now", "Undo it now"),
        Binding("k", "keep_earlier(True)", "Keep earlier checkpoints"),
        Binding("r", "keep_earlier(False)", "Roll back everything"),
        Binding("m", "menu", "Menu"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(
        self, plan: Plan, source: EventSource, *, clock: Callable[[], float], where: str = ""
    ) -> None:
        super().__init__()
        self.where = where
        """The host the plan is applied to, shown in the title line."""
        self.plan = plan
        self.source = source
        self.clock = clock
        self.total_steps = sum(1 for _ in plan.steps())
        self.pending: ConfirmRequest | None = None
        self.question: KeepEarlierRequest | None = None
        """A failed stage was undone; the run waits to hear what to do with the earlier ones."""
        self.finished = False
        self.exit_code = 0
        self.events: list[ApplyEvent] = []
        """Every event so far, in order (tests read it)."""
        self.log_lines: list[str] = []
        """The step log as plain lines."""

    def compose(self) -> ComposeResult:
        yield StepTitle(6, "applying the plan", self.where)
        with Vertical(id="apply"):
            yield ProgressBar(total=self.total_steps, show_eta=False, id="progress")
            yield Static("Starting…", id="stage", markup=False)
            yield Static("No checkpoint yet.", id="checkpoint", markup=False)
            yield Static("", id="countdown", markup=False)
            # min_width 1: lines wrap at the log's own width (the default, 78, cuts them
            # at the right edge of an 80-column terminal).
            yield RichLog(id="log", wrap=True, markup=False, highlight=False, min_width=1)
            yield Static("", id="summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.25, self._tick)
        if isinstance(self.source, AsyncIterable):
            self._consume_async(self.source)
        else:
            self._consume(self.source)

    @work(thread=True, exclusive=True, group="apply")
    def _consume(self, source: Iterable[ApplyEvent]) -> None:
        for event in source:
            self.app.call_from_thread(self.handle, event)

    @work(exclusive=True, group="apply")
    async def _consume_async(self, source: AsyncIterable[ApplyEvent]) -> None:
        async for event in source:
            self.handle(event)

    # --- events ------------------------------------------------------------------------

    def handle(self, event: ApplyEvent) -> None:
        """Show one event; the runner's order is the screen's order."""
        self.events.append(event)
        if isinstance(event, StageStarted):
            mark = " (risky)" if event.risky else ""
            self._set("#stage", f"Stage {event.index} of {event.total}: {event.name}{mark}")
            self._log(f"── Stage {event.index}/{event.total}: {event.name}{mark}")
        elif isinstance(event, StepDone):
            self.query_one("#progress", ProgressBar).update(progress=event.number)
            detail = f"  ({event.detail})" if event.detail else ""
            self._log(f"  ✓ {event.number}. {event.description}{detail}")
        elif isinstance(event, StepFailed):
            self._log(f"  ✗ {event.number}. {event.description}: {event.reason}")
        elif isinstance(event, StageFailed):
            self._stage_failed(event)
        elif isinstance(event, StepUndone):
            self._step_undone(event)
        elif isinstance(event, CheckResult):
            verdict = "ok" if event.ok else "FAILED"
            detail = f" ({event.detail})" if event.detail else ""
            self._log(f"    check {verdict}: {event.description}{detail}")
        elif isinstance(event, Checkpoint):
            self._set("#checkpoint", f"Checkpoint {event.index} reached: {event.name}")
            self._log(f"  ● checkpoint {event.index}")
        elif isinstance(event, ConfirmRequest):
            self.pending = event
            self._log(f"  ? stage {event.stage} needs your confirmation")
            self._tick()
            self.refresh_bindings()
        elif isinstance(event, KeepEarlierRequest):
            self.question = event
            kept = ", ".join(str(i) for i in event.checkpoints)
            self._log(f"  ? stage {event.stage} is undone: keep checkpoints {kept}?")
            self._set(
                "#countdown",
                f"Stage {event.stage} failed and was undone. Checkpoints {kept} are still "
                "applied.\nPress k to keep them (you can roll them back later), or r to roll "
                "back everything.",
            )
            self.refresh_bindings()
        elif isinstance(event, RolledBack):
            self._rolled_back(event)
        elif isinstance(event, Finished):
            self._finished(event)

    def _stage_failed(self, event: StageFailed) -> None:
        """The countdown (if any) is over: the stage is being undone, whatever is pressed now."""
        self.pending = None
        self.refresh_bindings()
        self._set("#countdown", f"Stage {event.stage} ({event.name}) failed: undoing it…")
        if event.step is None:
            self._log(f"  ✗ stage {event.stage} ({event.name}) failed: {event.reason}")
        self._log(f"  ↶ undoing stage {event.stage} ({event.name})")

    def _step_undone(self, event: StepUndone) -> None:
        if event.error:
            self._log(f"  ↶ NOT DONE: step {event.number}: {event.error}")
            for command in event.manual:
                self._log(f"  ↶   by hand: {command}")
            return
        self._log(f"  ↶ undid step {event.number}: {event.description}")
        # The bar shows what is still applied: steps are undone last first.
        bar = self.query_one("#progress", ProgressBar)
        bar.update(progress=min(bar.progress, event.number - 1))

    def _rolled_back(self, event: RolledBack) -> None:
        self.pending = None
        self.refresh_bindings()
        self._set("#countdown", "")
        state = "complete" if event.complete else "INCOMPLETE"
        self._log(f"── Rollback {state}: undid {', '.join(event.stages) or 'nothing'}")

    def _finished(self, event: Finished) -> None:
        self.pending = None
        self.finished = True
        self.exit_code = event.exit_code
        self._set("#countdown", "")
        verdict = "Done." if event.exit_code == 0 else f"Stopped (exit code {event.exit_code})."
        todos = self.plan.todos if event.exit_code == 0 else ()
        if todos:
            self._log_todos()
        lines = [f"{verdict} {event.summary}"]
        if todos:
            lines.append(f"Still to do elsewhere: {len(todos)} item(s), listed above.")
        lines.append("Press m for the menu (status, leases, rollback…), q to leave the wizard.")
        self._set("#summary", "\n".join(lines))
        self.query_one("#summary", Static).set_class(event.exit_code != 0, "-failed")
        self.refresh_bindings()

    def _log_todos(self) -> None:
        """The plan's to-dos again, now that the host is ready for them."""
        self._log("── To do elsewhere (the wizard cannot do these):")
        for todo in self.plan.todos:
            self._log_indented(f"• {todo.title}", 2)
            if todo.detail:
                self._log_indented(todo.detail, 4)
            for command in todo.commands:
                self._log_indented(f"$ {command}", 4)

    def _log_indented(self, line: str, indent: int) -> None:
        """A line whose wrapped part stays under its start."""
        self.log_lines.append(" " * indent + line)
        self.query_one("#log", RichLog).write(Padding(Text(line), (0, 0, 0, indent)))

    def _set(self, selector: str, text: str) -> None:
        self.query_one(selector, Static).update(text)

    def _tick(self) -> None:
        """Redraw the countdown of a pending confirmation."""
        pending = self.pending
        if pending is None or pending.reply.confirmed or pending.reply.closed:
            return
        left = max(0, math.ceil(pending.deadline - self.clock()))
        self._set(
            "#countdown",
            f"Stage {pending.stage} ({pending.name}) is applied.\n"
            f"Press Enter if you can still see this: {left} s left, then it is undone.",
        )

    # --- keys --------------------------------------------------------------------------

    def action_confirm(self) -> None:
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        self.refresh_bindings()
        if not pending.reply.confirm():
            # The time ran out a moment ago; StageFailed is on its way.
            self._log(f"  ✗ stage {pending.stage}: too late to confirm, it is being undone")
            return
        self._set("#countdown", "")
        self._log(f"  ✓ stage {pending.stage} confirmed")

    def action_undo_now(self) -> None:
        """Undo the stage waiting for Enter at once, as the countdown's end would."""
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        self.refresh_bindings()
        self._set("#countdown", "")
        if pending.reply.decline():
            self._log(f"  ↶ stage {pending.stage}: undoing it now, as asked")
        else:  # Enter won the race a moment ago: the stage stays
            self._log(f"  ✓ stage {pending.stage} was already confirmed")

    def ask_undo_now(self) -> None:
        """Ctrl+C or q while a stage waits for Enter: offer to undo it now.

        Quitting cannot leave a risky stage half confirmed, so the way out of a countdown
        is the rollback the countdown would end in anyway, only sooner.
        """
        from virtnet_tui.tui.dialogs.yes_no import YesNoDialog

        pending = self.pending
        if pending is None:
            return

        def done(undo: bool | None) -> None:
            if undo and self.pending is pending:
                self.action_undo_now()

        self.app.push_screen(
            YesNoDialog(
                f"Stage {pending.stage} ({pending.name}) is applied and waits for Enter.\n"
                "Undo it now? The run then rolls back as when the countdown ends, and "
                "you can leave the wizard once it has.\n"
                "Keep waiting and the countdown goes on: Enter still keeps the stage.",
                yes="Undo it now",
                no="Keep waiting",
                yes_variant="error",
                id=UNDO_NOW_QUESTION,
            ),
            done,
        )

    def action_keep_earlier(self, keep: bool) -> None:
        question = self.question
        if question is None:
            return
        question.reply.answer(keep)
        self.question = None
        self.refresh_bindings()
        self._set("#countdown", "")
        self._log("  kept the earlier checkpoints" if keep else "  rolling back everything")

    def action_menu(self) -> None:
        """After the run: the wizard as on a new start, its menu over Welcome."""
        if self.finished:
            cast("WizardFlow", self.app).start_over()

    def action_back(self) -> None:
        if not self.finished:
            self.notify("Apply is running; it cannot be left half done.", severity="warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm", "undo_now"):
            return self.pending is not None
        if action == "keep_earlier":
            return self.question is not None
        if action == "menu":
            return self.finished
        return True

    def _log(self, line: str) -> None:
        self.log_lines.append(line)
        self.query_one("#log", RichLog).write(line)
