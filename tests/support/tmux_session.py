"""A terminal for tests: a private tmux server that runs one program, read with capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Environment variables a terminal session passes on; the rest of the test's are left out.
_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV")


class Terminal:
    """One tmux session on its own server socket, so tests never touch a user's tmux."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def screen(self, history: bool = False) -> str:
        """The visible screen; with ``history``, everything printed so far, lines joined."""
        if history:
            return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "main")
        return self.tmux("capture-pane", "-p", "-t", "main")

    def keys(self, *keys: str) -> None:
        """Send keys one at a time, as a person types them."""
        for key in keys:
            self.tmux("send-keys", "-t", "main", key)
            time.sleep(0.05)

    def text(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)

    def wait_for(self, text: str, timeout: float = 20.0, history: bool = False) -> str:
        """Poll the screen until ``text`` shows; returns the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(history)
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not show within {timeout:g} s; the screen:\n{screen}")

    def wait_exit(self, timeout: float = 20.0) -> int:
        """Wait for the program to end (the pane stays, dead); returns its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead, _, status = (
                self.tmux("list-panes", "-t", "main", "-F", "#{pane_dead} #{pane_dead_status}")
                .strip()
                .partition(" ")
            )
            if dead == "1":
                return int(status or "0")
            time.sleep(0.1)
        raise AssertionError(f"the program still runs after {timeout:g} s:\n{self.screen()}")

    def wait_gone(self, text: str, timeout: float = 20.0) -> str:
        """Poll the screen until ``text`` no longer shows; returns the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} still shows after {timeout:g} s; the screen:\n{screen}")


@contextmanager
def terminal(
    argv: list[str],
    *,
    cwd: Path,
    width: int = 80,
    height: int = 24,
    env: Mapping[str, str] | None = None,
) -> Iterator[Terminal]:
    """Run ``argv`` in a fresh tmux server; the server is killed afterwards, always."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    term = Terminal(f"virtnet-test-{uuid.uuid4().hex[:12]}")
    environment = {k: os.environ[k] for k in _KEEP if k in os.environ}
    environment.update(env or {"TERM": "xterm-256color"})
    command = "cd {} && exec env -i {} {}".format(
        shlex.quote(str(cwd)),
        " ".join(shlex.quote(f"{k}={v}") for k, v in environment.items()),
        shlex.join(argv),
    )
    # One invocation: the options must be set before the session's pane exists.
    term.tmux(
        "-f", "/dev/null", "start-server", ";",
        "set-option", "-g", "history-limit", "100000", ";",
        "set-option", "-g", "remain-on-exit", "on", ";",
        "new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), command,
    )  # fmt: skip
    try:
        yield term
    finally:
        subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True)
