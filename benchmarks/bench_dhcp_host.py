"""Benchmark: `virtnet-wizard dhcp-host add` on a NAT network that already has 1,000 fixed leases.

Each add is a real CLI process against a sandbox (libvirt's test driver persisted
under the root): parse, read the state, read the live definition, plan, journal,
back up, ``net-update``, save, update the state. The target (issue 5) is a median
under 0.3 s per add, most of it process start.

Run: .venv/bin/python benchmarks/bench_dhcp_host.py [--adds N] [--present N] [--history]

``--history`` makes the leases already present by one run each (``--present`` runs
instead of one), which shows what a long run history costs every add.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import ipaddress
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIZARD = ROOT / ".venv" / "bin" / "virtnet-wizard"
TARGET = 0.3

ANSWERS = """\
[situation]
site = "homelab"
uplink = "ethernet"
public_ipv4 = 0
vms = 4
inbound = false

[host]
distro = "debian"
uplink_interface = "eth0"
ipv4 = "192.168.0.10/24"
gateway4 = "192.168.0.1"

[[network]]
type = "nat"
name = "bench"
bridge = "virbr7"
ipv4 = "10.7.0.1/16"
dhcp4 = ["10.7.200.1", "10.7.255.254"]
"""


def mac(n: int) -> str:
    return "52:54:00:" + ":".join(f"{b:02x}" for b in n.to_bytes(3, "big"))


def address(n: int) -> str:
    return str(ipaddress.ip_address("10.7.0.10") + n)


#: As an installed wizard runs: with its byte code cached (some shells set
#: PYTHONDONTWRITEBYTECODE, which would make every process compile the sources again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wizard(*argv: str) -> None:
    subprocess.run(
        [str(WIZARD), *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=ENV,
    )


def seed(root: Path, present: int, history: bool) -> None:
    answers = root.parent / "bench.toml"
    text = ANSWERS
    if not history:
        text += "".join(
            f'\n[[network.dhcp_host]]\nmac = "{mac(i)}"\nip = "{address(i)}"\n'
            for i in range(present)
        )
    answers.write_text(text)
    wizard("apply", "--answers", str(answers), "--root", str(root), "--yes")
    if history:
        # In-process: a thousand process starts would only slow the set-up down.
        from virtnet_tui.cli.main import main

        with contextlib.redirect_stdout(io.StringIO()):
            for i in range(present):
                argv = ["dhcp-host", "add", "--network", "bench", "--mac", mac(i)]
                assert main([*argv, "--ip", address(i), "--root", str(root)]) == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--present", type=int, default=1000, help="leases already there")
    parser.add_argument("--adds", type=int, default=20, help="adds to time")
    parser.add_argument("--history", action="store_true", help="one run per lease present")
    args = parser.parse_args()
    folder = Path(
        tempfile.mkdtemp(prefix="vnw-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
    )
    try:
        root = folder / "root"
        seed(root, args.present, args.history)
        base = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            base.append(time.perf_counter() - start)
        # One add first, untimed: it writes the byte code caches of a fresh checkout.
        warm = args.present + args.adds
        wizard(
            "dhcp-host",
            "add",
            "--network",
            "bench",
            "--mac",
            mac(warm),
            "--ip",
            address(warm),
            "--root",
            str(root),
        )
        times = []
        for i in range(args.present, args.present + args.adds):
            start = time.perf_counter()
            wizard(
                "dhcp-host",
                "add",
                "--network",
                "bench",
                "--mac",
                mac(i),
                "--ip",
                address(i),
                "--root",
                str(root),
            )
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        runs = "one run each" if args.history else "one run"
        print(f"leases present: {args.present} ({runs}); adds timed: {args.adds}")
        print(f"python -c pass:              {statistics.median(base) * 1000:7.1f} ms (median)")
        print(
            f"dhcp-host add (CLI process): {median * 1000:7.1f} ms median, "
            f"{min(times) * 1000:.1f} min, {max(times) * 1000:.1f} max"
        )
        print(f"target < {TARGET} s: {'OK' if median < TARGET else 'TOO SLOW'}")
        return 0 if median < TARGET else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
