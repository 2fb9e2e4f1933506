"""What a screen may ask of the app: the host, the answers, and the moves between steps.

Screens reach the app through this protocol, not through ``WizardApp``: the app
imports the first screen, so a screen importing the app would close an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from virtnet_tui.core.plan import Plan
    from virtnet_tui.executor.progress import EventSource
    from virtnet_tui.hosts.base import Host
    from virtnet_tui.probe.model import ProbeResult
    from virtnet_tui.wizard.form import WizardForm


@runtime_checkable
class WizardFlow(Protocol):
    """The full-screen wizard as its screens see it (``WizardApp`` is the one there is)."""

    @property
    def host(self) -> Host:
        """Where files are read and, on apply, written."""

    @property
    def form(self) -> WizardForm:
        """The operator's answers so far."""

    @property
    def probed(self) -> bool:
        """The probe is done (its facts are in the form)."""

    @property
    def probe_result(self) -> ProbeResult | None:
        """What the probe found; None when facts were given or the probe failed."""

    @property
    def apply_source(self) -> Callable[[Plan, Host], EventSource] | None:
        """Starts an apply run; None when apply is not offered."""

    def go_back(self) -> None:
        """Back one screen; the form keeps every answer."""

    def show_situation(self) -> None: ...

    def show_recommendation(self) -> None: ...

    def show_parameters(self) -> None: ...

    def show_preview(self) -> None: ...

    def show_apply(self) -> None: ...

    def resume_run(self, run_id: str) -> None:
        """Continue an interrupted run on the apply screen."""

    def start_over(self) -> None:
        """After a run: back to Welcome with the host probed again (the re-run menu opens
        over it when the wizard manages networks there)."""
