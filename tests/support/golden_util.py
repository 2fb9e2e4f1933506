"""Golden-file comparison: the bytes are the contract; UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os

from support.paths import GOLDEN_DIR


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``; rewrite the file when UPDATE_GOLDEN=1."""
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text()
    assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)"
