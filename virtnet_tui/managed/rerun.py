"""Re-run changes on a host: read what they act on, plan them, apply each as its own run."""

# The command-line commands and the TUI share these functions; the checks and the
# plans themselves are pure (``virtnet_tui.core.changes``).

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from virtnet_tui.core.changes.common import PlannedChange, managed_network, refuse
from virtnet_tui.core.changes.dhcp import DhcpRequest, LiveLeases, hostsfile_path, plan_dhcp_change
from virtnet_tui.core.changes.dhcp_entries import parse_hostsfile, parse_network_dhcp
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.changes.records import change_to_json
from virtnet_tui.hosts.base import Host

if TYPE_CHECKING:
    # Imported where used: `dhcp-host` loads only what a DHCP change needs.
    from virtnet_tui.core.changes.attach import AttachRequest, DomainInfo
    from virtnet_tui.core.changes.forward import ForwardRequest, Listening
    from virtnet_tui.executor.apply import Callbacks, Options, Outcome

Request = TypeVar("Request")

__all__ = [
    "PlannedChange",
    "list_domains",
    "listening_sockets",
    "live_leases",
    "prepare_attach",
    "prepare_dhcp",
    "prepare_forward",
    "run_change",
    "run_request",
]


def _libvirt_unreachable(option: str, value: str, exc: Exception) -> None:
    refuse(option, value, f"libvirt cannot be reached: {exc}")


def live_leases(host: Host, net: ManagedNetwork) -> LiveLeases:
    """The fixed leases ``net`` has on the host now (libvirt's live XML, or the hostsfile).

    Raises:
        AnswersError: libvirt has no such network, or the custom network's files are gone.
    """
    spec = net.spec
    if spec.is_libvirt:
        import libvirt

        from virtnet_tui.executor.steps import quiet_libvirt

        quiet_libvirt()
        try:
            conn = host.connect_libvirt()
        except libvirt.libvirtError as exc:
            _libvirt_unreachable("--network", net.name, exc)
            raise
        try:
            try:
                lv = conn.networkLookupByName(net.name)
            except libvirt.libvirtError:
                refuse(
                    "--network",
                    net.name,
                    "is in the wizard's records but libvirt has no such network (removed "
                    "outside the wizard?); see `virtnet-wizard status`",
                )
            definition = parse_network_dhcp(lv.XMLDesc(0))
            return LiveLeases(definition.leases, definition=definition, active=bool(lv.isActive()))
        finally:
            conn.close()
    conf = f"/var/lib/dnsmasq/{spec.bridge}/dnsmasq.conf"
    if spec.is_custom and not host.exists(conf):
        refuse(
            "--network",
            net.name,
            f"{conf} is missing: the network's dnsmasq is not set up any more; "
            "see `virtnet-wizard status`",
        )
    text = host.read_text(hostsfile_path(spec.bridge))
    return LiveLeases(parse_hostsfile(text or ""), hostsfile=text)


def prepare_dhcp(host: Host, state: State, req: DhcpRequest) -> PlannedChange:
    """Check a DHCP host change against the host and plan it (nothing is changed).

    Raises:
        AnswersError: refused, naming the option.
    """
    net = managed_network(state, req.network)
    if net.spec.type == "bridged":
        # The pure check words the refusal; there is nothing live to read.
        return plan_dhcp_change(state, req, LiveLeases(()))
    return plan_dhcp_change(state, req, live_leases(host, net))


def listening_sockets(host: Host) -> tuple[Listening, ...]:
    """TCP and UDP sockets the host listens on, from ``ss`` (none known in a sandbox)."""
    if not host.runs_commands:
        return ()  # `ss` would only be recorded, as if it were a change
    out: list[Listening] = []
    for proto, flag in (("tcp", "-Hltn"), ("udp", "-Hlun")):
        result = host.run(["ss", flag])
        if not result.ok:
            continue
        for line in result.stdout.splitlines():
            parts = line.split()
            # State Recv-Q Send-Q Local:Port Peer:Port
            if len(parts) < 4 or ":" not in parts[3]:
                continue
            address, _, port = parts[3].rpartition(":")
            address = address.split("%")[0].strip("[]")
            if address in ("0.0.0.0", "::", "*"):
                address = "*"
            if port.isdigit():
                out.append((proto, address, int(port)))
    return tuple(out)


