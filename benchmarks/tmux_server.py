"""A private tmux server for the terminal benchmarks, so they never touch the user's sessions."""

from __future__ import annotations

import subprocess
import uuid


class TmuxServer:
    """Runs tmux commands against a server of its own; ``close`` ends it."""

    def __init__(self) -> None:
        self.socket = f"virtnet-bench-{uuid.uuid4().hex[:10]}"
        # The server outlives each measured session: starting one is not what is measured.
        self("start-server", ";", "set-option", "-g", "exit-empty", "off")

    def __call__(self, *args: str, check: bool = False) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=check,
        ).stdout

    def close(self) -> None:
        self("kill-server")
