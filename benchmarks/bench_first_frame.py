"""Benchmark: time to first frame of `virtnet-wizard --sandbox DIR` against a bare Textual app.

Both start in a tmux session of 80x24; the clock stops when `tmux capture-pane`
first shows the text of their first screen. The target (issue 2) is a ratio of at
most 1.3. Run: .venv/bin/python benchmarks/bench_first_frame.py [--runs N]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tmux_server import TmuxServer

BARE_APP = """\
from textual.app import App, ComposeResult
from textual.widgets import Static


class Hello(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello")


Hello().run()
"""
WIZARD = Path(sys.executable).with_name("virtnet-wizard")
#: What each program's first screen shows.
BARE_TEXT = "hello"
WIZARD_TEXT = "Step 1 of 6"


class Tmux(TmuxServer):
    """The private tmux server, with what this benchmark does in it."""

    def first_frame(self, argv: list[str], text: str, timeout: float = 30.0) -> float:
        """Seconds from starting ``argv`` until ``text`` is on the screen."""
        command = "exec env TERM=xterm-256color " + shlex.join(argv)
        start = time.perf_counter()
        self("new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", command, check=True)
        try:
            while time.perf_counter() - start < timeout:
                if text in self("capture-pane", "-p", "-t", "bench"):
                    return time.perf_counter() - start
                time.sleep(0.005)
            raise RuntimeError(f"{text!r} did not show within {timeout:g} s: {argv}")
        finally:
            self("kill-session", "-t", "bench")


def measure(runs: int) -> tuple[float, float]:
    """Median first-frame seconds of the bare app and of the wizard, run alternately."""
    tmux = Tmux()
    bare: list[float] = []
    wizard: list[float] = []
    with tempfile.TemporaryDirectory(prefix="virtnet-bench-") as folder:
        script = Path(folder) / "bare.py"
        script.write_text(BARE_APP)
        try:
            for n in range(runs + 1):
                sandbox = Path(folder) / f"sandbox{n}"
                b = tmux.first_frame([sys.executable, str(script)], BARE_TEXT)
                w = tmux.first_frame([str(WIZARD), "--sandbox", str(sandbox)], WIZARD_TEXT)
                if n:  # the first round only warms the page cache
                    bare.append(b)
                    wizard.append(w)
        finally:
            tmux.close()
    return statistics.median(bare), statistics.median(wizard)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--max-ratio", type=float, default=1.3)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    bare, wizard = measure(args.runs)
    ratio = wizard / bare
    print(f"bare Textual app:            {bare * 1000:7.1f} ms (median of {args.runs})")
    print(f"virtnet-wizard --sandbox:    {wizard * 1000:7.1f} ms (median of {args.runs})")
    print(f"ratio: {ratio:.2f} (target <= {args.max_ratio})")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    raise SystemExit(main())
