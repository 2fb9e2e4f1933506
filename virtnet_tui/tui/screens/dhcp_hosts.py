"""Re-run: a managed network's fixed DHCP leases, and a form to add, change or delete one.

The screens only show and collect: the checks and the plan are ``changes.dhcp``'s
(the same as ``virtnet-wizard dhcp-host``), and the change is applied as its own
journaled run by ``rerun.run_change``, so ``rollback`` undoes it like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from virtnet_tui.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from virtnet_tui.core.changes.common import PlannedChange
    from virtnet_tui.core.changes.dhcp import LiveLeases
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.model import DhcpHost
    from virtnet_tui.executor.apply import Outcome

Action = Literal["add", "modify", "delete"]

#: The form's inputs, by the command-line option a refusal names.
FIELDS = (
    ("--mac", "mac", "MAC"),
    ("--id", "duid", "DUID"),
    ("--ip", "ip", "IP"),
    ("--name", "name", "Name"),
)


def describe_host(host: DhcpHost) -> str:
    who = host.mac or f"DUID {host.id}"
    return f"{who:<20} {host.ip}" + (f"  ({host.name})" if host.name else "")


class DhcpHostsScreen(WizardScreen):
    """Pick a managed network, see its fixed leases, and start an add, change or delete."""

    STEP = 1
    NEXT_LABEL = "Add a lease"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("m", "modify", "Change"),
        Binding("d", "delete", "Delete"),
    ]

    def __init__(self, networks: tuple[str, ...]) -> None:
        super().__init__()
        self.networks = networks
        self.state: State | None = None
        self.live: LiveLeases | None = None
        self.network = networks[0] if networks else ""

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("fixed DHCP leases")
        with VerticalScroll(id="body"):
            yield Label("Network (Tab to it, then up/down to pick another):", classes="section")
            yield OptionList(*(Option(name, id=name) for name in self.networks), id="dhcp-networks")
            yield Label("Fixed leases:", classes="section")
            yield Static("Reading the leases…", id="dhcp-problem", markup=False)
            yield OptionList(id="dhcp-leases")
            yield Static(
                "a adds a lease, m changes the highlighted one, d deletes it. "
                "Each change is its own run; Roll back a run (in the menu) undoes it.",
                id="dhcp-help",
                markup=False,
            )

    def on_mount(self) -> None:
        networks = self.query_one("#dhcp-networks", OptionList)
        if self.networks:
            networks.highlighted = self.networks.index(self.network)
        self.query_one("#dhcp-leases", OptionList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from the form: the leases may have changed."""
        if self.state is not None:
            self.reload()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "dhcp-networks" and event.option.id != self.network:
            self.network = str(event.option.id)
            self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "dhcp-leases":
            self.action_modify()

    def reload(self) -> None:
        self.live = None
        self.set_next_enabled(False)
        self._read(self.network)

    @work(thread=True, exclusive=True, group="dhcp-read")
    def _read(self, network: str) -> None:
        """The state and the network's live leases, off the UI thread (libvirt may be slow)."""
        from virtnet_tui.core.changes.common import managed_network
        from virtnet_tui.core.errors import AnswersError
        from virtnet_tui.managed.rerun import live_leases
        from virtnet_tui.managed.state import load_state

        host = self.wizard.host
        try:
            state = load_state(host)
            net = managed_network(state, network)
            if net.spec.type == "bridged":
                problem = (
                    f"{network} is bridged: its VMs get addresses from the LAN's DHCP server, "
                    "not from one the wizard runs."
                )
                self.app.call_from_thread(self._show, network, None, None, problem)
                return
            live = live_leases(host, net)
        except AnswersError as exc:
            self.app.call_from_thread(self._show, network, None, None, str(exc))
            return
        self.app.call_from_thread(self._show, network, state, live, "")

    def _show(
        self, network: str, state: State | None, live: LiveLeases | None, problem: str
    ) -> None:
        if network != self.network or not self.is_mounted:
            return
        self.state, self.live = state, live
        leases = self.query_one("#dhcp-leases", OptionList)
        leases.clear_options()
        text = problem
        if live is not None:
            leases.add_options(
                [Option(describe_host(h), id=str(i)) for i, h in enumerate(live.hosts)]
            )
            if live.hosts:
                leases.highlighted = 0
            count = len(live.hosts)
            text = f"{network}: {count} fixed lease{'s' if count != 1 else ''}" + (
                "" if live.active else " (the network is not running)"
            )
        self.query_one("#dhcp-problem", Static).update(text)
        self.set_next_enabled(live is not None)

    def _highlighted(self) -> DhcpHost | None:
        if self.live is None:
            return None
        index = self.query_one("#dhcp-leases", OptionList).highlighted
        return (
            self.live.hosts[index] if index is not None and index < len(self.live.hosts) else None
        )

    def _open(self, action: Action, current: DhcpHost | None) -> None:
        if self.state is None or self.live is None:
            return
        if action != "add" and current is None:
            self.notify("No lease is highlighted.", severity="warning")
            return
        self.app.push_screen(DhcpHostForm(action, self.network, self.state, self.live, current))

    def action_add(self) -> None:
        self._open("add", None)

    def action_modify(self) -> None:
        self._open("modify", self._highlighted())

    def action_delete(self) -> None:
        self._open("delete", self._highlighted())

    def go_next(self) -> None:
        self.action_add()


