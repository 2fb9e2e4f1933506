"""Shared pytest setup: make the tests folder importable for its helpers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# The `ns` fixture: a throw-away network namespace for tests that run real programs.
from netns import ns  # noqa: F401
