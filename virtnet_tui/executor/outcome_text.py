"""Plain-terminal front end of the executor: progress lines, the risky-stage prompt, summaries."""

from __future__ import annotations

import contextlib
import os
import select
import sys
import textwrap
import time
from typing import Any, TextIO

from virtnet_tui.core.plan import Stage
from virtnet_tui.executor.apply import Failure, Outcome


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=" " * len(indent))


class Progress:
    """Turns journal events into lines on ``out`` (a progress log an operator can follow)."""

    def __init__(self, out: TextIO | None = None, stages: int = 0) -> None:
        self.out = out or sys.stdout
        self.stages = stages

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def event(self, e: dict[str, Any]) -> None:
        name = e.get("event", "")
        line = self._line(name, e)
        if line is not None:
            self.say(line)

    def _line(self, name: str, e: dict[str, Any]) -> str | None:
        stage = int(e.get("stage", 0)) + 1
        if name == "run-start":
            self.stages = int(e.get("stages", 0))
            return (
                f"Run {e['run_id']} on {e['host']['describe']}: "
                f"{e['stages']} stages, {e['steps']} steps."
            )
        if name == "resume":
            return f"Resuming at step {e['from_step']} (stage {int(e['from_stage']) + 1})."
        if name == "rollback-start":
            return f"Rolling back run on {e['host']['describe']}."
        if name == "stage-start":
            mark = "  [risky: guarded by a timed confirmation]" if e.get("risky") else ""
            return f"\n[{stage}/{self.stages}] {e['name']}{mark}"
        if name == "firewall-warning":
            return _wrap(str(e["text"]), "  ! ")
        if name == "guard-armed":
            return f"  guard process {e['pid']} armed: it undoes this stage unless it is confirmed"
        if name == "step-done":
            return f"  {e['step']:3d}. {e['what']} ... ok"
        if name == "step-failed":
            return f"  {e['step']:3d}. {e['what']} ... FAILED: {e['error']}"
        if name.startswith("check-"):
            if name == "check-skipped":
                return f"       check: {e['what']}: {e['detail']}"
            verdict = "ok" if name == "check-ok" else "FAILED"
            detail = f" ({e['detail']})" if e.get("detail") else ""
            return f"       check: {e['what']}: {verdict}{detail}"
        if name == "confirmed":
            return f"       confirmed ({e['how']})"
        if name == "checkpoint":
            return f"       -- checkpoint {stage} reached"
        if name == "stage-failed":
            return f"\nStage {stage} did not complete: {e['reason']}\nUndoing it:"
        if name == "undo-done":
            notes = e.get("notes") or []
            kept = any(str(n).startswith("nothing to undo") for n in notes)
            verdict = "nothing to undo (left as it is)" if kept else "ok"
            return f"  undo {e['step']:3d}. {e.get('what', '')} ... {verdict}"
        if name == "undo-failed":
            return f"  undo {e['step']:3d}. {e.get('what', '')} ... FAILED: {e['error']}"
        if name == "stage-undone":
            return f"  stage {stage} ({e['name']}) undone"
        if name == "after-undo-failed":
            return f"  after undoing stage {stage}: FAILED: {e['error']}"
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
    """What to print at the end: (for stdout, for stderr)."""
    if outcome.status == "applied":
        return (
            f"\nDone: every stage is applied (run {outcome.run_id}).\n"
            f"To undo it: {rollback_hint}\n",
            "",
        )
    reason = outcome.failure.reason if outcome.failure else ""
    if outcome.status == "rolled-back":
        return "", (
            f"virtnet-wizard: apply failed ({reason}); everything it changed was rolled back.\n"
            f"Journal: {outcome.run_dir / 'journal.jsonl'}\n"
        )
    if outcome.status == "partial":
        return "", (
            f"virtnet-wizard: apply failed ({reason}); the failed stage was rolled back and "
            f"{len(outcome.checkpoints)} earlier checkpoint(s) kept. To undo them: "
            f"{rollback_hint}\n"
        )
    lines = [
        f"virtnet-wizard: apply failed ({reason}) and the rollback could not finish."
        if outcome.failure
        else "virtnet-wizard: the rollback could not finish.",
        "Left in place:",
    ]
    for left in outcome.leftovers:
        where = f"step {left.step}" if left.step else f"stage {left.stage + 1}"
        lines.append(f"  - {where}: {left.what}: {left.error}")
    lines.append("Finish by hand with:")
    for left in outcome.leftovers:
        lines += [f"    {cmd}" for cmd in left.manual]
    lines.append(f"Journal: {outcome.run_dir / 'journal.jsonl'}")
    return "", "\n".join(lines) + "\n"
