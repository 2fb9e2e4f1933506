"""Re-run: move a VM's interface (keeping its MAC) to a managed network, or add one.

The check and the plan are ``changes.attach.plan_attach``'s (as ``virtnet-wizard
attach``); the change is applied as its own journaled run by ``rerun.run_change``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.wizard.labels import error_lines, screen_words

if TYPE_CHECKING:
    from virtnet_tui.core.changes.attach import AttachRequest, DomainInfo
    from virtnet_tui.core.changes.common import PlannedChange
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.executor.apply import Outcome

#: (domain, MAC of the interface to move; "" adds a new interface)
Choice = tuple[str, str]

#: What the screen calls the options an attach refusal names.
ATTACH_OPTIONS = {"--domain": "VM", "--mac": "VM interface", "--network": "Network"}


class AttachVmScreen(WizardScreen):
    """Pick a VM's interface (or a new one) and a network; the plan shows before Attach."""

    HEADING = "Re-run · Attach a VM"
    NEXT_LABEL = "Attach"

    def __init__(self, networks: tuple[str, ...]) -> None:
        super().__init__()
        self.networks = networks
        self.state: State | None = None
        self.domains: tuple[DomainInfo, ...] = ()
        self.choices: list[Choice] = []
        self.planned: PlannedChange | None = None
        self.request: AttachRequest | None = None

    DEFAULT_CSS = """
    #attach-ifaces { height: auto; max-height: 10; }
    #attach-networks { height: auto; max-height: 6; }
    #attach-errors { color: $error; text-style: bold; }
    #attach-result { text-style: bold; }
    """

    def compose_body(self) -> ComposeResult:
        yield self.title_bar()
        with VerticalScroll(id="body"):
            yield Label("VM interface (up/down; Tab to the networks):", classes="section")
            yield OptionList(id="attach-ifaces")
            yield Label("Network:", classes="section")
            yield OptionList(*(Option(n, id=n) for n in self.networks), id="attach-networks")
            yield Static("", id="attach-result", markup=False)
            yield Static("Reading the VMs…", id="attach-errors", markup=False)
            yield Static("", id="attach-plan", markup=False)

    def on_mount(self) -> None:
        self.set_next_enabled(False)
        networks = self.query_one("#attach-networks", OptionList)
        if self.networks:
            networks.highlighted = 0
        self.query_one("#attach-ifaces", OptionList).focus()
        self._read()

    @work(thread=True, exclusive=True, group="attach-read")
    def _read(self) -> None:
        from virtnet_tui.managed.rerun import list_domains
        from virtnet_tui.managed.state import load_state

        host = self.wizard.host
        try:
            state, domains = load_state(host), list_domains(host)
        except Exception as exc:  # libvirt unreachable: said on the screen, nothing changes
            self.app.call_from_thread(self._problem, f"libvirt cannot be reached: {exc}")
            return
        self.app.call_from_thread(self._show, state, domains)

    def _problem(self, text: str) -> None:
        if self.is_mounted:
            self.query_one("#attach-errors", Static).update(text)

    def _show(self, state: State, domains: tuple[DomainInfo, ...]) -> None:
        if not self.is_mounted:
            return
        self.state, self.domains = state, domains
        self.choices = []
        options = []
        for dom in domains:
            running = "running" if dom.active else "shut off"
            for iface in dom.interfaces:
                self.choices.append((dom.name, iface.mac))
                options.append(Option(f"{dom.name} ({running}): {iface.describe()}"))
            self.choices.append((dom.name, ""))
            options.append(Option(f"{dom.name} ({running}): add a new interface"))
        ifaces = self.query_one("#attach-ifaces", OptionList)
        ifaces.clear_options()
        ifaces.add_options(options)
        if options:
            ifaces.highlighted = 0
        else:
            self._problem("libvirt has no VMs here.")
        self.recheck()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.recheck()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_next()

    def recheck(self) -> None:
        """Plan the attach as chosen: the same checks as ``attach`` on the command line."""
        from virtnet_tui.core.changes.attach import AttachRequest, plan_attach
        from virtnet_tui.core.errors import AnswersError

        if self.state is None or self.busy:
            return
        iface = self.query_one("#attach-ifaces", OptionList).highlighted
        net = self.query_one("#attach-networks", OptionList).highlighted
        self.planned = None
        if iface is None or net is None or iface >= len(self.choices):
            self.set_next_enabled(False)
            return
        domain, mac = self.choices[iface]
        request = AttachRequest(domain=domain, network=self.networks[net], mac=mac)
        self.request = request
        try:
            self.planned = plan_attach(self.state, request, self.domains)
        except AnswersError as exc:
            self._problem("\n".join(error_lines(exc.errors, options=ATTACH_OPTIONS)))
            self.query_one("#attach-plan", Static).update("")
        else:
            self._problem("")
            self.query_one("#attach-plan", Static).update(
                "\n".join([f"{self.planned.summary}.", *self.planned.after])
            )
        self.set_next_enabled(self.planned is not None)

    def go_next(self) -> None:
        if self.planned is None or self.busy:
            return
        self.busy = True
        self.set_next_enabled(False)
        self._apply_attach(self.planned)

    @work(thread=True, exclusive=True, group="attach")
    def _apply_attach(self, planned: PlannedChange) -> None:
        from virtnet_tui.core.errors import AnswersError
        from virtnet_tui.executor.apply import Refused
        from virtnet_tui.managed.rerun import prepare_attach, run_request

        # Planned again under the run lock, from the VMs and state as they are then.
        assert self.request is not None, "an attach is planned only from a request"
        try:
            planned, outcome = run_request(self.wizard.host, prepare_attach, self.request)
        except AnswersError as exc:
            why = "; ".join(error_lines(exc.errors, options=ATTACH_OPTIONS))
            self.app.call_from_thread(self._done, planned, None, why)
            return
        except Refused as exc:
            self.app.call_from_thread(
                self._done, planned, None, screen_words(str(exc), options=ATTACH_OPTIONS)
            )
            return
        self.app.call_from_thread(self._done, planned, outcome, "")

    def _done(self, planned: PlannedChange, outcome: Outcome | None, refused: str) -> None:
        self.busy = False
        if not self.is_mounted:
            return
        if outcome is None:
            text = f"Refused; nothing was changed: {refused}"
        elif outcome.status == "applied":
            text = "\n".join([f"{planned.summary}: done (run {outcome.run_id}).", *planned.after])
        else:
            from virtnet_tui.executor.outcome_summary import summarize_outcome

            text = summarize_outcome(outcome).text
        self.query_one("#attach-result", Static).update(text)
        self._read()  # the VMs as they are now
