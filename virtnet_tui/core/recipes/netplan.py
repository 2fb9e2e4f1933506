"""The bridge steps of a host whose links netplan configures (Ubuntu, many cloud images).

``netplan apply`` needs systemd's help (daemon-reload, restarts); what it does for the
networkd renderer is ``netplan generate`` (units under /run/systemd/network) and then
``networkctl reload``, which reconfigures every link whose unit changed. Undo restores
the YAML files, runs the same two commands and deletes the bridges it made.
"""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Argv, CommandStep, FileStep, Step
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.render.netplan import (
    CLOUD_INIT_DISABLE,
    CLOUD_INIT_YAML,
    NetplanError,
    bridged_files,
    find_uplink,
    render_cloud_init_disable,
    render_uplink_definition,
    render_virtual_bridge,
    virtual_bridge_path,
)

GENERATE: Argv = ("netplan", "generate")
RELOAD: Argv = ("networkctl", "reload")
#: What undo runs once the files are back: the same as applying them.
AFTER_UNDO: tuple[Argv, ...] = (GENERATE, RELOAD)


def create_bridge(bridge: str, mac: str) -> CommandStep:
    """The uplink's bridge made by hand first, as its units describe it.

    networkd takes a port out of its bridge only when a reload gives the port a unit
    without ``Bridge=``: the bridge must outlive that reload, or the port, finding its
    master gone, fails for good. So undo deletes the bridge after the reload
    (``after_undo``), and this step makes sure there is one to delete whatever step a
    failure stops at.
    """
    argv: Argv = ("ip", "link", "add", bridge)
    if mac:
        argv += ("address", mac)
    return CommandStep(
        (*argv, "type", "bridge", "stp_state", "0", "forward_delay", "0"),
        description=f"create bridge {bridge} (no port yet; undo deletes it after the reload)",
    )


def after_undo_bridged(bridge: str, reload: tuple[Argv, ...]) -> tuple[Argv, ...]:
    """The reload that takes the port out of the bridge, then the bridge's removal."""
    return (*reload, ("ip", "link", "delete", bridge))


def _apply(bridge: str, what: str) -> list[Step]:
    return [
        CommandStep(GENERATE, description="turn the YAML into systemd-networkd units"),
        CommandStep(
            RELOAD,
            # networkd never removes a netdev it created; undo does, before the reload
            # that gives the old configuration back.
            undo=(("ip", "link", "delete", bridge),),
            description=f"make systemd-networkd {what}",
        ),
    ]


def _files(b: PlanBuilder) -> list[tuple[str, str]]:
    """The netplan files as the plan has them so far (a second bridge sees the first)."""
    paths = {p for p, _ in b.facts.files} | set(b.planned_paths())
    return [(p, b.current(p)) for p in sorted(paths) if p.endswith(".yaml")]


def bridged_steps(
    b: PlanBuilder, spec: NetworkSpec, uplink: str
) -> tuple[list[Step], tuple[Argv, ...]]:
    """Edit the files that define ``uplink`` so that bridge ``spec.bridge`` takes its IP over."""
    files = _files(b)
    try:
        found = find_uplink(files, uplink, b.facts.mac)
    except NetplanError as exc:
        b.warn(f"netplan: {exc}; no bridge is configured for {uplink}")
        return [], ()
    if found is None:
        # Nothing defines the uplink yet (the answers named netplan themselves): a file
        # of the wizard's own defines it, as the bridge's port.
        path = virtual_bridge_path(spec.bridge)
        files.append((path, render_uplink_definition(uplink)))
        found = find_uplink(files, uplink, b.facts.mac)
        assert found is not None
    steps: list[Step] = [create_bridge(spec.bridge, b.facts.mac)]
    steps += [
        # netplan warns about (and will refuse) files others can read: they may hold
        # Wi-Fi or VPN secrets.
        FileStep(
            path,
            text,
            mode=0o600,
            description=f"move {uplink}'s addresses, routes and DNS to {spec.bridge} in {path}",
        )
        for path, text in bridged_files(files, found, spec, b.facts)
    ]
    if any(p.endswith(f"/{CLOUD_INIT_YAML}") for p in found.paths) and not b.exists(
        CLOUD_INIT_DISABLE
    ):
        steps.append(
            FileStep(
                CLOUD_INIT_DISABLE,
                render_cloud_init_disable(),
                description=f"stop cloud-init from rewriting {CLOUD_INIT_YAML} at boot",
            )
        )
    steps += [
        CommandStep(GENERATE, description="turn the YAML into systemd-networkd units"),
        CommandStep(RELOAD, description=f"make systemd-networkd put {uplink} into {spec.bridge}"),
    ]
    return steps, after_undo_bridged(spec.bridge, AFTER_UNDO)


def virtual_bridge_steps(b: PlanBuilder, spec: NetworkSpec) -> tuple[list[Step], tuple[Argv, ...]]:
    """A file of its own for a VM-only bridge."""
    path = virtual_bridge_path(spec.bridge)
    steps: list[Step] = [
        FileStep(path, render_virtual_bridge(spec), mode=0o600),
        *_apply(spec.bridge, f"create {spec.bridge}"),
    ]
    return steps, AFTER_UNDO
