"""Benchmark: `virtnet-wizard recommend` against a bare `python -c "import netaddr"`.

The target (issue 1) is a ratio under 4. Run: .venv/bin/python benchmarks/bench_recommend.py
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "virtnet_tui" / "examples" / "multi-example1.toml"


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    baseline = [py, "-c", "import netaddr"]
    commands = {
        "recommend": [py, "-m", "virtnet_tui.cli.main", "recommend", "--answers", str(EXAMPLE)],
        "recommend --json": [
            py,
            "-m",
            "virtnet_tui.cli.main",
            "recommend",
            "--answers",
            str(EXAMPLE),
            "--json",
        ],
        "plan --json": [
            py,
            "-m",
            "virtnet_tui.cli.main",
            "plan",
            "--answers",
            str(EXAMPLE),
            "--json",
        ],
    }
    median_seconds(baseline, 2)  # warm the page cache
    base = median_seconds(baseline, args.runs)
    print(f"python -c 'import netaddr': {base * 1000:7.1f} ms (median of {args.runs})")
    worst = 0.0
    for name, argv in commands.items():
        took = median_seconds(argv, args.runs)
        ratio = took / base
        if name.startswith("recommend"):
            worst = max(worst, ratio)
        print(f"{name:26s}: {took * 1000:7.1f} ms  = {ratio:4.2f}x")
    print(f"recommend target: < 4x; measured {worst:.2f}x -> {'OK' if worst < 4 else 'TOO SLOW'}")
    return 0 if worst < 4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
