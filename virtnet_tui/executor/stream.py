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
from typing import Any

from virtnet_tui.core.plan import Plan, Stage
from virtnet_tui.executor.apply import Callbacks, Executor, Failure, Options, Outcome, Refused
from virtnet_tui.executor.journal import RunDir
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
    StageStarted,
    StepDone,
    StepFailed,
)
from virtnet_tui.hosts.base import Host

#: How long a failed run waits for "keep the earlier checkpoints?" before rolling back all.
QUESTION_TIMEOUT = 300.0


class _Translator:
    """Journal events in, screen events out; remembers what a rollback undid."""

    def __init__(self, plan: Callable[[], Plan], put: Callable[[ApplyEvent], None]) -> None:
        self.plan_of = plan
        self.put = put
        self.undone: list[str] = []
        self.summary: list[str] = []

    def __call__(self, e: dict[str, Any]) -> None:
        name = e.get("event", "")
        stage = int(e.get("stage", 0))
        if name == "stage-start":
            plan = self.plan_of()
            s = plan.stages[stage]
            total = len(plan.stages)
            self.put(StageStarted(stage + 1, total, s.name, len(s.steps), s.risky, s.why_risky))
        elif name == "step-done":
            output = e.get("output") or {}
            self.put(StepDone(int(e["step"]), str(e["what"]), str(output.get("note", ""))))
        elif name == "step-failed":
            self.put(StepFailed(int(e["step"]), str(e["what"]), str(e.get("error", ""))))
        elif name.startswith("check-"):
            ok = name != "check-failed"
            self.put(CheckResult(stage + 1, str(e["what"]), ok, str(e.get("detail", ""))))
        elif name == "checkpoint":
            self.put(Checkpoint(stage + 1, str(e["name"])))
        elif name == "undo-done":
            self.summary.append(f"undid step {e['step']}: {e.get('what', '')}")
        elif name == "undo-failed":
            self.summary.append(f"NOT DONE: step {e['step']}: {e.get('error', '')}")
            self.summary += [f"  by hand: {cmd}" for cmd in e.get("manual", [])]
        elif name == "stage-undone":
            self.undone.append(str(e.get("name", "")))


def _finished(outcome: Outcome) -> Finished:
    if outcome.status == "applied":
        return Finished(0, f"Applied every stage (run {outcome.run_id}).")
    reason = outcome.failure.reason if outcome.failure else ""
    if outcome.status == "partial":
        kept = len(outcome.checkpoints)
        text = f"{reason}. The stage was undone; {kept} earlier checkpoint(s) kept."
    elif outcome.status == "rolled-back":
        text = f"{reason}. Everything was rolled back."
    else:
        text = f"{reason}. The rollback could not finish: see the steps marked NOT DONE."
    return Finished(outcome.exit_code, text)


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
                events.put(RolledBack(tuple(translate.undone), complete, tuple(translate.summary)))
            events.put(_finished(outcome))
        except Refused as exc:
            events.put(Finished(2, str(exc)))
        except Exception as exc:  # the screen must always get its Finished
            events.put(Finished(1, f"internal error: {type(exc).__name__}: {exc}"))
        finally:
            events.put(None)

    threading.Thread(target=work, name="virtnet-apply", daemon=True).start()
    while (event := events.get()) is not None:
        yield event
