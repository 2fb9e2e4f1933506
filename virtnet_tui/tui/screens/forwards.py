"""Re-run: a custom NAT network's port forwards, and a form to add or remove one.

The checks and the plan are ``changes.forward``'s (the same as ``virtnet-wizard forward``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from textual.binding import Binding, BindingType

from virtnet_tui.tui.screens.change_form import ChangeFormScreen, FormField
from virtnet_tui.tui.screens.entry_list import EntryListScreen, NotListed

if TYPE_CHECKING:
    from virtnet_tui.core.changes.common import PlannedChange
    from virtnet_tui.core.changes.forward import ForwardRequest, Listening
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.model import Proto
    from virtnet_tui.tui.screens.change_form import Prepare

Action = Literal["add", "remove"]
HEADING = "Re-run · Port forwards"


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
    rows: tuple[ForwardRow, ...]


class ForwardsScreen(EntryListScreen[HostView, ForwardRow]):
    """A custom NAT network's port forwards."""

    HEADING = HEADING
    NEXT_LABEL = "Add a forward"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "open('add')", "Add"),
        Binding("d", "open('remove')", "Remove"),
    ]
    LIST_LABEL = "Port forwards:"
    READING = "Reading the forwards…"
    KEYS_HELP = "a adds a forward, d removes the highlighted one."
    COUNTED = "forwarded port"
    ENTRY = "forward"

    def load(self, network: str) -> HostView:
        """The state, the rules file and the listening sockets."""
        from virtnet_tui.core.changes.common import managed_network
        from virtnet_tui.managed.rerun import listening_sockets
        from virtnet_tui.managed.state import load_state

        host = self.wizard.host
        state = load_state(host)
        managed = managed_network(state, network)
        spec = managed.spec
        if spec.type != "custom-nat":
            raise NotListed(
                f"{network} is a {spec.type} network: only custom NAT networks forward ports."
            )
        from virtnet_tui.core.render.firewall_files import forward_rules_path

        rules = host.read_text(forward_rules_path(spec, managed.facts))
        rows = tuple(
            ForwardRow(f.proto, port, f.to, f.to_port) for f in spec.forwards for port in f.ports
        )
        return HostView(state, rules, tuple(listening_sockets(host)), rows)

    def entries(self, view: HostView) -> tuple[ForwardRow, ...]:
        return view.rows

    def describe(self, entry: ForwardRow) -> str:
        return entry.describe()

    def form_for(self, action: str, view: HostView, current: ForwardRow | None) -> ForwardForm:
        return ForwardForm(action, self.network, view, current)


def _port(field: str, text: str, *, allow_zero: bool = False) -> int | str:
    """The typed port as a number, or the reason it is not one."""
    from virtnet_tui.core.validate.fields import check_port

    if allow_zero and not text:
        return 0
    error = check_port(field, text, allow_zero=allow_zero) if not text.isdecimal() else None
    if error is not None or not text:
        return error.reason if error else "missing"
    return int(text)


class ForwardForm(ChangeFormScreen[HostView, ForwardRow]):
    """One forward to add or remove."""

    HEADING = HEADING
    HELP = (
        "Connections to Port (tcp or udp) on the host's public address go to the VM "
        "at To IP; To port empty keeps the same port."
    )
    FIELDS = (
        FormField("--proto", "proto", "Proto"),
        FormField("--port", "port", "Port"),
        FormField("--to", "to", "To IP"),
        FormField("--to-port", "to-port", "To port"),
    )
    LABEL_WIDTH = 9
    FOCUS = "port"

    request: ForwardRequest | None = None
    """The fields as a request, once they make one (the save plans it again)."""

    def what(self) -> str:
        return f"{self.action} a port forward on {self.network}"

    def initial(self) -> dict[str, str]:
        current = self.current
        if current is None:
            return {"proto": "tcp"}
        return {
            "proto": current.proto,
            "port": str(current.port),
            "to": current.to,
            "to-port": str(current.to_port or ""),
        }

    def fixed(self, key: str) -> bool:
        return self.action == "remove"

    def _request(self) -> ForwardRequest:
        """The typed fields as a request.

        Raises:
            AnswersError: what keeps them from being one.
        """
        from virtnet_tui.core.changes.forward import ForwardRequest
        from virtnet_tui.core.errors import AnswersError, FieldError

        problems: list[FieldError] = []
        proto = self.value("proto").lower()
        if proto not in ("tcp", "udp"):
            problems.append(FieldError("--proto", None, "must be tcp or udp"))
        port = _port("--port", self.value("port"))
        if isinstance(port, str):
            problems.append(FieldError("--port", None, port))
        to_port = _port("--to-port", self.value("to-port"), allow_zero=True)
        if isinstance(to_port, str):
            problems.append(FieldError("--to-port", None, to_port))
        if problems or isinstance(port, str) or isinstance(to_port, str):
            raise AnswersError(problems)
        return ForwardRequest(
            action=cast(Action, self.action),
            network=self.network,
            proto="udp" if proto == "udp" else "tcp",
            port=port,
            to=self.value("to"),
            to_port=to_port,
        )

    def plan_change(self) -> PlannedChange:
        from virtnet_tui.core.changes.forward import plan_forward_change

        self.request = None
        self.request = self._request()
        view = self.view
        return plan_forward_change(view.state, self.request, view.rules, view.listening)

    def prepared_request(self) -> tuple[Prepare, ForwardRequest]:
        """Planned again from the host as it is then: its rules and listening sockets."""
        from virtnet_tui.managed.rerun import prepare_forward

        assert self.request is not None, "a change is planned only from a request"
        return prepare_forward, self.request
