"""Runs one command as a child process and reports it as a CommandResult."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from virtnet_tui.hosts.base import CommandResult


def run_process(
    argv: Sequence[str], real: Sequence[str], *, input: str | None, timeout: float
) -> CommandResult:
    """Run ``real`` (never through a shell) and report it as ``argv``, the command asked
    for; a missing program is exit 127, a command that outlives ``timeout`` exit 124.

    The command runs detached from the operator's terminal, in a session of its own with
    no terminal input, as the guard does: an `nmcli connection up` or `ifup` that cuts
    the SSH session it was typed in gets no SIGHUP (nor a stray Ctrl-C) half-way through
    its change, and finishes it; the guard and NetworkManager's checkpoint then decide
    whether it stays.
    """
    try:
        proc = subprocess.run(
            list(real),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        return CommandResult(tuple(argv), 127, "", f"{real[0]}: {exc.strerror}")
    except subprocess.TimeoutExpired:
        return CommandResult(tuple(argv), 124, "", f"timed out after {timeout:g} s")
    return CommandResult(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
