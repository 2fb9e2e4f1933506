"""Bridged network: the uplink becomes a port of a bridge that VMs join directly."""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.netconfig import ifcfg_warning, stack
from virtnet_tui.core.plan import Argv, Check, CommandStep, FileStep, Stage, Step, SysctlStep, Todo
from virtnet_tui.core.recipes import netplan, networkd, networkmanager
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.common import (
    DEBIAN_INTERFACES,
    RHEL_IFCFG_DIR,
    host_address,
    vm_notes,
)
from virtnet_tui.core.render.ifcfg import (
    render_ifcfg_bridge,
    render_ifcfg_uplink,
    rhel6_nm_network_line,
)
from virtnet_tui.core.render.interfaces import (
    edit_interfaces,
    render_bridged_stanzas,
    uplink_options,
)
from virtnet_tui.core.render.sysctl import parse_sysctl, render_bridge_nf_sysctl
from virtnet_tui.core.render.udev import render_bridge_udev_rule

BRIDGE_SYSCTL = "/etc/sysctl.d/bridge.conf"
BRIDGE_UDEV = "/etc/udev/rules.d/99-bridge.rules"
RHEL_NETWORK = "/etc/sysconfig/network"


def build(b: PlanBuilder, spec: NetworkSpec) -> None:
    """Add the stages of a bridged network to ``b``."""
    facts = b.facts
    uplink = spec.uplink or facts.uplink_interface
    if b.first_time("bridge-netfilter"):
        b.add(
            Stage(
                name="Keep bridged traffic out of the host firewall",
                steps=(
                    FileStep(BRIDGE_SYSCTL, render_bridge_nf_sysctl()),
                    FileStep(
                        BRIDGE_UDEV,
                        render_bridge_udev_rule(facts.kernel),
                        description=f"write {BRIDGE_UDEV} so the settings apply when the "
                        "bridge module loads",
                    ),
                    # The keys only exist once br_netfilter is loaded; the udev rule
                    # covers a later load. Undo puts back the values read before.
                    SysctlStep(
                        tuple(parse_sysctl(render_bridge_nf_sysctl()).items()),
                        description="apply the settings now, where the module is loaded",
                        missing_ok=True,
                    ),
                ),
            )
        )
    kind = stack(facts)
    if kind == "ifupdown":
        b.need("bridge-utils")  # ifupdown's bridge_ports runs brctl
        steps, after_undo = _debian_steps(b, spec, uplink)
    elif kind == "netplan":
        steps, after_undo = netplan.bridged_steps(b, spec, uplink)
    elif kind == "networkd":
        steps, after_undo = networkd.bridged_steps(b, spec, uplink)
    elif kind == "networkmanager":
        steps, after_undo = networkmanager.bridged_steps(b, spec, uplink)
    else:
        steps, after_undo = _rhel_steps(b, spec, uplink)
    checks = [Check("bridge-port", spec.bridge, uplink), Check("link-up", spec.bridge)]
    if facts.ipv4:
        checks.append(Check("address", spec.bridge, facts.ipv4))
    if facts.gateway4:
        checks.append(Check("ping", facts.gateway4, spec.bridge))
    b.add(
        Stage(
            name=f"Move {uplink}'s addresses onto bridge {spec.bridge}",
            steps=tuple(steps),
            risky=True,
            why_risky=f"{uplink} carries the operator's connection; it is re-plugged into "
            f"{spec.bridge} in one go",
            checks=tuple(checks),
            network=spec.name,
            after_undo=after_undo,
            nm_checkpoint=kind == "networkmanager",
        )
    )
    _todos(b, spec)
    vm_notes(b, spec)


def _restore_runtime(b: PlanBuilder, uplink: str) -> tuple[Argv, ...]:
    """Commands that put the uplink's addresses and default routes back after a flush."""
    f = b.facts
    # Enslaving the uplink turned off its IPv6 link-local address and ifdown left it down:
    # without both back, the routes below cannot be added and the host stays unreachable.
    cmds: list[Argv] = [
        ("ip", "link", "set", uplink, "addrgenmode", f.uplink_addrgenmode),
        ("ip", "link", "set", uplink, "up"),
    ]
    if f.ipv4:
        cmds.append(("ip", "address", "replace", f.ipv4, "dev", uplink))
    if f.gateway4:
        cmds.append(("ip", "route", "replace", "default", "via", f.gateway4, "dev", uplink))
    if f.ipv6:
        cmds.append(("ip", "-6", "address", "replace", f.ipv6, "dev", uplink))
    if f.gateway6:
        cmds.append(("ip", "-6", "route", "replace", "default", "via", f.gateway6, "dev", uplink))
    return tuple(cmds)


