"""apply on a terminal without --yes: the questions, the fresh keypress, keeping checkpoints."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from support.apply_sandbox import cli_process, diff, journal, prime, run_ids, snapshot
from support.paths import EXAMPLES


class Terminal:
    """The wizard running on a pseudo-terminal, as an operator over SSH sees it."""

    def __init__(self, *argv: str) -> None:
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "VIRTNET_FAULT"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "virtnet_tui.cli.main", *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.seen = ""

    def expect(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} in:\n{self.seen}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    assert text in self.seen, f"exited without {text!r}:\n{self.seen}"
                self.seen += chunk.decode(errors="replace").replace("\r\n", "\n")
        return self.seen

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def finish(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:
                    break
        code = self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.fd)
        return code


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
