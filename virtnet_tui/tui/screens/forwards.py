"""Re-run: a custom NAT network's port forwards, and a form to add or remove one.

The screens only show and collect: the checks and the plan are ``changes.forward``'s
(the same as ``virtnet-wizard forward``), and the change is applied as its own
journaled run by ``rerun.run_change``, so ``rollback`` undoes it like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    from virtnet_tui.core.changes.forward import ForwardRequest, Listening
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.model import Proto
    from virtnet_tui.executor.apply import Outcome

Action = Literal["add", "remove"]

#: The form's inputs, by the command-line option a refusal names.
FIELDS = (
    ("--proto", "proto", "Proto"),
    ("--port", "port", "Port"),
    ("--to", "to", "To IP"),
    ("--to-port", "to-port", "To port"),
)


@dataclass(frozen=True)
class ForwardRow:
    """One forwarded port (a forward of several ports is one row per port)."""

    proto: Proto
    port: int
    to: str
    to_port: int

    def describe(self) -> str:
        return f"{self.proto:<4} {self.port:<6} -> {self.to}:{self.to_port or self.port}"


@dataclass(frozen=True)
class HostView:
    """What the form checks against as typed; the save reads it all again."""

    state: State
    rules: str | None
    listening: tuple[Listening, ...]


class ForwardsScreen(WizardScreen):
    """Pick a custom NAT network, see its port forwards, and start an add or remove."""

    STEP = 1
    NEXT_LABEL = "Add a forward"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("d", "remove", "Remove"),
    ]

    def __init__(self, networks: tuple[str, ...]) -> None:
        super().__init__()
        self.networks = networks
        self.view: HostView | None = None
        self.rows: tuple[ForwardRow, ...] = ()
        self.network = networks[0] if networks else ""

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("port forwards")
        with VerticalScroll(id="body"):
            yield Label("Network (Tab to it, then up/down to pick another):", classes="section")
            yield OptionList(*(Option(name, id=name) for name in self.networks), id="fwd-networks")
            yield Label("Port forwards:", classes="section")
            yield Static("Reading the forwards…", id="fwd-problem", markup=False)
            yield OptionList(id="fwd-list")
            yield Static(
                "a adds a forward, d removes the highlighted one. "
                "Each change is its own run; Roll back a run (in the menu) undoes it.",
                id="fwd-help",
                markup=False,
            )

    def on_mount(self) -> None:
        networks = self.query_one("#fwd-networks", OptionList)
        if self.networks:
            networks.highlighted = self.networks.index(self.network)
        self.query_one("#fwd-list", OptionList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from the form: the forwards may have changed."""
        if self.view is not None:
            self.reload()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "fwd-networks" and event.option.id != self.network:
            self.network = str(event.option.id)
            self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    def reload(self) -> None:
        self.view = None
        self.set_next_enabled(False)
        self._read(self.network)

    @work(thread=True, exclusive=True, group="fwd-read")
    def _read(self, network: str) -> None:
        """The state, the rules file and the listening sockets, off the UI thread."""
        from virtnet_tui.core.changes.common import managed_network
        from virtnet_tui.core.errors import AnswersError
        from virtnet_tui.core.render.iptables import firewall_rules_path
        from virtnet_tui.managed.rerun import listening_sockets
        from virtnet_tui.managed.state import load_state

        host = self.wizard.host
        try:
            state = load_state(host)
            net = managed_network(state, network)
        except AnswersError as exc:
            self.app.call_from_thread(self._show, network, None, str(exc))
            return
        if net.spec.type != "custom-nat":
            problem = (
                f"{network} is a {net.spec.type} network: only custom NAT networks forward ports."
            )
            self.app.call_from_thread(self._show, network, None, problem)
            return
        rules = host.read_text(firewall_rules_path(net.spec.bridge, 4))
        view = HostView(state, rules, tuple(listening_sockets(host)))
        self.app.call_from_thread(self._show, network, view, "")

    def _show(self, network: str, view: HostView | None, problem: str) -> None:
        from virtnet_tui.core.changes.common import managed_network

        if network != self.network or not self.is_mounted:
            return
        self.view = view
        listing = self.query_one("#fwd-list", OptionList)
        listing.clear_options()
        self.rows = ()
        text = problem
        if view is not None:
            spec = managed_network(view.state, network).spec
            self.rows = tuple(
                ForwardRow(f.proto, port, f.to, f.to_port)
                for f in spec.forwards
                for port in f.ports
            )
            listing.add_options([Option(r.describe(), id=str(i)) for i, r in enumerate(self.rows)])
            if self.rows:
                listing.highlighted = 0
            count = len(self.rows)
            text = f"{network}: {count} forwarded port{'s' if count != 1 else ''}"
        self.query_one("#fwd-problem", Static).update(text)
        self.set_next_enabled(view is not None)

    def _highlighted(self) -> ForwardRow | None:
        index = self.query_one("#fwd-list", OptionList).highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def _open(self, action: Action, current: ForwardRow | None) -> None:
        if self.view is None:
            return
        if action == "remove" and current is None:
            self.notify("No forward is highlighted.", severity="warning")
            return
        self.app.push_screen(ForwardForm(action, self.network, self.view, current))

    def action_add(self) -> None:
        self._open("add", None)

    def action_remove(self) -> None:
        self._open("remove", self._highlighted())

    def go_next(self) -> None:
        self.action_add()


def _port(field: str, text: str, *, allow_zero: bool = False) -> int | str:
    """The typed port as a number, or the reason it is not one."""
    from virtnet_tui.core.validate.fields import check_port

    if allow_zero and not text:
        return 0
    error = check_port(field, text, allow_zero=allow_zero) if not text.isdecimal() else None
    if error is not None or not text:
        return error.reason if error else "missing"
    return int(text)


