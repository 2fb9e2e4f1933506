"""The end of a run is worded once: the CLI's report and the TUI's summary say the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.journal_events import AFTER_UNDO_LEFT, LEFT

from virtnet_tui.executor.apply import Failure, Outcome
from virtnet_tui.executor.outcome_summary import summarize_outcome
from virtnet_tui.executor.outcome_text import outcome_report
from virtnet_tui.executor.stream import _finished

RUN = Path("/var/lib/virtnet-wizard/runs/r1")
FAILED = Failure(2, "forwarding", 5, "exit 1", (0, 1))

OUTCOMES = {
    "applied": Outcome("r1", RUN, "applied", 0, checkpoints=(0, 1, 2)),
    "rolled-back": Outcome("r1", RUN, "rolled-back", 3, FAILED),
    "partial": Outcome("r1", RUN, "partial", 3, FAILED, checkpoints=(0, 1)),
    "incomplete": Outcome("r1", RUN, "rollback-incomplete", 4, FAILED, (LEFT, AFTER_UNDO_LEFT)),
    "rollback": Outcome("r1", RUN, "rolled-back", 0),
    "rollback-incomplete": Outcome("r1", RUN, "rollback-incomplete", 4, None, (LEFT,)),
}

SENTENCES = {
    "applied": "Every stage is applied (run r1).",
    "rolled-back": "Apply failed (exit 1); everything it changed was rolled back.",
    "partial": "Apply failed (exit 1); the failed stage was rolled back and 2 earlier "
    "checkpoint(s) kept.",
    "incomplete": "Apply failed (exit 1) and the rollback could not finish.",
    "rollback": "Run r1 is rolled back: everything it changed is as it was.",
    "rollback-incomplete": "The rollback could not finish.",
}


@pytest.mark.parametrize("name", OUTCOMES)
def test_each_ending_has_its_sentence(name: str) -> None:
    assert summarize_outcome(OUTCOMES[name]).sentence == SENTENCES[name]


def test_what_is_left_lists_each_leftover_and_the_commands_to_finish() -> None:
    said = summarize_outcome(OUTCOMES["incomplete"])
    assert said.leftover_lines() == [
        "Left in place:",
        "  - step 4: write /etc/x: denied",
        "  - stage 1: after undoing stage 1: exit 1",
        "Finish by hand with:",
        "    rm -f /etc/x",
        "    ifup eth0",
    ]
    assert summarize_outcome(OUTCOMES["partial"]).leftover_lines() == []


@pytest.mark.parametrize("name", OUTCOMES)
def test_the_cli_and_the_tui_say_the_same(name: str) -> None:
    outcome = OUTCOMES[name]
    said = summarize_outcome(outcome)
    out, err = outcome_report(outcome, "virtnet-wizard rollback r1")
    assert said.what in out + err
    assert all(line in err for line in said.leftover_lines())
    finished = _finished(outcome)
    assert finished.exit_code == outcome.exit_code
    assert finished.summary == said.text
    assert finished.summary.startswith(SENTENCES[name])


def test_the_cli_report_keeps_its_framing() -> None:
    out, err = outcome_report(OUTCOMES["applied"], "virtnet-wizard rollback r1")
    assert (out, err) == (
        "\nDone: every stage is applied (run r1).\nTo undo it: virtnet-wizard rollback r1\n",
        "",
    )
    out, err = outcome_report(OUTCOMES["rolled-back"], "hint")
    assert out == ""
    assert err == (
        "virtnet-wizard: apply failed (exit 1); everything it changed was rolled back.\n"
        f"Journal: {RUN / 'journal.jsonl'}\n"
    )
    _, err = outcome_report(OUTCOMES["partial"], "hint")
    assert err == (
        "virtnet-wizard: apply failed (exit 1); the failed stage was rolled back and 2 "
        "earlier checkpoint(s) kept. To undo them: hint\n"
    )
    _, err = outcome_report(OUTCOMES["incomplete"], "hint")
    assert err.startswith("virtnet-wizard: apply failed (exit 1) and the rollback could not")
    assert err.endswith(f"    ifup eth0\nJournal: {RUN / 'journal.jsonl'}\n")
