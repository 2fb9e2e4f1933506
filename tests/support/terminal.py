"""The wizard on a pseudo-terminal, as an operator over SSH sees it: expect, type, finish."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time


class Terminal:
    """``virtnet-wizard ARGV`` running on a pseudo-terminal (stdin, stdout and stderr)."""

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

    def kill(self) -> int:
        """SIGKILL the wizard, as a dropped SSH session or the OOM killer would; its exit code."""
        self.proc.kill()
        code = self.proc.wait(timeout=30)
        os.close(self.fd)
        return code
