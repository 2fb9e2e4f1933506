"""Runs one command as a child process and reports it as a CommandResult."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from virtnet_tui.hosts.base import CommandResult


def run_process(
    argv: Sequence[str], real: Sequence[str], *, input: str | None, timeout: float
) -> CommandResult:
    """Run ``real`` (never through a shell) and report it as ``argv``, the command asked
    for; a missing program is exit 127, a command that outlives ``timeout`` exit 124."""
    try:
        proc = subprocess.run(
            list(real), input=input, capture_output=True, text=True, timeout=timeout
        )
    except FileNotFoundError as exc:
        return CommandResult(tuple(argv), 127, "", f"{real[0]}: {exc.strerror}")
    except subprocess.TimeoutExpired:
        return CommandResult(tuple(argv), 124, "", f"timed out after {timeout:g} s")
    return CommandResult(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
