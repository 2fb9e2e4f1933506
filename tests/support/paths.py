"""Where the tests find the repository's files, wherever a test module lives."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
EXAMPLES = REPO / "virtnet_tui" / "examples"
GOLDEN_DIR = TESTS / "golden"
DATA = TESTS / "data"
