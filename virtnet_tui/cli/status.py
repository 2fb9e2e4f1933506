"""``virtnet-wizard status``: managed networks (live state, drift), runs, what is applied."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from virtnet_tui.cli.apply import add_host_options

    parser = sub.add_parser("status", help="list apply runs and what they left in place")
    add_host_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.cli.apply import host_from_args
    from virtnet_tui.executor.journal import runs_status
    from virtnet_tui.managed.state import load_state
    from virtnet_tui.managed.status_report import (
        all_drift,
        network_statuses,
        networks_json,
        networks_text,
    )

    host = host_from_args(args)
    try:
        infos = runs_status(host)
        networks = network_statuses(host, load_state(host))
    except PermissionError as exc:
        sys.stderr.write(
            f"virtnet-wizard: cannot read the runs ({exc.filename}): they are readable by root "
            "only; run status with sudo\n"
        )
        return 2
    in_place = [i for i in infos if i.has_changes]
    applied = {
        "runs": [i.id for i in in_place],
        "files": sorted({f for i in in_place for f in i.files}),
        "networks": sorted({n for i in in_place for n in i.networks}),
    }
    if args.json:
        document = {
            "runs": [i.to_json() for i in infos],
            "applied": applied,
            "networks": networks_json(networks),
            "drift": [d.to_json() for d in all_drift(networks)],
        }
        print(json.dumps(document, indent=2))
        return 0
    if networks:
        print("\n".join(networks_text(networks)) + "\n")
    if not infos:
        print("No runs yet: nothing was applied by virtnet-wizard here.")
        return 0
    print(f"{'RUN':<32} {'STARTED (UTC)':<20} {'STATE':<20} {'CHECKPOINTS':<12} STEPS")
    for i in infos:
        started = i.started.replace("T", " ")[:19]
        points = f"{len(i.checkpoints)}/{len(i.stages)}"
        steps = f"{i.steps_applied}/{i.steps_total} applied"
        print(f"{i.id:<32} {started:<20} {i.state:<20} {points:<12} {steps}")
        for name in i.checkpoints:
            print(f"{'':<32}   checkpoint: {name}")
        if i.state == "interrupted":
            print(
                f"{'':<32}   interrupted: `virtnet-wizard apply --resume {i.id}` continues it, "
                f"`virtnet-wizard rollback {i.id}` undoes it"
            )
        for pid in i.live_guards:
            print(f"{'':<32}   guard process {pid} still watches a risky stage")
    print()
    if not in_place:
        print("Nothing of these runs is in place.")
        return 0
    print("In place now:")
    for path in applied["files"]:
        print(f"  file {path}")
    for name in applied["networks"]:
        print(f"  libvirt network {name}")
    return 0
