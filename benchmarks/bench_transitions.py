"""Benchmark: how long each screen change of `virtnet-wizard --sandbox DIR` takes in a terminal.

The wizard runs in a tmux session of 80x24, as an operator over SSH would see it. Once
Welcome shows what the probe found, the benchmark waits ``--read`` seconds (an operator
reads the screen before pressing a key), then for each transition sends its key and stops
the clock when the next screen's title comes out of the terminal: the bytes that an SSH
session would carry, which tmux copies to a file (``pipe-pane``). Polling `tmux
capture-pane` instead (``--poll``, as benchmarks/bench_first_frame.py does) costs a
process per look, and on a small machine those slow down the very screen change being
timed. The target (issue 17) is a median under 0.1 s for every transition.

Back is Escape. A lone ESC byte may start an escape sequence, so Textual's driver holds it
until its next poll, up to 100 ms later, whatever the screen; the benchmark sends Escape
as a terminal with the kitty keyboard protocol does (CSI 27 u), which needs no wait, so
that the figures are the wizard's own work.
Run: .venv/bin/python benchmarks/bench_transitions.py [--runs N]
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

WIZARD = Path(sys.executable).with_name("virtnet-wizard")
#: Welcome shows this once the probe has run: the wizard is ready for the first key.
PROBED = "libvirt networks already defined"
#: The demo host is a dedicated server: its routed network needs the provider's block,
#: typed on Parameters (Tab twice from the name to the IPv4 subnet) before Next.
ROUTED_BLOCK = "198.51.100.1/28"
#: Escape, unambiguous (see above).
ESCAPE = "\x1b[27u"
#: (name, key to send, text of the screen it leads to), in the order the operator goes.
TRANSITIONS = (
    ("Welcome -> Situation", "C-n", "Step 2 of 6"),
    ("Situation -> Recommendation", "C-n", "Step 3 of 6"),
    ("Recommendation -> Parameters", "C-n", "Step 4 of 6"),
    ("Parameters -> Preview", "C-n", "Step 5 of 6"),
    ("Preview -> Parameters (Back)", ESCAPE, "Step 4 of 6"),
    ("Parameters -> Recommendation (Back)", ESCAPE, "Step 3 of 6"),
    ("Recommendation -> Situation (Back)", ESCAPE, "Step 2 of 6"),
    ("Situation -> Welcome (Back)", ESCAPE, "Step 1 of 6"),
)


#: Runs the wizard from another folder's package: that folder first on the path, before
#: the current directory and this checkout's editable install.
BASELINE = (
    "import sys; sys.path.insert(0, {!r}); from virtnet_tui.cli.main import main; sys.exit(main())"
)


class Tmux(TmuxServer):
    """The private tmux server, with what this benchmark does in it."""

    def start(self, argv: list[str], output: Path) -> None:
        """Run ``argv`` in a session of 80x24; what it writes is copied to ``output``."""
        command = "exec env TERM=xterm-256color " + shlex.join(argv)
        self("new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", command, check=True)
        self("pipe-pane", "-t", "bench", "-o", f"cat >> {shlex.quote(str(output))}", check=True)
        self.output = output

    def wait_for(self, text: str, start: float, timeout: float = 30.0) -> float:
        """Seconds from ``start`` until ``text`` is on the screen."""
        while time.perf_counter() - start < timeout:
            if text in self("capture-pane", "-p", "-t", "bench"):
                return time.perf_counter() - start
            time.sleep(0.002)
        screen = self("capture-pane", "-p", "-t", "bench")
        raise RuntimeError(f"{text!r} did not show within {timeout:g} s:\n{screen}")

    def wait_gone(self, text: str, start: float, timeout: float = 30.0) -> None:
        """Wait until ``text`` is no longer on the screen (Next waits for a valid form)."""
        while time.perf_counter() - start < timeout:
            if text not in self("capture-pane", "-p", "-t", "bench"):
                return
            time.sleep(0.01)
        screen = self("capture-pane", "-p", "-t", "bench")
        raise RuntimeError(f"{text!r} still shows after {timeout:g} s:\n{screen}")

    def written(self, text: str, offset: int, start: float, timeout: float = 30.0) -> float:
        """Seconds from ``start`` until the program writes ``text`` after ``offset`` bytes."""
        wanted = text.encode()
        with self.output.open("rb") as stream:
            stream.seek(offset)
            seen = b""
            while time.perf_counter() - start < timeout:
                seen += stream.read()
                if wanted in seen:
                    return time.perf_counter() - start
                time.sleep(0.001)
        raise RuntimeError(f"{text!r} was not written within {timeout:g} s")

    def press(self, key: str, text: str, poll: bool = False) -> float:
        """Send ``key``; seconds until ``text`` is written (``poll``: until it shows)."""
        literal = ["-l"] if key.startswith("\x1b") else []
        offset = self.output.stat().st_size
        start = time.perf_counter()
        self("send-keys", "-t", "bench", *literal, key, check=True)
        if poll:
            return self.wait_for(text, start)
        return self.written(text, offset, start)


def one_run(
    tmux: Tmux, wizard: list[str], sandbox: Path, read: float, poll: bool
) -> dict[str, float]:
    """Every transition's seconds in one session of the wizard."""
    tmux.start([*wizard, "--sandbox", str(sandbox)], sandbox.with_suffix(".out"))
    try:
        tmux.wait_for(PROBED, time.perf_counter())
        time.sleep(read)
        times = {}
        for name, key, text in TRANSITIONS:
            if name == "Parameters -> Preview":
                for _ in range(2):
                    tmux("send-keys", "-t", "bench", "Tab", check=True)
                    time.sleep(0.2)
                tmux("send-keys", "-t", "bench", "-l", ROUTED_BLOCK, check=True)
                tmux.wait_for(ROUTED_BLOCK, time.perf_counter())
                tmux.wait_gone("✗", time.perf_counter())
                time.sleep(read)
            times[name] = tmux.press(key, text, poll)
            time.sleep(read)
        return times
    finally:
        tmux("kill-session", "-t", "bench")