def _debian_steps(
    b: PlanBuilder, spec: NetworkSpec, uplink: str
) -> tuple[list[Step], tuple[Argv, ...]]:
    edited = edit_interfaces(
        b.current(DEBIAN_INTERFACES),
        drop=(uplink, spec.bridge),
        append=render_bridged_stanzas(spec, b.facts, b.current(DEBIAN_INTERFACES)),
    )
    hooks = uplink_options(b.current(DEBIAN_INTERFACES), uplink).hooks
    if hooks:
        b.warn(
            f"{uplink}'s up/down commands stay with {uplink}, which becomes a port of "
            f"{spec.bridge}; any that set routes or addresses on {uplink} should name "
            f"{spec.bridge} instead: {'; '.join(hooks)}"
        )
    steps: list[Step] = [
        FileStep(
            DEBIAN_INTERFACES,
            edited,
            description=f"configure {spec.bridge} in {DEBIAN_INTERFACES}",
            keep_mode=True,
        ),
        CommandStep(
            ("ip", "address", "flush", "dev", uplink, "scope", "global"),
            undo=_restore_runtime(b, uplink),
            description=f"take the addresses off {uplink} (the bridge takes them over)",
        ),
        CommandStep(
            ("ifup", spec.bridge),
            undo=(("ifdown", spec.bridge),),
            description=f"bring up {spec.bridge} with {uplink} as its port",
        ),
    ]
    return steps, ()


def _rhel_steps(
    b: PlanBuilder, spec: NetworkSpec, uplink: str
) -> tuple[list[Step], tuple[Argv, ...]]:
    facts = b.facts
    if ifcfg_warning(facts):
        b.warn(ifcfg_warning(facts))
    uplink_path = f"{RHEL_IFCFG_DIR}/ifcfg-{uplink}"
    bridge_path = f"{RHEL_IFCFG_DIR}/ifcfg-{spec.bridge}"
    steps: list[Step] = [
        FileStep(
            uplink_path,
            render_ifcfg_uplink(spec, facts),
            description=f"make {uplink} a port of {spec.bridge}",
            keep_mode=True,
        ),
        FileStep(
            bridge_path,
            render_ifcfg_bridge(spec, facts),
            description=f"give {spec.bridge} the host's addresses",
        ),
    ]
    rhel6 = facts.distro == "rhel" and facts.distro_version.split(".")[0] == "6"
    if facts.network_manager:
        if rhel6:
            line = rhel6_nm_network_line()
            current = b.current(RHEL_NETWORK)
            if line not in current.splitlines():
                sep = "" if not current or current.endswith("\n") else "\n"
                steps.append(
                    FileStep(
                        RHEL_NETWORK,
                        f"{current}{sep}{line}\n",
                        description="let RHEL 6's NetworkManager manage bridges",
                        keep_mode=True,
                    )
                )
            # RHEL 6's NetworkManager (0.8) has no `nmcli connection reload` or `down NAME`:
            # its restart reads the files, and connections are named with `id`.
            restart = CommandStep(
                ("service", "NetworkManager", "restart"),
                description="make NetworkManager read the files",
            )
            steps += [
                restart,
                CommandStep(
                    ("nmcli", "con", "up", "id", uplink),
                    description=f"re-activate {uplink}, which now brings up {spec.bridge}",
                ),
            ]
            after_undo: tuple[Argv, ...] = (
                ("service", "NetworkManager", "restart"),
                ("nmcli", "con", "up", "id", uplink),
                ("ip", "link", "delete", spec.bridge),
            )
        else:
            steps += [
                CommandStep(
                    ("nmcli", "connection", "reload"),
                    description="make NetworkManager read the files",
                ),
                CommandStep(("nmcli", "connection", "down", uplink)),
                CommandStep(
                    ("nmcli", "connection", "up", uplink),
                    description=f"re-activate {uplink}, which now brings up {spec.bridge}",
                ),
            ]
            after_undo = (
                ("nmcli", "connection", "reload"),
                ("nmcli", "connection", "up", uplink),
                ("ip", "link", "delete", spec.bridge),
            )
    else:
        steps += [
            CommandStep(("ifdown", uplink)),
            CommandStep(("ifup", uplink)),
            CommandStep(("ifup", spec.bridge), undo=(("ifdown", spec.bridge),)),
        ]
        after_undo = (("ifdown", uplink), ("ifup", uplink))
    return steps, after_undo


def _todos(b: PlanBuilder, spec: NetworkSpec) -> None:
    if b.answers.situation.site == "dedicated":
        b.todo(
            Todo(
                title="Provider: let VM MACs bind",
                detail="Bridged VMs appear on the provider's network with their own MAC addresses; "
                "make sure the provider allows that (or rent a private VLAN), or their switch "
                "will drop the VMs' traffic.",
            )
        )
    else:
        ip = host_address(b.facts.ipv4) or "its address"
        b.todo(
            Todo(
                title="Router: fixed addresses",
                detail=f"Have the LAN router always give this server ({b.facts.mac or 'its MAC'}) "
                f"{ip}, and give any VM that needs a static address a reservation too.",
            )
        )
