"""The bridge steps of a host whose links systemd-networkd configures from its own units.

The wizard's units are named to come first (``00-virtnet-``), so the existing ones stay
untouched and stop applying to the uplink; ``networkctl reload`` reconfigures the links
whose unit changed. Undo removes the units and reloads again.
"""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Argv, CommandStep, FileStep, Step
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.netplan import after_undo_bridged, create_bridge
from virtnet_tui.core.render.networkd import (
    OWN_DIR,
    UplinkUnit,
    find_uplink_unit,
    own_path,
    render_bridge_netdev,
    render_bridged_network,
    render_port_network,
    render_virtual_bridge_network,
)

RELOAD: Argv = ("networkctl", "reload")
AFTER_UNDO: tuple[Argv, ...] = (RELOAD,)


def _reload(bridge: str, what: str) -> CommandStep:
    return CommandStep(
        RELOAD,
        # networkd never removes a netdev it created; undo does, and the reload after
        # the units are gone gives the old configuration back.
        undo=(("ip", "link", "delete", bridge),),
        description=f"make systemd-networkd {what}",
    )


def port_path(found: UplinkUnit | None, uplink: str) -> str:
    """The uplink's new unit: ours, unless the old one's name sorts first (then its namesake).

    A same-named file in /etc hides the others, so it wins whatever the name; undo
    puts the old one back if it was in /etc itself.
    """
    ours = own_path(uplink, ".network")
    old = found.path.rpartition("/")[2] if found else ""
    return f"{OWN_DIR}/{old}" if old and old < ours.rpartition("/")[2] else ours


def bridged_steps(
    b: PlanBuilder, spec: NetworkSpec, uplink: str
) -> tuple[list[Step], tuple[Argv, ...]]:
    """Units that make ``uplink`` a port of ``spec.bridge``, which takes its IP layer over."""
    f = b.facts
    units = [(p, t) for p, t in f.files if p.endswith(".network")]
    found = find_uplink_unit(units, uplink, f.mac)
    if found is None:
        b.warn(
            f"no systemd-networkd unit configures {uplink}; {spec.bridge} takes the probed "
            "addresses and gateways"
        )
    br = spec.bridge
    steps: list[Step] = [
        create_bridge(br, f.mac),
        FileStep(
            own_path(br, ".netdev"),
            render_bridge_netdev(br, f.mac),
            description=f"bridge {br} with {uplink}'s MAC",
        ),
        FileStep(
            port_path(found, uplink),
            render_port_network(found, uplink, br),
            description=f"make {uplink} a port of {br}"
            + (f" (before {found.path}, which stays)" if found else ""),
        ),
        FileStep(
            own_path(br, ".network"),
            render_bridged_network(found, f, br),
            description=f"give {br} {uplink}'s addresses, routes and DNS",
        ),
        CommandStep(RELOAD, description=f"make systemd-networkd put {uplink} into {br}"),
    ]
    return steps, after_undo_bridged(br, AFTER_UNDO)


def virtual_bridge_steps(b: PlanBuilder, spec: NetworkSpec) -> tuple[list[Step], tuple[Argv, ...]]:
    """A VM-only bridge with its stable MAC and addresses, configured with no port up."""
    br = spec.bridge
    steps: list[Step] = [
        FileStep(own_path(br, ".netdev"), render_bridge_netdev(br, spec.bridge_mac)),
        FileStep(own_path(br, ".network"), render_virtual_bridge_network(spec)),
        _reload(br, f"create {br}"),
    ]
    return steps, AFTER_UNDO
