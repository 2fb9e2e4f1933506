"""libvirt's own routed and NAT networks: one XML definition, then define, autostart, start."""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Check, LibvirtStep, Stage
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.common import static_route_todos, vm_notes
from virtnet_tui.core.render.libvirt_xml import render_network_xml


def build(b: PlanBuilder, spec: NetworkSpec) -> None:
    """Add the stages of a libvirt ``routed`` or ``nat`` network to ``b``."""
    b.need("libvirt")
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
                LibvirtStep("net-start", spec.name, description=f"start {spec.name} now"),
            ),
            checks=(Check("net-active", spec.name), Check("link-up", spec.bridge)),
            network=spec.name,
        )
    )
    if spec.type == "routed":
        static_route_todos(b, spec)
        b.warn(
            f"libvirt inserts its own iptables rules for {spec.name}, in an order of its "
            "choosing; choose custom-routed to keep full control of the firewall."
        )
    else:
        if spec.ipv6:
            # libvirt never NATs IPv6: the VMs' IPv6 subnet is routed, so it needs routes too.
            static_route_todos(b, spec)
        b.warn(
            f"libvirt inserts its own iptables rules for {spec.name}; choose custom-nat to keep "
            "full control of the firewall or to forward ports without libvirt's hook scripts."
        )
    vm_notes(b, spec)