def prepare_forward(host: Host, state: State, req: ForwardRequest) -> PlannedChange:
    """Check a port forward change against the host and plan it (nothing is changed).

    Raises:
        AnswersError: refused, naming the option.
    """
    from virtnet_tui.core.changes.forward import plan_forward_change
    from virtnet_tui.core.render.firewall_files import forward_rules_path

    net = managed_network(state, req.network)
    current = host.read_text(forward_rules_path(net.spec, net.facts))
    listening = listening_sockets(host) if req.action == "add" else ()
    return plan_forward_change(state, req, current, listening)


def list_domains(host: Host) -> tuple[DomainInfo, ...]:
    """Every VM libvirt knows, with its interfaces, sorted by name.

    Raises:
        libvirt.libvirtError: libvirt cannot be reached.
    """
    from virtnet_tui.core.changes.attach import domain_info
    from virtnet_tui.executor.libvirt_live import persistent_domain_xml
    from virtnet_tui.executor.steps import quiet_libvirt

    quiet_libvirt()
    conn = host.connect_libvirt()
    try:
        out = []
        for dom in conn.listAllDomains():
            persistent = bool(dom.isPersistent())
            xml = persistent_domain_xml(dom) if persistent else str(dom.XMLDesc(0))
            out.append(domain_info(dom.name(), bool(dom.isActive()), persistent, xml))
        return tuple(sorted(out, key=lambda d: d.name))
    finally:
        conn.close()


def prepare_attach(host: Host, state: State, req: AttachRequest) -> PlannedChange:
    """Check an attach against the VMs libvirt has and plan it (nothing is changed).

    Raises:
        AnswersError: refused, naming the option.
    """
    import libvirt

    from virtnet_tui.core.changes.attach import plan_attach

    managed_network(state, req.network)
    try:
        domains = list_domains(host)
    except libvirt.libvirtError as exc:
        _libvirt_unreachable("--domain", req.domain, exc)
        raise
    return plan_attach(state, req, domains)


def run_change(
    host: Host,
    planned: PlannedChange,
    *,
    options: Options | None = None,
    callbacks: Callbacks | None = None,
) -> Outcome:
    """Apply a planned change as its own run (journal, backups, rollback).

    Raises:
        Refused: another run holds the lock, or an interrupted run waits.
    """
    from virtnet_tui.executor.apply import Callbacks, Executor, Options
    from virtnet_tui.managed.state import follow_runs

    executor = Executor(
        host,
        planned.plan,
        options=options or Options(yes=True),
        callbacks=replace(callbacks or Callbacks(), runs_changed=follow_runs),
        change=change_to_json(planned.change),
    )
    return executor.apply()


def run_request(
    host: Host,
    prepare: Callable[[Host, State, Request], PlannedChange],
    request: Request,
    *,
    options: Options | None = None,
    callbacks: Callbacks | None = None,
) -> tuple[PlannedChange, Outcome]:
    """Plan ``request`` with ``prepare`` once the run lock is held, then apply it as its run.

    Planning under the lock reads the state and the live leases, rules or domains after
    any run that ended meanwhile: two commands started together both land, in turn.

    Raises:
        AnswersError: ``prepare`` refused the request (nothing was changed).
        Refused: another run holds the lock, or an interrupted run waits.
    """
    from virtnet_tui.core.plan import Plan
    from virtnet_tui.executor.apply import Callbacks, Executor, Options
    from virtnet_tui.managed.state import follow_runs, load_state

    made: list[PlannedChange] = []

    def plan_now() -> tuple[Plan, dict[str, object]]:
        planned = prepare(host, load_state(host), request)
        made.append(planned)
        return planned.plan, change_to_json(planned.change)

    executor = Executor(
        host,
        options=options or Options(yes=True),
        callbacks=replace(callbacks or Callbacks(), runs_changed=follow_runs),
        planner=plan_now,
    )
    outcome = executor.apply()
    return made[-1], outcome
