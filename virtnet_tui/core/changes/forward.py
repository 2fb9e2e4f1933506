"""Adding and removing one port forward of a custom NAT network, as its own run."""

# The network's IPv4 rules file is rendered again with the new forwards and loaded
# with ``iptables-restore --noflush``: the file declares only the wizard's chains of
# that bridge, so loading it rewrites them and nothing else. The first forward adds
# the ``nat PREROUTING`` chain and its jump; removing the last one takes them away.

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass

from virtnet_tui.core.changes.common import PlannedChange, managed_network, refuse, refuse_all
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.changes.records import ForwardAction, ForwardChange, spec_with_forward
from virtnet_tui.core.model import NetworkSpec, PortForward, Proto
from virtnet_tui.core.plan import Argv, Check, CommandStep, FileStep, Plan, Stage, Step
from virtnet_tui.core.validate.fields import check_address, check_port

#: (proto, address, port) of a socket the host listens on; address "*" is every address.
Listening = tuple[str, str, int]


@dataclass(frozen=True)
class ForwardRequest:
    """``forward add|remove`` as the operator asked for it."""

    action: ForwardAction
    network: str
    proto: Proto
    port: int
    to: str = ""
    to_port: int = 0


def listen_address(net: ManagedNetwork) -> str:
    """The host address the network's forwards listen on ("" when it has none)."""
    if net.spec.public_ipv4:
        return net.spec.public_ipv4
    if net.facts.ipv4:
        return str(ipaddress.ip_interface(net.facts.ipv4).ip)
    return ""


def _forwarded(net: ManagedNetwork, proto: str, port: int) -> PortForward | None:
    return next(
        (f for f in net.spec.forwards if f.proto == proto and port in f.ports),
        None,
    )


def _check_common(net: ManagedNetwork, req: ForwardRequest) -> None:
    spec = net.spec
    if spec.type != "custom-nat":
        if spec.type == "nat":
            reason = (
                "is libvirt's own NAT network: it forwards ports only through a hook script, "
                "which breaks easily; port forwards need a custom-nat network"
            )
        else:
            reason = (
                f"is a {spec.type} network: its VMs have addresses others can reach, so there "
                "is nothing to forward; only custom-nat networks forward ports"
            )
        refuse("--network", req.network, reason)
    refuse_all([check_port("--port", req.port)])
    if not listen_address(net):
        refuse(
            "--network",
            req.network,
            "has no public IPv4 address to forward from (public_ipv4 of the network, "
            "or the host's ipv4)",
        )


def _check_target(net: ManagedNetwork, req: ForwardRequest) -> None:
    if not req.to:
        refuse("--to", None, "missing; give the VM's address inside the network")
    refuse_all(
        [
            check_address("--to", req.to, version=4),
            check_port("--to-port", req.to_port, allow_zero=True),
        ]
    )
    own = ipaddress.ip_interface(net.spec.ipv4)
    address = ipaddress.ip_address(req.to)
    if address not in own.network:
        refuse("--to", req.to, f"is outside {net.name}'s subnet {own.network}")
    if address == own.ip:
        refuse("--to", req.to, f"is the host's own address on {net.name}; give a VM's")
    if address in (own.network.network_address, own.network.broadcast_address):
        refuse("--to", req.to, f"is the network or broadcast address of {own.network}")


def _check_free(
    state: State, net: ManagedNetwork, req: ForwardRequest, listening: Collection[Listening]
) -> None:
    listen = listen_address(net)
    if req.proto == "tcp" and req.port == net.facts.ssh_port and listen == _host_ip(net):
        refuse(
            "--port",
            req.port,
            f"is the SSH port of the host (host.ssh_port); forwarding it on {listen} "
            "would cut you off",
        )
    for other in state.networks:
        if other.spec.type != "custom-nat" or listen_address(other) != listen:
            continue
        used = _forwarded(other, req.proto, req.port)
        if used is not None:
            refuse(
                "--port",
                req.port,
                f"{req.proto} port {req.port} on {listen} is already forwarded to {used.to} "
                f"(network {other.name})",
            )
    for proto, address, port in listening:
        if proto == req.proto and port == req.port and address in ("*", listen):
            refuse(
                "--port",
                req.port,
                f"a program on the host listens on {req.proto} port {req.port}; forwarding "
                "the port would hide it from the outside",
            )