Times = dict[str, list[float]]


def measure(wizards: list[list[str]], runs: int, read: float, poll: bool) -> list[Times]:
    """Each transition's seconds over ``runs`` sessions of each wizard, taken in turns (so
    that a busy machine slows them alike), after one round that warms the caches."""
    tmux = Tmux()
    times: list[Times] = [{name: [] for name, _, _ in TRANSITIONS} for _ in wizards]
    with tempfile.TemporaryDirectory(prefix="virtnet-bench-") as folder:
        try:
            for n in range(runs + 1):
                for which, wizard in enumerate(wizards):
                    sandbox = Path(folder) / f"sandbox{n}-{which}"
                    run = one_run(tmux, wizard, sandbox, read, poll)
                    if n:
                        for name, seconds in run.items():
                            times[which][name].append(seconds)
        finally:
            tmux.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--read", type=float, default=1.0, help="seconds spent on each screen")
    parser.add_argument("--max", type=float, default=0.1, help="target median, in seconds")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="a folder holding another version's virtnet_tui package, measured in turns "
        "with this one (git archive REV virtnet_tui | tar -x -C DIR)",
    )
    parser.add_argument(
        "--poll", action="store_true", help="time until `tmux capture-pane` shows the screen"
    )
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    wizards = [[str(WIZARD)]]
    if args.baseline:
        wizards.insert(0, [sys.executable, "-c", BASELINE.format(str(args.baseline.resolve()))])
    measured = measure(wizards, args.runs, args.read, args.poll)
    heading = "baseline   this wizard" if args.baseline else "this wizard"
    print(f"{'transition (median, ms)':<38} {heading}")
    slow = 0
    for name, _, _ in TRANSITIONS:
        medians = [statistics.median(times[name]) for times in measured]
        slow += medians[-1] >= args.max
        mark = "" if medians[-1] < args.max else "  (over target)"
        cells = "".join(f"{m * 1000:8.1f}   " for m in medians)
        print(f"{name:<38} {cells}{mark}")
    print(f"median of {args.runs} runs; target < {args.max * 1000:.0f} ms for each")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
