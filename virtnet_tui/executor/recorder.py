"""Writes events to a run's journal, folds them into the run's state and tells a listener."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace

from virtnet_tui.executor.events import E, Event
from virtnet_tui.executor.journal import RunDir
from virtnet_tui.executor.replay import RunState

Listener = Callable[[Event], None]


class Recorder:
    """The one way events are written: journal first (fsynced), then state, then listener."""

    def __init__(self, run: RunDir, listener: Listener | None = None, by: str = "") -> None:
        self.run = run
        self.state: RunState = run.state()
        self.listener = listener
        self.by = by
        """Who writes (``guard``), when it is not the wizard itself."""

    def emit(self, event: E) -> E:
        """Journal ``event`` and return it as written (with its time, and ``by``)."""
        if self.by and not event.by:
            event = replace(event, by=self.by)
        written = self.run.append(event)
        self.state.apply(written)
        if self.listener is not None:
            try:
                self.listener(written)
            except Exception as exc:  # a broken display must not stop an apply or an undo
                sys.stderr.write(f"virtnet-wizard: event display failed: {exc!r}\n")
        return written
