"""Sandboxes with one custom-nat run, applied or interrupted, for tests that damage its records."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from support.apply_sandbox import cli_process, copy_tree, prime
from support.paths import EXAMPLES
from virtnet_tui.executor.journal import LOCK_PATH, RUNS_DIR


def applied_and_interrupted(folder: Path) -> dict[str, Path]:
    """Two primed sandboxes under ``folder``: ``applied`` holds one applied custom-nat run,
    ``interrupted`` the same run without its last event (as if killed after its last
    checkpoint)."""
    applied = folder / "applied"
    prime(applied)
    answers = str(EXAMPLES / "custom-nat.toml")
    rc, out, err = cli_process("apply", "--answers", answers, "--root", str(applied), "--yes")
    assert rc == 0, out + err
    interrupted = folder / "interrupted"
    copy_tree(applied, interrupted)
    [journal] = (interrupted / RUNS_DIR.lstrip("/")).glob("*/journal.jsonl")
    lines = journal.read_text().splitlines(keepends=True)
    assert json.loads(lines[-1])["event"] == "run-done"
    journal.write_text("".join(lines[:-1]))
    return {"applied": applied, "interrupted": interrupted}


def tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every path under ``root``, the wizard's records included: mode, owner and digest.

    The lock file is left out (taking the lock writes the taker's pid in it), and so
    is what a FIFO holds (reading one would wait for a writer).
    """
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if rel == LOCK_PATH.lstrip("/"):
                continue
            st = path.lstat()
            digest = ""
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                digest = os.readlink(path)
            out[rel] = (st.st_mode, st.st_uid, digest)
    return out