class ForwardForm(WizardScreen):
    """One forward to add or remove; checked on every key, saved as its own run."""

    STEP = 1
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next", "Save"),
        Binding("ctrl+s", "next", "Save", show=False),
    ]

    DEFAULT_CSS = """
    .fwd-row { height: 1; }
    .fwd-label { width: 9; }
    #fwd-errors { color: $error; text-style: bold; }
    """

    def __init__(
        self, action: Action, network: str, view: HostView, current: ForwardRow | None = None
    ) -> None:
        super().__init__()
        self.action = action
        self.network = network
        self.view = view
        self.current = current
        self.request: ForwardRequest | None = None
        self.planned: PlannedChange | None = None
        self.saving = False
        self.outcome: Outcome | None = None
        self.NEXT_LABEL = "Remove" if action == "remove" else "Save"

    @property
    def busy(self) -> bool:
        """A change is being applied: the app must not quit under it."""
        return self.saving

    def compose_body(self) -> ComposeResult:
        yield self.title_bar(f"{self.action} a port forward on {self.network}")
        current = self.current
        values = {
            "proto": current.proto if current else "tcp",
            "port": str(current.port) if current else "",
            "to": current.to if current else "",
            "to-port": str(current.to_port or "") if current else "",
        }
        with VerticalScroll(id="body"):
            yield Static(
                "Connections to Port (tcp or udp) on the host's public address go to the VM "
                "at To IP; To port empty keeps the same port.",
                markup=False,
            )
            for _, key, label in FIELDS:
                with Horizontal(classes="fwd-row"):
                    yield Label(f"{label}:", classes="fwd-label")
                    yield Input(
                        values[key],
                        id=f"fwd-{key}",
                        compact=True,
                        disabled=self.action == "remove",
                    )
            yield Static("", id="fwd-errors", markup=False)
            yield Label("What will be done:", classes="section")
            yield Static("", id="fwd-plan", markup=False)

    def on_mount(self) -> None:
        if self.action == "add":
            self.query_one("#fwd-port", Input).focus()
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
        return self.query_one(f"#fwd-{key}", Input).value.strip()

    def _request(self) -> tuple[ForwardRequest | None, list[str]]:
        """The typed fields as a request, or what keeps them from being one."""
        from virtnet_tui.core.changes.forward import ForwardRequest

        problems: list[str] = []
        proto = self._value("proto").lower()
        if proto not in ("tcp", "udp"):
            problems.append("Proto: must be tcp or udp")
        port = _port("--port", self._value("port"))
        if isinstance(port, str):
            problems.append(f"Port: {port}")
        to_port = _port("--to-port", self._value("to-port"), allow_zero=True)
        if isinstance(to_port, str):
            problems.append(f"To port: {to_port}")
        if problems or isinstance(port, str) or isinstance(to_port, str):
            return None, problems
        request = ForwardRequest(
            action=self.action,
            network=self.network,
            proto="udp" if proto == "udp" else "tcp",
            port=port,
            to=self._value("to"),
            to_port=to_port,
        )
        return request, []

    def recheck(self) -> None:
        """Plan the change as typed: the same checks as ``forward`` on the command line."""
        from virtnet_tui.core.changes.forward import plan_forward_change
        from virtnet_tui.core.errors import AnswersError

        self.planned = None
        request, problems = self._request()
        self.request = request
        if request is not None:
            view = self.view
            try:
                self.planned = plan_forward_change(view.state, request, view.rules, view.listening)
            except AnswersError as exc:
                labels = {option: label for option, _, label in FIELDS}
                problems = [
                    f"{labels.get(e.field, e.field.lstrip('-'))}: {e.reason}" for e in exc.errors
                ]
        errors = self.query_one("#fwd-errors", Static)
        plan = self.query_one("#fwd-plan", Static)
        if self.planned is None:
            errors.update("\n".join(problems))
            plan.update("(nothing until the fields are valid)")
        else:
            errors.update("")
            steps = [f"  {n}. {step.describe()}" for n, _, step in self.planned.plan.steps()]
            notes = [f"  ({w})" for w in self.planned.plan.warnings]
            plan.update("\n".join([self.planned.summary, *steps, *notes]))
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
        if self.planned is None or self.request is None or self.saving:
            return
        self.saving = True
        self.set_next_enabled(False)
        for field in self.query(Input).results(Input):
            field.disabled = True
        self.query_one("#fwd-plan", Static).update(f"{self.planned.summary}\nApplying…")
        self._save(self.request)

    @work(thread=True, exclusive=True, group="fwd-save")
    def _save(self, request: ForwardRequest) -> None:
        """Plan again from the host as it is now (prepare_forward), then apply."""
        from virtnet_tui.core.errors import AnswersError
        from virtnet_tui.executor.apply import Refused
        from virtnet_tui.managed.rerun import prepare_forward, run_change
        from virtnet_tui.managed.state import load_state

        host = self.wizard.host
        try:
            planned = prepare_forward(host, load_state(host), request)
            outcome = run_change(host, planned)
        except (Refused, AnswersError) as exc:
            self.app.call_from_thread(self._saved, None, None, str(exc))
            return
        self.app.call_from_thread(self._saved, planned, outcome, "")

    def _saved(self, planned: PlannedChange | None, outcome: Outcome | None, refused: str) -> None:
        self.saving = False
        if not self.is_mounted:
            return
        text = self.query_one("#fwd-plan", Static)
        if planned is None or outcome is None:
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
