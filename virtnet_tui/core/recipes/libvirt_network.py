"""libvirt's own routed and NAT networks: one XML definition, then define, autostart, start."""

from __future__ import annotations

from virtnet_tui.core.model import LibvirtFirewall, NetworkSpec
from virtnet_tui.core.plan import Check, LibvirtStep, Stage, SysctlStep
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.common import static_route_todos, vm_notes
from virtnet_tui.core.recipes.docker import docker_stage
from virtnet_tui.core.render.libvirt_xml import render_network_xml

#: ``(table, built-in chain, chain)``: the chains libvirt's iptables backend makes for all
#: of its networks the first time it starts one, with one jump each from the built-in
#: chain, in iptables and ip6tables alike. Stopping and undefining a network leaves them.
LIBVIRT_CHAINS: tuple[tuple[str, str, str], ...] = (
    ("filter", "INPUT", "LIBVIRT_INP"),
    ("filter", "FORWARD", "LIBVIRT_FWX"),
    ("filter", "FORWARD", "LIBVIRT_FWI"),
    ("filter", "FORWARD", "LIBVIRT_FWO"),
    ("filter", "OUTPUT", "LIBVIRT_OUT"),
    ("nat", "POSTROUTING", "LIBVIRT_PRT"),
    ("mangle", "POSTROUTING", "LIBVIRT_PRT"),
)


#: The tables libvirt's nftables backend (libvirt 10.4 and later) keeps its rules in.
LIBVIRT_NFT_TABLES = ("ip libvirt_network", "ip6 libvirt_network")


def leftovers_warning(backend: LibvirtFirewall = "iptables") -> str:
    """What rolling back a libvirt network leaves, because libvirt made it, not the wizard.

    ``backend`` is libvirt's own firewall backend (host.libvirt_firewall_backend): the
    warning names the chains or tables that one leaves.
    """
    if backend == "nftables":
        return (
            "Rolling back a libvirt network stops and undefines it and puts back the "
            "forwarding settings found before, but leaves what libvirt made for all of its "
            "networks: with its nftables firewall backend (libvirt 10.4 and later, "
            "firewall_backend in /etc/libvirt/network.conf), the tables "
            f"{' and '.join(LIBVIRT_NFT_TABLES)} (`nft list table ip libvirt_network`). "
            "Empty once no libvirt network runs, they filter nothing, and libvirt makes them "
            "again when it starts a network."
        )
    by_table: dict[str, list[str]] = {}
    for table, _, chain in LIBVIRT_CHAINS:
        by_table.setdefault(table, []).append(chain)
    # Tables that hold the same chains are named together: "LIBVIRT_PRT in nat and mangle".
    tables_of: dict[tuple[str, ...], list[str]] = {}
    for table, chains in by_table.items():
        tables_of.setdefault(tuple(chains), []).append(table)
    listed = "; ".join(f"{', '.join(c)} in {' and '.join(t)}" for c, t in tables_of.items())
    builtins = ", ".join(dict.fromkeys(b for _, b, _ in LIBVIRT_CHAINS))
    return (
        "Rolling back a libvirt network stops and undefines it and puts back the forwarding "
        "settings found before, but leaves what libvirt made for all of its networks. With "
        f"its iptables firewall backend: the chains {listed}, with their jumps from "
        f"{builtins}, in iptables and ip6tables. With its nftables backend (libvirt 10.4 and "
        "later): its libvirt_network tables. Empty once no libvirt network runs, they filter "
        "nothing, and libvirt makes them again when it starts a network."
    )


def _forwarding(spec: NetworkSpec) -> SysctlStep:
    """What libvirt switches on when it starts a routed or NAT network, done by the plan.

    libvirt never switches it off again; done here, the step journals the values it
    found, and rollback puts them back.
    """
    settings = [("net.ipv4.ip_forward", "1")] if spec.ipv4 else []
    if spec.ipv6:
        settings.append(("net.ipv6.conf.all.forwarding", "1"))
    return SysctlStep(
        tuple(settings),
        description=f"turn on forwarding now, as libvirt does when it starts {spec.name} "
        "(rollback puts back the values found)",
    )


def _libvirt_rules(backend: LibvirtFirewall) -> str:
    """How the warnings name the rules libvirt writes with its ``backend``."""
    if backend == "nftables":
        return "nftables rules (table libvirt_network)"
    return "iptables rules"


def build(b: PlanBuilder, spec: NetworkSpec) -> None:
    """Add the stages of a libvirt ``routed`` or ``nat`` network to ``b``."""
    b.need("libvirt")
    rules = _libvirt_rules(b.facts.libvirt_firewall_backend)
    xml = render_network_xml(spec)
    what = "routed" if spec.type == "routed" else "NAT"
    b.add(
        Stage(
            name=f"Define and start libvirt {what} network {spec.name}",
            steps=(
                LibvirtStep(
                    "net-define",
                    spec.name,
                    xml=xml,
                    description=f"define network {spec.name} (bridge {spec.bridge})",
                ),
                LibvirtStep(
                    "net-autostart", spec.name, description=f"start {spec.name} at every boot"
                ),
                _forwarding(spec),
                LibvirtStep("net-start", spec.name, description=f"start {spec.name} now"),
            ),
            checks=(Check("net-active", spec.name), Check("link-up", spec.bridge)),
            network=spec.name,
        )
    )
    if spec.type == "routed":
        static_route_todos(b, spec)
        b.warn(
            f"libvirt inserts its own {rules} for {spec.name}, in an order of its "
            "choosing; choose custom-routed to keep full control of the firewall."
        )
    else:
        if spec.ipv6:
            # libvirt never NATs IPv6: the VMs' IPv6 subnet is routed, so it needs routes too.
            static_route_todos(b, spec)
        b.warn(
            f"libvirt inserts its own {rules} for {spec.name}; choose custom-nat to keep "
            "full control of the firewall or to forward ports without libvirt's hook scripts."
        )
    if b.facts.docker:
        docker_stage(b, spec)
    b.warn(leftovers_warning(b.facts.libvirt_firewall_backend))
    vm_notes(b, spec)