class DhcpHostForm(WizardScreen):
    """One lease to add, change or delete; checked on every key, saved as its own run."""

    STEP = 1
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next", "Save"),
        Binding("ctrl+s", "next", "Save", show=False),
    ]

    def __init__(
        self,
        action: Action,
        network: str,
        state: State,
        live: LiveLeases,
        current: DhcpHost | None = None,
    ) -> None:
        super().__init__()
        self.action = action
        self.network = network
        self.state = state
        self.live = live
        self.current = current
        self.planned: PlannedChange | None = None
        self.saving = False
        self.outcome: Outcome | None = None
        self.NEXT_LABEL = "Delete" if action == "delete" else "Save"

    @property
    def busy(self) -> bool:
        """A change is being applied: the app must not quit under it."""
        return self.saving

    def compose_body(self) -> ComposeResult:
        verb = {"add": "add", "modify": "change", "delete": "delete"}[self.action]
        yield self.title_bar(f"{verb} a fixed lease on {self.network}")
        current = self.current
        values = {
            "mac": current.mac if current else "",
            "duid": current.id if current else "",
            "ip": current.ip if current else "",
            "name": current.name if current else "",
        }
        with VerticalScroll(id="body"):
            yield Static(
                "A MAC reserves an IPv4 address; a DUID (DHCPv6 client id) an IPv6 one. "
                "Give one of them.",
                markup=False,
            )
            for _, key, label in FIELDS:
                # The MAC or DUID names the lease: it is not changed, only chosen, on a change.
                fixed = self.action != "add" and key in ("mac", "duid")
                if self.action == "delete" and key in ("ip", "name"):
                    fixed = True
                with Horizontal(classes="dhcp-row"):
                    yield Label(f"{label}:", classes="dhcp-label")
                    yield Input(values[key], id=f"dhcp-{key}", compact=True, disabled=fixed)
            yield Static("", id="dhcp-errors", markup=False)
            yield Label("What will be done:", classes="section")
            yield Static("", id="dhcp-plan", markup=False)

    DEFAULT_CSS = """
    .dhcp-row { height: 1; }
    .dhcp-label { width: 7; }
    #dhcp-errors { color: $error; text-style: bold; }
    """

    def on_mount(self) -> None:
        for field in self.query(Input).results(Input):
            if not field.disabled:
                field.focus()
                break
        else:
            self.call_after_refresh(self._focus_next)
        self.recheck()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.recheck()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    def _value(self, key: str) -> str:
        return self.query_one(f"#dhcp-{key}", Input).value.strip()

    def recheck(self) -> None:
        """Plan the change as typed: the same checks as ``dhcp-host`` on the command line."""
        from virtnet_tui.core.changes.dhcp import DhcpRequest, plan_dhcp_change
        from virtnet_tui.core.errors import AnswersError

        request = DhcpRequest(
            action=self.action,
            network=self.network,
            mac=self._value("mac"),
            id=self._value("duid"),
            ip=self._value("ip"),
            name=self._value("name"),
        )
        try:
            self.planned = plan_dhcp_change(self.state, request, self.live)
        except AnswersError as exc:
            self.planned = None
            labels = {option: label for option, _, label in FIELDS}
            lines = [f"{labels.get(e.field, e.field.lstrip('-'))}: {e.reason}" for e in exc.errors]
            self.query_one("#dhcp-errors", Static).update("\n".join(lines))
            self.query_one("#dhcp-plan", Static).update("(nothing until the fields are valid)")
        else:
            self.query_one("#dhcp-errors", Static).update("")
            steps = [f"  {n}. {step.describe()}" for n, _, step in self.planned.plan.steps()]
            notes = [f"  ({note})" for note in self.planned.plan.notes]
            self.query_one("#dhcp-plan", Static).update(
                "\n".join([self.planned.summary, *steps, *notes])
            )
        self.set_next_enabled(self.planned is not None and not self.saving)

    def action_back(self) -> None:
        if self.saving:
            self.notify("The change is being applied; wait for it to finish.", severity="warning")
            return
        self.wizard.go_back()

    def go_next(self) -> None:
        if self.outcome is not None:
            self.wizard.go_back()
            return
        if self.planned is None or self.saving:
            return
        self.saving = True
        self.set_next_enabled(False)
        for field in self.query(Input).results(Input):
            field.disabled = True
        self.query_one("#dhcp-plan", Static).update(f"{self.planned.summary}\nApplying…")
        self._save(self.planned)

    @work(thread=True, exclusive=True, group="dhcp-save")
    def _save(self, planned: PlannedChange) -> None:
        from virtnet_tui.executor.apply import Refused
        from virtnet_tui.managed.rerun import run_change

        try:
            outcome = run_change(self.wizard.host, planned)
        except Refused as exc:
            self.app.call_from_thread(self._saved, planned, None, str(exc))
            return
        self.app.call_from_thread(self._saved, planned, outcome, "")

    def _saved(self, planned: PlannedChange, outcome: Outcome | None, refused: str) -> None:
        self.saving = False
        if not self.is_mounted:
            return
        text = self.query_one("#dhcp-plan", Static)
        if outcome is None:
            text.update(f"Refused; nothing was changed: {refused}")
            self.set_next_enabled(False)
            return
        self.outcome = outcome
        if outcome.status == "applied":
            lines = [f"{planned.summary}: done.", *planned.after]
            lines.append(f"Run {outcome.run_id}; Roll back a run (in the menu) undoes it.")
        else:
            from virtnet_tui.executor.outcome_summary import summarize_outcome

            lines = [summarize_outcome(outcome).text]
            lines.append(f"Run {outcome.run_id}; `virtnet-wizard status` shows what is left.")
        text.update("\n".join(lines))
        for button in self.query("#next").results():
            button.label = "Done"  # type: ignore[attr-defined]
        self.set_next_enabled(True)
        self.call_after_refresh(self._focus_next)
