"""The firewall stage of a custom network on an nftables host: one table, one file, one unit."""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Check, CommandStep, FileStep, Stage, Step
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.common import daemon_reload, systemctl
from virtnet_tui.core.render.iptables import firewall_unit_name
from virtnet_tui.core.render.nftables import (
    TABLE_FAMILY,
    nft_check_argv,
    nft_delete_argv,
    nft_load_argv,
    nft_rules_path,
    nft_table_name,
    render_nft_rules,
)
from virtnet_tui.core.render.systemd import render_nft_firewall_unit, unit_path


def nft_firewall(b: PlanBuilder, spec: NetworkSpec, extra: list[Step]) -> None:
    """Add the network's nftables stage: write the file, check it, load it, keep it at boot.

    ``extra`` are steps that belong to the same risky stage (Docker's DOCKER-USER rules).
    """
    f = b.facts
    br = spec.bridge
    path = nft_rules_path(br)
    table = f"{TABLE_FAMILY} {nft_table_name(br)}"
    steps: list[Step] = [
        FileStep(
            path,
            render_nft_rules(spec, f),
            mode=0o600,
            description=f"write the table {table}: {br}'s rules and nothing else",
        ),
        CommandStep(nft_check_argv(br), description=f"check {path} against the running kernel"),
        CommandStep(
            nft_load_argv(br),
            # One transaction: a failed load changed nothing, a loaded one is one table.
            undo=(nft_delete_argv(br),),
            description=f"load {path} atomically (only the table {table}; other rules stay)",
        ),
    ]
    steps += extra
    if f.systemd:
        unit = firewall_unit_name(br)
        steps += [
            FileStep(
                unit_path(unit),
                render_nft_firewall_unit(spec),
                description=f"reload {br}'s table at boot and after nftables.service",
            ),
            daemon_reload(),
            CommandStep(
                systemctl("enable", unit),
                undo=(systemctl("disable", unit),),
                description=f"load {br}'s table at every boot",
            ),
        ]
    else:
        b.warn(
            f"Without systemd nothing loads {path} at boot; add `nft -f {path}` to your boot "
            "scripts, after whatever loads the host's own rule set (`flush ruleset` would "
            "delete the table)."
        )
    b.add(
        Stage(
            name=f"Firewall rules for {br} (nftables)",
            steps=tuple(steps),
            risky=True,
            why_risky=f"firewall changes; the table {table} only matches traffic of {br} "
            "and no other table is touched",
            checks=(Check("nft-table", table),),
            network=spec.name,
        )
    )
