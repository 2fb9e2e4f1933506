"""Benchmark: the real-VM tests, for their boot-to-lease times and what they add to the suite.

Runs ``pytest tests/e2e/test_vm_*.py`` (real libvirt guests under TCG, see
docs/testing.md) several times, as ``scripts/test`` does (one pytest-xdist worker per
core), and reports per network type the median seconds from domain start to the guest's
first DHCP lease, and the median wall time of the whole set. The targets (issue 11):
leases on every network type, and at most 3 minutes added to ``scripts/test``.

Needs root (network namespaces). Run: .venv/bin/python benchmarks/bench_guests.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = ROOT / ".venv" / "bin" / "pytest"
PROPERTY = "boot_to_lease["


def one_run(workers: str) -> tuple[float, dict[str, list[float]]]:
    """Wall seconds of one run of the set, and the boot-to-lease seconds it reported."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        tests = sorted(str(p) for p in (ROOT / "tests" / "e2e").glob("test_vm_*.py"))
        argv = [str(PYTEST), "-q", "-n", workers, f"--junitxml={report}", *tests]
        start = time.monotonic()
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        took = time.monotonic() - start
        if proc.returncode != 0:
            sys.exit(f"the real-VM tests failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
        times: dict[str, list[float]] = {}
        for prop in ET.parse(report).iter("property"):
            name = prop.get("name", "")
            if name.startswith(PROPERTY):
                times.setdefault(name[len(PROPERTY) : -1], []).append(float(prop.get("value", 0)))
    return took, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="auto", help="pytest-xdist workers (-n)")
    args = parser.parse_args()
    walls: list[float] = []
    leases: dict[str, list[float]] = {}
    for i in range(args.runs):
        took, times = one_run(args.workers)
        walls.append(took)
        for network, seconds in times.items():
            leases.setdefault(network, []).extend(seconds)
        print(f"run {i + 1}: {took:.1f} s", flush=True)
    print(f"\nthe real-VM set, median of {args.runs}: {statistics.median(walls):.1f} s wall")
    print("seconds from domain start to the first DHCP lease (median, min-max):")
    for network, seconds in sorted(leases.items()):
        print(
            f"  {network:>14}: {statistics.median(seconds):.1f}"
            f"  ({min(seconds):.1f}-{max(seconds):.1f}, {len(seconds)} boots)"
        )


if __name__ == "__main__":
    main()