def _host_ip(net: ManagedNetwork) -> str:
    return str(ipaddress.ip_interface(net.facts.ipv4).ip) if net.facts.ipv4 else ""


def plan_forward_change(
    state: State,
    req: ForwardRequest,
    current_rules: str | None,
    listening: Collection[Listening] = (),
) -> PlannedChange:
    """Check ``req`` and plan it as one stage.

    Args:
        current_rules: the file with the forwards as it is on the host (``None``: missing):
            the IPv4 rules file, or the network's nftables file on an nftables host.
        listening: sockets the host listens on (a forward must not hide them).

    Raises:
        AnswersError: naming ``--network``, ``--port``, ``--to`` or ``--to-port``.
    """
    net = managed_network(state, req.network)
    _check_common(net, req)
    if req.action == "add":
        _check_target(net, req)
        _check_free(state, net, req, listening)
        forward = PortForward(req.proto, (req.port,), req.to, req.to_port)
    else:
        found = _forwarded(net, req.proto, req.port)
        if found is None:
            refuse(
                "--port", req.port, f"{req.proto} port {req.port} is not forwarded on {net.name}"
            )
        if req.to and req.to != found.to:
            refuse("--to", req.to, f"{req.proto} port {req.port} goes to {found.to}, not {req.to}")
        forward = PortForward(req.proto, (req.port,), found.to, found.to_port)
    change = ForwardChange(req.action, net.name, forward)
    new_spec = spec_with_forward(net.spec, change)
    stage, warnings = _stage(net, new_spec, current_rules)
    target = f"{forward.to}:{forward.to_port or req.port}"
    listen = listen_address(net)
    if req.action == "add":
        summary = f"Forward {req.proto} port {req.port} on {listen} to {target} ({net.name})"
    else:
        summary = (
            f"Stop forwarding {req.proto} port {req.port} on {listen} to {target} ({net.name})"
        )
    return PlannedChange(Plan(stages=(stage,), warnings=warnings), change, summary)


def _nft_stage(
    net: ManagedNetwork, new: NetworkSpec, current_rules: str | None
) -> tuple[Stage, tuple[str, ...]]:
    """On an nftables host: rewrite the network's table file and reload it, atomically."""
    from virtnet_tui.core.render.nftables import (
        nft_check_argv,
        nft_load_argv,
        nft_rules_path,
        render_nft_rules,
    )

    br = net.spec.bridge
    path = nft_rules_path(br)
    warnings: list[str] = []
    if current_rules is None:
        warnings.append(f"{path} is missing; it is written anew.")
    elif current_rules != render_nft_rules(net.spec, net.facts):
        warnings.append(
            f"{path} was changed outside the wizard; those edits are replaced "
            "(the run keeps a backup, and rollback puts it back)."
        )
    load = nft_load_argv(br)
    steps: tuple[Step, ...] = (
        FileStep(
            path,
            render_nft_rules(new, net.facts),
            mode=0o600,
            description=f"write {br}'s table with the new port forwards",
        ),
        CommandStep(nft_check_argv(br), description=f"check {path} against the running kernel"),
        # The file recreates the whole table in one transaction; undo restores the old
        # file, and after_undo loads it the same way.
        CommandStep(load, description=f"load {path} (only the wizard's table of {br})"),
    )
    stage = Stage(
        name=f"Port forwards of {br}",
        steps=steps,
        checks=(Check("nft-table", f"inet vnw_{br}"),),
        network=net.name,
        after_undo=(load,),
    )
    return stage, tuple(warnings)


def _firewalld_stage(net: ManagedNetwork, new: NetworkSpec) -> tuple[Stage, tuple[str, ...]]:
    """On a firewalld host: add or remove the forward's rich rules, now and permanently."""
    from virtnet_tui.core.recipes.firewall_firewalld import forward_rules, rich_rule_steps
    from virtnet_tui.core.render.iptables import public_address

    old = net.spec
    zone = net.facts.firewalld_zone or "public"
    before = forward_rules(old, public_address(old, net.facts)) if old.forwards else []
    after = forward_rules(new, public_address(new, net.facts)) if new.forwards else []
    steps: list[Step] = []
    for rule in before:
        if rule not in after:
            steps += rich_rule_steps(zone, rule, "stop a port forward", remove=True)
    for rule in after:
        if rule not in before:
            steps += rich_rule_steps(zone, rule, "a port forward")
    stage = Stage(name=f"Port forwards of {old.bridge}", steps=tuple(steps), network=net.name)
    return stage, ()


