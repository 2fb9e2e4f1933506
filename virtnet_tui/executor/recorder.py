"""Writes events to a run's journal, folds them into the run's state and tells a listener."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from virtnet_tui.executor.journal import RunDir
from virtnet_tui.executor.replay import RunState

Listener = Callable[[dict[str, Any]], None]


class Recorder:
    """The one way events are written: journal first (fsynced), then state, then listener."""

    def __init__(self, run: RunDir, listener: Listener | None = None, by: str = "") -> None:
        self.run = run
        self.state: RunState = run.state()
        self.listener = listener
        self.by = by
        """Who writes (``guard``), when it is not the wizard itself."""

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        if self.by:
            fields.setdefault("by", self.by)
        record = self.run.append(event, **fields)
        self.state.apply(record)
        if self.listener is not None:
            try:
                self.listener(record)
            except Exception as exc:  # a broken display must not stop an apply or an undo
                sys.stderr.write(f"virtnet-wizard: event display failed: {exc!r}\n")
        return record
