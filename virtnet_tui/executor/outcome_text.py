"""Plain-terminal front end of the executor: progress lines, the risky-stage prompt, summaries."""

from __future__ import annotations

import contextlib
import os
import select
import sys
import textwrap
import time
from typing import TextIO

from virtnet_tui.core.plan import Stage
from virtnet_tui.executor.apply import Failure, Outcome
from virtnet_tui.executor.events import (
    AfterUndoFailed,
    CheckEvent,
    Checkpoint,
    CheckSkipped,
    Confirmed,
    Event,
    FirewallWarning,
    GuardArmed,
    NmCheckpointCreated,
    NmCheckpointFailed,
    Resume,
    RollbackStart,
    RunStart,
    StageFailed,
    StageStart,
    StageUndone,
    StepDone,
    StepFailed,
    UndoDone,
    UndoFailed,
)
from virtnet_tui.executor.outcome_summary import summarize_outcome


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=" " * len(indent))


class Progress:
    """Turns journal events into lines on ``out`` (a progress log an operator can follow)."""

    def __init__(self, out: TextIO | None = None, stages: int = 0) -> None:
        self.out = out or sys.stdout
        self.stages = stages

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def event(self, e: Event) -> None:
        line = self._line(e)
        if line is not None:
            self.say(line)

    def _line(self, e: Event) -> str | None:
        match e:
            case RunStart():
                self.stages = e.stages
                return f"Run {e.run_id} on {e.host.describe}: {e.stages} stages, {e.steps} steps."
            case Resume():
                return f"Resuming at step {e.from_step} (stage {e.from_stage + 1})."
            case RollbackStart():
                return f"Rolling back run on {e.host.describe}."
            case StageStart():
                mark = "  [risky: guarded by a timed confirmation]" if e.risky else ""
                return f"\n[{e.stage + 1}/{self.stages}] {e.name}{mark}"
            case FirewallWarning():
                return _wrap(e.text, "  ! ")
            case GuardArmed():
                return f"  guard process {e.pid} armed: it undoes this stage unless it is confirmed"
            case NmCheckpointCreated():
                return (
                    f"  NetworkManager checkpoint {e.path.rpartition('/')[2]} taken: "
                    "NetworkManager restores its profiles itself should the wizard and guard die"
                )
            case NmCheckpointFailed():
                return f"  ! NetworkManager checkpoint: {e.error}"
            case StepDone():
                return f"  {e.step:3d}. {e.what} ... ok"
            case StepFailed():
                return f"  {e.step:3d}. {e.what} ... FAILED: {e.error}"
            case CheckSkipped():
                return f"       check: {e.what}: {e.detail}"
            case CheckEvent():
                verdict = "ok" if e.ok else "FAILED"
                detail = f" ({e.detail})" if e.detail else ""
                return f"       check: {e.what}: {verdict}{detail}"
            case Confirmed():
                return f"       confirmed ({e.how})"
            case Checkpoint():
                return f"       -- checkpoint {e.stage + 1} reached"
            case StageFailed():
                return f"\nStage {e.stage + 1} did not complete: {e.reason}\nUndoing it:"
            case UndoDone():
                verdict = "nothing to undo (left as it is)" if e.left_as_is else "ok"
                return f"  undo {e.step:3d}. {e.what} ... {verdict}"
            case UndoFailed():
                return f"  undo {e.step:3d}. {e.what} ... FAILED: {e.error}"
            case StageUndone():
                return f"  stage {e.stage + 1} ({e.name}) undone"
            case AfterUndoFailed():
                return f"  after undoing stage {e.stage + 1}: FAILED: {e.error}"
        return None


def read_line(timeout: float | None = None) -> str | None:
    """One line typed on the terminal (``None`` on timeout or end of input).

    Reads the descriptor directly: a terminal in line mode hands over one line per
    read, so nothing typed ahead is kept in a buffer where a later question would
    find it.
    """
    fd = sys.stdin.fileno()
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], wait)
        if ready:
            data = os.read(fd, 4096)
            return data.decode(errors="replace") if data else None


def ask(prompt: str) -> str:
    """Ask on the terminal; the answer, lower-cased and stripped ("" at end of input)."""
    print(prompt, end="", flush=True)
    return (read_line() or "").strip().lower()


def confirm_on_terminal(index: int, stage: Stage, timeout: float) -> bool:
    """Ask for a fresh Enter within ``timeout``; anything typed earlier is thrown away."""
    import termios

    # A key pressed before the question (or a pasted line) must not confirm.
    with contextlib.suppress(termios.error, OSError, ValueError):
        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    why = f" {stage.why_risky}" if stage.why_risky else ""
    print(
        f"\nStage {index + 1} ({stage.name}) is in place.{why}\n"
        f"Press Enter within {timeout:g} s if you can still see this; type n and Enter to "
        "undo it now. Without an answer it is undone.",
        flush=True,
    )
    line = read_line(timeout)
    if line is None:
        print("No answer: undoing the stage.", flush=True)
        return False
    return line.strip().lower() in ("", "y", "yes")


def ask_keep_earlier(failure: Failure) -> bool:
    count = len(failure.earlier_checkpoints)
    answer = ask(
        f"Stage {failure.stage + 1} was undone. Keep the {count} earlier checkpoint(s) "
        "in place? [y/N] "
    )
    return answer in ("y", "yes")


def outcome_report(outcome: Outcome, rollback_hint: str) -> tuple[str, str]:
    """What to print at the end: (for stdout, for stderr), around ``summarize_outcome``."""
    said = summarize_outcome(outcome)
    if outcome.status == "applied":
        return f"\nDone: {said.what}.\nTo undo it: {rollback_hint}\n", ""
    journal = f"Journal: {outcome.run_dir / 'journal.jsonl'}"
    if outcome.status == "rolled-back":
        return "", f"virtnet-wizard: {said.what}.\n{journal}\n"
    if outcome.status == "partial":
        return "", f"virtnet-wizard: {said.what}. To undo them: {rollback_hint}\n"
    lines = [f"virtnet-wizard: {said.what}.", *said.leftover_lines(), journal]
    return "", "\n".join(lines) + "\n"
