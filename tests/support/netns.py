"""Throw-away network namespaces for tests that run real bridges, iptables and daemons."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import pytest


@cache
def netns_unavailable() -> str:
    """Why namespaces cannot be used here ("" when they can)."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    if shutil.which("ip") is None:
        return "needs iproute2 (ip)"
    name = f"vnwprobe-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)
    return ""


@dataclass(frozen=True)
class Netns:
    """A network namespace that exists for the length of a ``with`` block."""

    name: str

    def argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` as run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def run(
        self, *argv: str, check: bool = True, input: str | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run one command inside the namespace; by default a failure raises, with its stderr."""
        proc = subprocess.run(
            self.argv(argv), capture_output=True, text=True, input=input, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited {proc.returncode} in {self.name}:\n"
                f"{proc.stdout}{proc.stderr}"
            )
        return proc

    def popen(self, *argv: str) -> subprocess.Popen[str]:
        """Start a long-running command inside the namespace (stdout and stderr merged)."""
        return subprocess.Popen(
            self.argv(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def add_bridge(self, bridge: str, *addresses: str) -> None:
        """Create ``bridge`` inside the namespace, give it ``addresses`` and bring it up."""
        self.run("ip", "link", "add", bridge, "type", "bridge")
        for addr in addresses:
            extra = ["nodad"] if ":" in addr else []
            self.run("ip", "address", "add", addr, "dev", bridge, *extra)
        self.run("ip", "link", "set", bridge, "up")


def read_until(proc: subprocess.Popen[str], needle: str, seconds: float) -> str:
    """The output of a ``Netns.popen`` process up to ``needle`` (or its exit, or the timeout)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()  # raw reads: a buffered readline would hide data from select
    out = b""
    deadline = time.monotonic() + seconds
    while needle.encode() not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
    return out.decode(errors="replace")


def stop(proc: subprocess.Popen[str]) -> str:
    """Terminate a ``Netns.popen`` process (kill it if it lingers); the rest of its output."""
    proc.terminate()
    try:
        rest, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
    return rest or ""


@contextmanager
def netns(prefix: str = "vnwtest") -> Iterator[Netns]:
    """A new, uniquely named namespace with loopback up; always deleted afterwards.

    Deleting the namespace takes its links, addresses, routes and firewall rules with it.
    """
    name = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        ns = Netns(name)
        ns.run("ip", "link", "set", "lo", "up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


@pytest.fixture
def ns() -> Iterator[Netns]:
    """A fresh namespace for one test; skips the test where namespaces cannot be made."""
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    with netns() as made:
        yield made
