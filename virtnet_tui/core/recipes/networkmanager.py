"""The bridge steps of a host whose links NetworkManager configures from its own profiles.

The wizard writes keyfiles (0600, as NetworkManager requires) for the bridge and for the
uplink as its port, loads them with ``nmcli connection load`` and activates the bridge,
which brings its port along. The uplink's old profile is kept: undo removes the new
keyfiles, reloads, and activates the old profile again.
"""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Argv, CommandStep, FileStep, Step
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.render.keyfile import (
    find_uplink_profile,
    own_path,
    port_name,
    profile_uuid,
    render_bridged_bridge,
    render_port,
    render_virtual_bridge,
)

RELOAD: Argv = ("nmcli", "connection", "reload")
#: Keyfiles with secrets or not must be private: NetworkManager ignores others' readable ones.
KEYFILE_MODE = 0o600


def _up(uuid: str) -> Argv:
    return ("nmcli", "connection", "up", "uuid", uuid)


def bridged_steps(
    b: PlanBuilder, spec: NetworkSpec, uplink: str
) -> tuple[list[Step], tuple[Argv, ...]]:
    """Profiles that make ``uplink`` a port of ``spec.bridge``, which takes its IP layer over."""
    f = b.facts
    br = spec.bridge
    found = find_uplink_profile(f.files, uplink, f.mac)
    if found is None:
        b.warn(
            f"no NetworkManager keyfile configures {uplink}; {br} takes the probed addresses "
            "and gateways, and undo activates whatever profile NetworkManager picks for "
            f"{uplink}"
        )
    bridge_file, port_file = own_path(br), own_path(port_name(br, uplink))
    steps: list[Step] = [
        FileStep(
            bridge_file,
            render_bridged_bridge(br, found, f),
            mode=KEYFILE_MODE,
            description=f"profile {br}: {uplink}'s MAC, addresses, routes and DNS",
        ),
        FileStep(
            port_file,
            render_port(br, uplink, found),
            mode=KEYFILE_MODE,
            description=f"profile that makes {uplink} a port of {br}"
            + (f" ({found.path} stays)" if found else ""),
        ),
        CommandStep(
            ("nmcli", "connection", "load", bridge_file, port_file),
            description="make NetworkManager read the two profiles",
        ),
        CommandStep(
            _up(profile_uuid(br)),
            description=f"activate {br}, which takes {uplink} as its port",
        ),
    ]
    # Once the files are gone, a reload forgets the profiles and removes the bridge
    # NetworkManager made; the old profile is then activated explicitly.
    back: Argv = _up(found.uuid) if found and found.uuid else ("nmcli", "device", "connect", uplink)
    return steps, (RELOAD, back)


def virtual_bridge_steps(b: PlanBuilder, spec: NetworkSpec) -> tuple[list[Step], tuple[Argv, ...]]:
    """A VM-only bridge as a profile: its MAC and addresses, active with no port."""
    br = spec.bridge
    path = own_path(br)
    steps: list[Step] = [
        FileStep(
            path,
            render_virtual_bridge(spec),
            mode=KEYFILE_MODE,
            description=f"profile {br}: its MAC and addresses, up with no port",
        ),
        CommandStep(
            ("nmcli", "connection", "load", path), description="make NetworkManager read it"
        ),
        CommandStep(
            _up(profile_uuid(br)),
            undo=(("nmcli", "connection", "down", "uuid", profile_uuid(br)),),
            description=f"create {br} and give it its addresses",
        ),
    ]
    return steps, (RELOAD,)
