"""Re-run: a managed network's fixed DHCP leases, and a form to add, change or delete one.

The checks and the plan are ``changes.dhcp``'s (the same as ``virtnet-wizard dhcp-host``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from textual.binding import Binding, BindingType

from virtnet_tui.core.model import DhcpHost
from virtnet_tui.tui.screens.change_form import ChangeFormScreen, FormField
from virtnet_tui.tui.screens.entry_list import EntryListScreen, NotListed
from virtnet_tui.wizard.questions import LEASE_HELP

if TYPE_CHECKING:
    from virtnet_tui.core.changes.common import PlannedChange
    from virtnet_tui.core.changes.dhcp import DhcpRequest, LiveLeases
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.tui.screens.change_form import Prepare

Action = Literal["add", "modify", "delete"]
HEADING = "Re-run · DHCP hosts"


@dataclass(frozen=True)
class LeasesView:
    """What the form checks a lease against: the state and the leases the network has now."""

    state: State
    live: LiveLeases


def describe_host(host: DhcpHost) -> str:
    who = host.mac or f"DUID {host.id}"
    return f"{who:<20} {host.ip}" + (f"  ({host.name})" if host.name else "")


class DhcpHostsScreen(EntryListScreen[LeasesView, DhcpHost]):
    """A managed network's fixed leases."""

    HEADING = HEADING
    NEXT_LABEL = "Add a lease"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "open('add')", "Add"),
        Binding("m", "open('modify')", "Change"),
        Binding("d", "open('delete')", "Delete"),
    ]
    LIST_LABEL = "Fixed leases:"
    READING = "Reading the leases…"
    KEYS_HELP = "a adds a lease, m changes the highlighted one, d deletes it."
    COUNTED = "fixed lease"
    ENTRY = "lease"
    ENTER_ACTION = "modify"

    def load(self, network: str) -> LeasesView:
        from virtnet_tui.core.changes.common import managed_network
        from virtnet_tui.managed.rerun import live_leases
        from virtnet_tui.managed.state import load_state

        host = self.wizard.host
        state = load_state(host)
        net = managed_network(state, network)
        if net.spec.type == "bridged":
            raise NotListed(
                f"{network} is bridged: its VMs get addresses from the LAN's DHCP server, "
                "not from one the wizard runs."
            )
        return LeasesView(state, live_leases(host, net))

    def entries(self, view: LeasesView) -> tuple[DhcpHost, ...]:
        return view.live.hosts

    def describe(self, entry: DhcpHost) -> str:
        return describe_host(entry)

    def summary_note(self, view: LeasesView) -> str:
        return "" if view.live.active else " (the network is not running)"

    def form_for(self, action: str, view: LeasesView, current: DhcpHost | None) -> DhcpHostForm:
        return DhcpHostForm(action, self.network, view, current)


class DhcpHostForm(ChangeFormScreen[LeasesView, DhcpHost]):
    """One lease to add, change or delete."""

    HEADING = HEADING
    HELP = LEASE_HELP
    FIELDS = (
        FormField("--mac", "mac", "MAC"),
        FormField("--id", "duid", "DUID"),
        FormField("--ip", "ip", "IP"),
        FormField("--name", "name", "Name"),
    )

    def what(self) -> str:
        verb = {"add": "add", "modify": "change", "delete": "delete"}[self.action]
        return f"{verb} a fixed lease on {self.network}"

    def initial(self) -> dict[str, str]:
        current = self.current
        if current is None:
            return {}
        return {"mac": current.mac, "duid": current.id, "ip": current.ip, "name": current.name}

    def fixed(self, key: str) -> bool:
        # The MAC or DUID names the lease: it is not changed, only chosen, on a change.
        if self.action == "delete":
            return True
        return self.action == "modify" and key in ("mac", "duid")

    def _request(self) -> DhcpRequest:
        from virtnet_tui.core.changes.dhcp import DhcpRequest

        return DhcpRequest(
            action=cast(Action, self.action),
            network=self.network,
            mac=self.value("mac"),
            id=self.value("duid"),
            ip=self.value("ip"),
            name=self.value("name"),
        )

    def plan_change(self) -> PlannedChange:
        from virtnet_tui.core.changes.dhcp import plan_dhcp_change

        return plan_dhcp_change(self.view.state, self._request(), self.view.live)

    def prepared_request(self) -> tuple[Prepare, DhcpRequest]:
        from virtnet_tui.managed.rerun import prepare_dhcp

        return prepare_dhcp, self._request()
