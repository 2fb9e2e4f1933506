"""Pieces that several recipes share: packages, forwarding, routes to ask for, VM snippets."""

from __future__ import annotations

import netaddr

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Check, CommandStep, FileStep, Stage, SysctlStep, Todo
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.render.libvirt_xml import render_interface_xml, virt_install_network_arg
from virtnet_tui.core.render.sysctl import render_forwarding_sysctl

FORWARDING_SYSCTL = "/etc/sysctl.d/90-virtnet-wizard-forwarding.conf"

RHEL_IFCFG_DIR = "/etc/sysconfig/network-scripts"
DEBIAN_INTERFACES = "/etc/network/interfaces"


def systemctl(*args: str) -> tuple[str, ...]:
    return ("systemctl", *args)


def host_address(cidr: str) -> str:
    """The address part of ``a.b.c.d/nn`` ("" when empty)."""
    return str(netaddr.IPNetwork(cidr).ip) if cidr else ""


def subnet(cidr: str) -> str:
    """The network that ``cidr`` belongs to, as ``a.b.c.0/nn``."""
    return str(netaddr.IPNetwork(cidr).cidr)


def add_forwarding(b: PlanBuilder) -> None:
    """Turn on routing between interfaces, once per plan, for IPv6 too if any network routes it."""
    if not b.first_time("forwarding"):
        return
    ipv6 = any(n.ipv6 and n.type != "bridged" for n in b.answers.networks)
    settings: list[tuple[str, str]] = [
        ("net.ipv4.ip_forward", "1"),
        ("net.ipv4.conf.all.forwarding", "1"),
    ]
    risky = False
    why = ""
    if ipv6:
        uplink = b.facts.uplink_interface
        settings.append(("net.ipv6.conf.all.forwarding", "1"))
        # A router ignores router advertisements unless accept_ra=2: without this the
        # host would drop an RA-learned IPv6 default route, and an SSH session over IPv6.
        settings.append((f"net.ipv6.conf.{uplink}.accept_ra", "2"))
        risky = bool(b.facts.ipv6)
        why = "enabling IPv6 forwarding changes how the uplink treats router advertisements"
    b.add(
        Stage(
            name="Enable IP forwarding" + (" (IPv4 and IPv6)" if ipv6 else " (IPv4)"),
            steps=(
                FileStep(
                    FORWARDING_SYSCTL,
                    render_forwarding_sysctl(ipv4=True, ipv6=ipv6)
                    + "".join(f"{k}={v}\n" for k, v in settings if k.endswith("accept_ra")),
                    description=f"write {FORWARDING_SYSCTL} so forwarding survives a reboot",
                ),
                SysctlStep(tuple(settings), description="turn on forwarding now"),
            ),
            risky=risky,
            why_risky=why,
        )
    )


def _ipv4_next_hop(b: PlanBuilder, spec: NetworkSpec) -> str:
    """The host's address on the LAN whose router must learn the route to ``spec``."""
    f = b.facts
    if spec.uplink and spec.uplink == f.wireless_interface:
        # Example 3 of the guide: the wireless LAN reaches its routed network through
        # the host's wireless address, not the wired one.
        return host_address(f.wireless_ipv4) if f.wireless_ipv4 else f"<{spec.uplink}'s address>"
    return host_address(f.ipv4) if f.ipv4 else ""


def static_route_todos(b: PlanBuilder, spec: NetworkSpec) -> None:
    """Routed subnets are only reachable once the upstream router knows the way to them.

    Only what is routed: a NAT network's private IPv4 subnet stays behind the host's
    address (its IPv6 subnet, never NATed, is routed and needs the route).
    """
    commands = []
    next_hop = _ipv4_next_hop(b, spec)
    if spec.ipv4 and spec.type in ("routed", "custom-routed") and next_hop:
        commands.append(f"ip -4 route add {subnet(spec.ipv4)} via {next_hop}")
    if spec.ipv6 and b.facts.ipv6:
        commands.append(f"ip -6 route add {subnet(spec.ipv6)} via {host_address(b.facts.ipv6)}")
    if not commands:
        return
    lan = (
        f"the router of the LAN on {spec.uplink}"
        if spec.uplink and spec.uplink == b.facts.wireless_interface
        else "your LAN router"
    )
    where = (
        "Ask your hosting provider to add these routes"
        if b.answers.situation.site == "dedicated"
        else f"Add these routes on {lan} (some consumer routers cannot; "
        "alternative firmware such as OpenWRT can)"
    )
    b.todo(
        Todo(
            title=f"Static routes to {spec.name}",
            detail=f"{where}; until then nothing outside this host can reach the VMs.",
            commands=tuple(commands),
        )
    )


def vm_notes(b: PlanBuilder, spec: NetworkSpec) -> None:
    """How to connect VMs: the virt-install option and the interface XML for existing VMs."""
    b.note(
        f"New VMs on {spec.name}: virt-install --network {virt_install_network_arg(spec)} ...\n"
        f"Existing VMs: `virsh edit VM` and use this <interface> (keep the VM's own <mac>):\n"
        f"{render_interface_xml(spec, mac='52:54:00:xx:xx:xx').rstrip()}\n"
        "Reboot the VM afterwards; its network scripts may need adjusting to the new interface."
    )


def daemon_reload() -> CommandStep:
    return CommandStep(systemctl("daemon-reload"), description="make systemd read the new units")


def enable_now(unit: str) -> CommandStep:
    return CommandStep(
        systemctl("enable", "--now", unit),
        undo=(systemctl("disable", "--now", unit),),
        description=f"start {unit} now and at every boot",
    )


def link_checks(bridge: str, cidrs: tuple[str, ...]) -> tuple[Check, ...]:
    checks = [Check("link-up", bridge)]
    checks += [Check("address", bridge, c) for c in cidrs if c]
    return tuple(checks)
