"""apply on a terminal without --yes: the questions, the fresh keypress, keeping checkpoints."""

from __future__ import annotations

import time
from pathlib import Path

from support.apply_sandbox import cli_process, diff, journal, prime, run_ids, snapshot
from support.paths import EXAMPLES
from support.terminal import Terminal


def _apply(root: Path, *extra: str) -> Terminal:
    answers = str(EXAMPLES / "custom-nat.toml")
    return Terminal("apply", "--answers", answers, "--root", str(root), *extra)


def test_declining_the_plan_changes_nothing(tmp_path: Path) -> None:
    prime(tmp_path)
    before = snapshot(tmp_path)
    term = _apply(tmp_path)
    term.expect("Apply 5 stages? [y/N]")
    assert "Firewall rules for virbr10 (10 steps)  [risky: timed confirmation]" in term.seen
    term.type("\n")
    assert term.finish() == 0
    assert "Nothing was changed" in term.seen
    assert run_ids(tmp_path) == [] and diff(before, snapshot(tmp_path)) == []


def test_the_operator_confirms_the_risky_stage_with_enter(tmp_path: Path) -> None:
    prime(tmp_path)
    term = _apply(tmp_path)
    term.expect("Apply 5 stages? [y/N]")
    term.type("y\n")
    term.expect("if you can still see this")
    term.type("\n")
    assert term.finish() == 0, term.seen
    assert "Done: every stage is applied" in term.seen
    [confirmed] = [e for e in journal(tmp_path) if e["event"] == "confirmed"]
    assert confirmed["how"] == "operator"


def test_a_key_typed_ahead_does_not_confirm_and_earlier_checkpoints_can_be_kept(
    tmp_path: Path,
) -> None:
    prime(tmp_path)
    before = snapshot(tmp_path)
    term = _apply(tmp_path, "--confirm-timeout", "2")
    term.expect("Apply 5 stages? [y/N]")
    # The second Enter arrives before the risky stage asks: it must not count.
    term.type("y\n\n")
    term.expect("No answer: undoing the stage.", timeout=30)
    term.expect("Keep the 3 earlier checkpoint(s) in place? [y/N]")
    term.type("y\n")
    assert term.finish() == 3, term.seen
    events = journal(tmp_path)
    assert [e["event"] for e in events if e["event"].startswith("confirm")] == [
        "confirm-asked",
        "confirm-refused",
    ]
    assert events[-1]["event"] == "run-partial" and events[-1]["kept"] == [0, 1, 2]
    assert (tmp_path / "etc/sysctl.d/90-virtnet-wizard-forwarding.conf").exists()
    assert not (tmp_path / "etc/virtnet-wizard/firewall/virbr10.v4").exists()
    rc, out, _ = cli_process("status", "--root", str(tmp_path))
    assert "partial" in out and "3/5" in out
    rc, out, err = cli_process("rollback", "--root", str(tmp_path))
    assert rc == 0, out + err
    assert diff(before, snapshot(tmp_path)) == []


def test_answering_n_undoes_the_stage_at_once_and_everything_else_too(tmp_path: Path) -> None:
    prime(tmp_path)
    before = snapshot(tmp_path)
    term = _apply(tmp_path)
    term.expect("Apply 5 stages? [y/N]")
    term.type("y\n")
    term.expect("if you can still see this")
    started = time.monotonic()
    term.type("n\n")
    term.expect("Keep the 3 earlier checkpoint(s) in place? [y/N]")
    assert time.monotonic() - started < 10, "a no does not wait for the timeout"
    term.type("\n")
    assert term.finish() == 3, term.seen
    assert "everything it changed was rolled back" in term.seen
    assert diff(before, snapshot(tmp_path)) == []
