"""The executor as a stream of Apply-screen events (``progress.ApplyEvent``), run in a thread.

``executor_events(host, plan)`` feeds the TUI's apply screen:
it runs the real executor (journal, backups, guard, rollback) in a worker thread
and yields what the screen shows. A risky stage yields a ``ConfirmRequest``; the
screen's ``reply.confirm()`` before the deadline keeps the stage.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator

from virtnet_tui.core.errors import RecordError
from virtnet_tui.core.plan import Plan, Stage
from virtnet_tui.executor import events as journal_events
from virtnet_tui.executor.apply import Callbacks, Executor, Failure, Options, Outcome, Refused
from virtnet_tui.executor.journal import RunDir
from virtnet_tui.executor.outcome_summary import summarize_outcome
from virtnet_tui.executor.progress import (
    ApplyEvent,
    Checkpoint,
    CheckResult,
    ChoiceReply,
    ConfirmReply,
    ConfirmRequest,
    Finished,
    KeepEarlierRequest,
    RolledBack,
    StageFailed,
    StageStarted,
    StepDone,
    StepFailed,
    StepUndone,
)
from virtnet_tui.hosts.base import Host

#: How long a failed run waits for "keep the earlier checkpoints?" before rolling back all.
QUESTION_TIMEOUT = 300.0


class _Translator:
    """Journal events in, screen events out; remembers which stages a rollback undid."""

    def __init__(self, plan: Callable[[], Plan], put: Callable[[ApplyEvent], None]) -> None:
        self.plan_of = plan
        self.put = put
        self.undone: list[str] = []

    def __call__(self, e: journal_events.Event) -> None:
        match e:
            case journal_events.StageStart():
                plan = self.plan_of()
                s = plan.stages[e.stage]
                total = len(plan.stages)
                self.put(
                    StageStarted(e.stage + 1, total, s.name, len(s.steps), s.risky, s.why_risky)
                )
            case journal_events.StepDone():
                self.put(StepDone(e.step, e.what, str(e.output.get("note", ""))))
            case journal_events.StepFailed():
                self.put(StepFailed(e.step, e.what, e.error))
            case journal_events.CheckEvent():
                self.put(CheckResult(e.stage + 1, e.what, e.ok, e.detail))
            case journal_events.Checkpoint():
                self.put(Checkpoint(e.stage + 1, e.name))
            case journal_events.StageFailed():
                name = self.plan_of().stages[e.stage].name
                self.put(StageFailed(e.stage + 1, name, e.reason, e.step))
            # Undo steps show as they happen: a question may wait between two stages' undo.
            case journal_events.UndoDone():
                self.put(StepUndone(e.step, e.what))
            case journal_events.UndoFailed():
                self.put(StepUndone(e.step, e.what, e.error, e.manual))
            case journal_events.StageUndone():
                self.undone.append(e.name)


def _finished(outcome: Outcome) -> Finished:
    return Finished(outcome.exit_code, summarize_outcome(outcome).text)


def executor_events(
    host: Host,
    plan: Plan,
    *,
    answers_text: str = "",
    options: Options | None = None,
    keep_earlier: Callable[[Failure], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
    resume: str | None = None,
    ask_keep_earlier: bool = False,
    question_timeout: float = QUESTION_TIMEOUT,
    runs_changed: Callable[[Host, RunDir | None], None] | None = None,
) -> Iterator[ApplyEvent]:
    """Run the executor in a thread and yield its events until ``Finished``.

    Args:
        host: where to apply.
        plan: what to apply (ignored with ``resume``: the run's own plan is used).
        answers_text: kept in the run directory as answers.toml.
        options: ``yes``, ``confirm_timeout``...; defaults to ``Options()``.
        keep_earlier: asked after a failed stage was undone (called from the worker
            thread: block on the UI's answer); ``None`` undoes everything.
        clock: the clock ``ConfirmRequest.deadline`` is measured on.
        resume: continue this interrupted run instead of starting a new one.
        ask_keep_earlier: without ``keep_earlier``, ask the screen through a
            ``KeepEarlierRequest``; no answer within ``question_timeout`` seconds rolls
            everything back, the safe choice for an operator who may have lost the session.
        runs_changed: told when the run has ended (``Callbacks.runs_changed``).
    """
    events: queue.Queue[ApplyEvent | None] = queue.Queue()
    executor: Executor | None = None
    translate = _Translator(lambda: executor.plan if executor else plan, events.put)

    def confirm(index: int, stage: Stage, timeout: float) -> bool:
        reply = ConfirmReply()
        events.put(ConfirmRequest(index + 1, stage.name, clock() + timeout, reply, stage.why_risky))
        return reply.wait(timeout)

    def ask(failure: Failure) -> bool:
        reply = ChoiceReply()
        events.put(
            KeepEarlierRequest(
                failure.stage + 1,
                failure.stage_name,
                failure.reason,
                tuple(i + 1 for i in failure.earlier_checkpoints),
                reply,
            )
        )
        return reply.wait(question_timeout) is True

    if keep_earlier is None and ask_keep_earlier:
        keep_earlier = ask
    callbacks = Callbacks(
        on_event=translate,
        confirm=confirm,
        keep_earlier=keep_earlier,
        runs_changed=runs_changed,
    )
    executor = Executor(host, plan, answers_text=answers_text, options=options, callbacks=callbacks)

    def work() -> None:
        assert executor is not None
        try:
            outcome = executor.resume(resume) if resume else executor.apply()
            if outcome.status != "applied":
                complete = not outcome.leftovers
                events.put(RolledBack(tuple(translate.undone), complete))
            events.put(_finished(outcome))
        except Refused as exc:
            events.put(Finished(2, str(exc)))
        except RecordError as exc:  # a damaged or foreign record, as the CLI words it
            events.put(Finished(2, f"cannot use {exc}"))
        except Exception as exc:  # the screen must always get its Finished
            events.put(Finished(1, f"internal error: {type(exc).__name__}: {exc}"))
        finally:
            events.put(None)

    threading.Thread(target=work, name="virtnet-apply", daemon=True).start()
    while (event := events.get()) is not None:
        yield event