def _stage(
    net: ManagedNetwork, new: NetworkSpec, current_rules: str | None
) -> tuple[Stage, tuple[str, ...]]:
    if net.facts.firewall_backend == "firewalld":
        return _firewalld_stage(net, new)
    if net.facts.firewall_backend == "nftables":
        return _nft_stage(net, new, current_rules)
    # The renderers pull in netaddr; only this command needs them.
    from virtnet_tui.core.render.iptables import (
        chain_name,
        firewall_chains,
        firewall_restore_argv,
        firewall_rules_path,
        render_iptables_rules,
    )
    from virtnet_tui.core.render.systemd import render_firewall_unit

    old = net.spec
    facts = net.facts
    br = old.bridge
    path = firewall_rules_path(br, 4)
    warnings: list[str] = []
    if current_rules is not None and current_rules != render_iptables_rules(old, facts, 4):
        warnings.append(
            f"{path} was changed outside the wizard; those edits are replaced "
            "(the run keeps a backup, and rollback puts it back)."
        )
    elif current_rules is None:
        warnings.append(f"{path} is missing; it is written anew.")
    pre = chain_name(br, "PRE")
    had = any(c == pre for _, _, c in firewall_chains(old, 4))
    has = any(c == pre for _, _, c in firewall_chains(new, 4))
    nat: tuple[str, ...] = ("iptables", "-w", "-t", "nat")
    insert_jump: Argv = (*nat, "-I", "PREROUTING", "1", "-j", pre)
    delete_jump: Argv = (*nat, "-D", "PREROUTING", "-j", pre)
    reload = firewall_restore_argv(br, 4)
    steps: list[Step] = [
        FileStep(
            path,
            render_iptables_rules(new, facts, 4),
            mode=0o600,
            description=f"write {br}'s IPv4 rules with the new port forwards",
        )
    ]
    if has and not had:
        steps += [
            CommandStep(
                reload,
                # The file now declares the PREROUTING chain: undo removes it again.
                undo=((*nat, "-F", pre), (*nat, "-X", pre)),
                undo_on_failure=True,
                description=f"load {path} (only the wizard's chains of {br})",
            ),
            CommandStep(
                insert_jump,
                undo=(delete_jump,),
                description=f"send nat PREROUTING traffic through {pre} first",
            ),
        ]
    elif had and not has:
        steps += [
            CommandStep(
                delete_jump,
                undo=(insert_jump,),
                description=f"stop sending nat PREROUTING traffic through {pre}",
            ),
            CommandStep((*nat, "-F", pre), description=f"empty {pre}"),
            CommandStep(
                (*nat, "-X", pre),
                # An empty chain first; the old file's reload (after undo) refills it.
                undo=((*nat, "-N", pre),),
                description=f"delete {pre}",
            ),
            CommandStep(reload, description=f"load {path} (only the wizard's chains of {br})"),
        ]
    else:
        steps.append(
            CommandStep(reload, description=f"load {path} (only the wizard's chains of {br})")
        )
    after_undo: list[Argv] = [reload]
    if had != has and facts.systemd:
        # The boot unit inserts one jump per chain: it must know about the change.
        from virtnet_tui.core.render.iptables import firewall_unit_name

        unit = f"/etc/systemd/system/{firewall_unit_name(br)}"
        steps += [
            FileStep(unit, render_firewall_unit(new, facts), description=f"update {unit}"),
            CommandStep(("systemctl", "daemon-reload"), description="make systemd read it"),
        ]
        after_undo.append(("systemctl", "daemon-reload"))
    checks = (Check("chain", pre, "iptables nat PREROUTING"),) if has else ()
    stage = Stage(
        name=f"Port forwards of {br}",
        steps=tuple(steps),
        checks=checks,
        network=net.name,
        after_undo=tuple(after_undo),
    )
    return stage, tuple(warnings)
