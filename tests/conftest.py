"""Shared pytest setup: the throw-away namespace fixture for tests that run real programs."""

from __future__ import annotations

from support.netns import ns  # noqa: F401
