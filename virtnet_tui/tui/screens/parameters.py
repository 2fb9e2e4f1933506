"""Step 4: each network's names, subnets and ranges, checked by the core as they are typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from virtnet_tui.core.errors import AnswersError
from virtnet_tui.core.model import IPV6_MODES, PROTOS
from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.tui.widgets.field_row import FieldRow
from virtnet_tui.wizard.form import NetworkForm

_LABELS = {
    "name": ("libvirt network name", "How virsh and the wizard's files call this network."),
    "bridge": ("Bridge device", "The Linux bridge the VMs' interfaces join."),
    "uplink": ("Enslaved Ethernet device", "The device the bridge takes over (its address moves)."),
    "ipv4": ("IPv4 subnet", "The host's address inside the VM subnet, with the prefix."),
    "ipv6": ("IPv6 subnet", "The host's IPv6 address in the VM /64; empty for no IPv6."),
    "ipv6_mode": ("IPv6 address assignment", "slaac: VMs pick addresses; dhcpv6: leases."),
    "bridge_mac": ("Bridge MAC address", "Fixed so the bridge keeps one MAC across reboots."),
    "public_ipv4": ("Public IPv4 for forwards", "The host address that forwarded ports listen on."),
}


def _input(widget_id: str, value: str, placeholder: str = "") -> Input:
    return Input(value, id=widget_id, compact=True, placeholder=placeholder, select_on_focus=False)


class ParametersScreen(WizardScreen):
    """One section per network; Next stays disabled while any field is wrong."""

    STEP = 4

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("names, subnets and ranges")
        with VerticalScroll(id="body"):
            try:
                self.form.draft()
            except AnswersError as exc:
                yield Static(f"No safe defaults: {exc}", classes="problems", markup=False)
            for index, network in enumerate(self.form.networks):
                yield from self._network(index, network)
            yield Static("", id="other-problems", markup=False)

    def _network(self, i: int, network: NetworkForm) -> ComposeResult:
        kind = network.type
        choice = self.form.choices[i] if i < len(self.form.choices) else None
        family = f" ({choice.family})" if choice else ""
        p = f"network[{i}]"
        t = network.texts
        with Vertical(classes="network"):
            yield Static(f"Network {i + 1}: {kind}{family}", classes="section", markup=False)
            keys = ["name", "bridge"]
            keys += ["uplink"] if kind == "bridged" else ["ipv4"]
            for key in keys:
                label, help_text = _LABELS[key]
                yield FieldRow(f"{p}.{key}", label, _input(f"n{i}-{key}", t[key]), help=help_text)
            if kind == "bridged":
                return
            yield self._range(i, "dhcp4", "DHCPv4 range", "Addresses handed to VMs; empty: none.")
            label, help_text = _LABELS["ipv6"]
            yield FieldRow(f"{p}.ipv6", label, _input(f"n{i}-ipv6", t["ipv6"]), help=help_text)
            label, help_text = _LABELS["ipv6_mode"]
            modes = [(m, m) for m in IPV6_MODES]
            mode = Select(
                modes, value=t["ipv6_mode"], allow_blank=False, compact=True, id=f"n{i}-ipv6_mode"
            )
            yield FieldRow(f"{p}.ipv6_mode", label, mode, help=help_text)
            yield self._range(i, "dhcp6", "DHCPv6 range", "Used with dhcpv6; empty: a default.")
            if network.type in ("custom-routed", "custom-nat"):
                label, help_text = _LABELS["bridge_mac"]
                mac = _input(f"n{i}-bridge_mac", t["bridge_mac"])
                yield FieldRow(f"{p}.bridge_mac", label, mac, help=help_text)
            if network.type == "custom-nat":
                label, help_text = _LABELS["public_ipv4"]
                public = _input(f"n{i}-public_ipv4", t["public_ipv4"])
                yield FieldRow(f"{p}.public_ipv4", label, public, help=help_text)
            yield from self._leases(i, network)
            if network.type == "custom-nat":
                yield from self._forwards(i, network)

    def _range(self, i: int, key: str, label: str, help_text: str) -> FieldRow:
        t = self.form.networks[i].texts
        return FieldRow(
            f"network[{i}].{key}",
            label,
            _input(f"n{i}-{key}_start", t[f"{key}_start"], "first"),
            Label(" to ", classes="range-to"),
            _input(f"n{i}-{key}_end", t[f"{key}_end"], "last"),
            help=help_text,
        )

    def _leases(self, i: int, network: NetworkForm) -> ComposeResult:
        yield Static("Fixed DHCP leases", classes="subsection", markup=False)
        for j, row in enumerate(network.dhcp_hosts):
            path = f"network[{i}].dhcp_host[{j}]"
            controls: list[Widget] = [
                _input(f"n{i}-lease{j}-mac", row.get("mac", ""), "MAC"),
                _input(f"n{i}-lease{j}-ip", row.get("ip", ""), "IP"),
                _input(f"n{i}-lease{j}-name", row.get("name", ""), "name"),
                _input(f"n{i}-lease{j}-id", row.get("id", ""), "DUID (IPv6)"),
                Button("Remove", id=f"n{i}-lease{j}-remove", compact=True),
            ]
            subpaths = tuple(f"{path}.{k}" for k in ("mac", "ip", "name", "id"))
            yield FieldRow(path, f"Lease {j + 1}", *controls, subpaths=subpaths, classes="sub-row")
        yield Button("Add a lease", id=f"n{i}-lease-add", compact=True, classes="add-row")

    def _forwards(self, i: int, network: NetworkForm) -> ComposeResult:
        yield Static("Port forwards", classes="subsection", markup=False)
        for j, row in enumerate(network.forwards):
            path = f"network[{i}].forward[{j}]"
            protos = [(p, p) for p in PROTOS]
            controls: list[Widget] = [
                Select(
                    protos,
                    value=row.get("proto", "tcp"),
                    allow_blank=False,
                    compact=True,
                    id=f"n{i}-fwd{j}-proto",
                ),
                _input(f"n{i}-fwd{j}-ports", row.get("ports", ""), "ports: 80, 443"),
                _input(f"n{i}-fwd{j}-to", row.get("to", ""), "to VM address"),
                _input(f"n{i}-fwd{j}-to_port", row.get("to_port", ""), "VM port (0 same)"),
                Button("Remove", id=f"n{i}-fwd{j}-remove", compact=True),
            ]
            subpaths = tuple(f"{path}.{k}" for k in ("ports", "to", "to_port"))
            yield FieldRow(
                path, f"Forward {j + 1}", *controls, subpaths=subpaths, classes="sub-row"
            )
        yield Button("Add a port forward", id=f"n{i}-fwd-add", compact=True, classes="add-row")

    def on_mount(self) -> None:
        self.refresh_findings()
        first = self.query(Input)
        if first:
            first.first().focus()

    # --- keeping the form in step with the widgets --------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._store(event.input.id or "", event.value):
            self.refresh_findings()

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and self._store(event.select.id or "", event.value):
            self.refresh_findings()

    def _store(self, widget_id: str, value: str) -> bool:
        """Write one widget's value into the form; False when the id is not a field's."""
        head, _, rest = widget_id.partition("-")
        if not head.startswith("n") or not head[1:].isdigit():
            return False
        index = int(head[1:])
        if index >= len(self.form.networks):
            return False
        network = self.form.networks[index]
        sub, _, key = rest.partition("-")
        if not key:
            network.texts[sub] = value
        elif sub.startswith("lease") and sub[5:].isdigit():
            network.dhcp_hosts[int(sub[5:])][key] = value
        elif sub.startswith("fwd") and sub[3:].isdigit():
            network.forwards[int(sub[3:])][key] = value
        else:
            return False
        return True

    def refresh_findings(self) -> None:
        """Show the core's verdict next to every field; list the rest below."""
        errors, warnings = self.form.problems()
        notes = self.form.active_notes()
        # An empty field the defaults could not fill: its note says why, better than
        # the generic "needs a subnet".
        errors.update({path: note for path, note in notes.items() if path in errors})
        shown: set[str] = set()
        for row in self.query(FieldRow):
            row.show_findings(errors, warnings, notes)
            shown.update(row.paths)
        others = [f"✗ {k}: {v}" for k, v in errors.items() if k not in shown]
        others += [f"! {k}: {v}" for k, v in warnings.items() if k not in shown]
        box = self.query_one("#other-problems", Static)
        text = "\n".join(others)
        if str(box.content) != text:
            box.update(text)
            box.set_class(bool(others), "-visible")
        self.set_next_enabled(not errors and bool(self.form.networks))

    # --- adding and removing leases and forwards ------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        widget_id = event.button.id or ""
        head, _, rest = widget_id.partition("-")
        if not (head.startswith("n") and head[1:].isdigit()):
            await super().on_button_pressed(event)
            return
        event.stop()
        network = self.form.networks[int(head[1:])]
        focus = ""
        if rest == "lease-add":
            network.dhcp_hosts.append({"mac": "", "ip": "", "name": "", "id": ""})
            focus = f"{head}-lease{len(network.dhcp_hosts) - 1}-mac"
        elif rest == "fwd-add":
            network.forwards.append({"proto": "tcp", "ports": "", "to": "", "to_port": "0"})
            focus = f"{head}-fwd{len(network.forwards) - 1}-ports"
        elif rest.endswith("-remove"):
            sub = rest.removesuffix("-remove")
            rows = network.dhcp_hosts if sub.startswith("lease") else network.forwards
            del rows[int(sub.removeprefix("lease").removeprefix("fwd"))]
            # n0-lease1-remove -> n0-lease-add: the Add button of the same list.
            focus = widget_id.rpartition("-")[0].rstrip("0123456789") + "-add"
        await self.recompose()
        self.refresh_findings()
        if focus:
            self.query_one(f"#{focus}").focus()

    def go_next(self) -> None:
        try:
            self.form.prepare()
        except (AnswersError, ValueError) as exc:
            box = self.query_one("#other-problems", Static)
            box.update(f"✗ The plan could not be built: {exc}")
            box.set_class(True, "-visible")
            return
        self.wizard.show_preview()
