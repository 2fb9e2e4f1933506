"""Golden-file comparison: the bytes are the contract; UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import difflib
import os
import warnings

from support.paths import GOLDEN_DIR


class GoldenRewritten(UserWarning):
    """A golden file was rewritten; the message is its diff, to be read before committing."""


def golden_diff(name: str, old: str, new: str) -> str:
    """The unified diff of a golden file's old and new text."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/tests/golden/{name}",
            tofile=f"b/tests/golden/{name}",
        )
    )


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``; rewrite the file when UPDATE_GOLDEN=1.

    A rewrite that changes the file is reported as a ``GoldenRewritten`` warning carrying
    the diff, which pytest lists at the end of the run (from every xdist worker too).
    """
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        old = path.read_text() if path.exists() else ""
        if old != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            warnings.warn(GoldenRewritten(golden_diff(name, old, text)), stacklevel=2)
        return
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text()
    assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)"
