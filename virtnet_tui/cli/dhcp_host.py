"""``virtnet-wizard dhcp-host``: add, change or delete a fixed DHCP lease, live, as its own run."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from virtnet_tui.core.changes.common import PlannedChange
    from virtnet_tui.executor.apply import Outcome


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from virtnet_tui.cli.apply import add_host_options

    parser = sub.add_parser(
        "dhcp-host",
        help="add, modify or delete a fixed DHCP lease (live; no network restart)",
    )
    parser.add_argument("action", choices=("add", "modify", "delete"))
    parser.add_argument("--network", required=True, metavar="NAME", help="a managed network")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--mac", metavar="MAC", help="the VM's MAC address (an IPv4 lease)")
    who.add_argument(
        "--id",
        metavar="DUID",
        help="the VM's DHCPv6 client id (an IPv6 lease); `status` lists it with the leases",
    )
    parser.add_argument("--ip", metavar="IP", help="the address to reserve (add and modify)")
    parser.add_argument("--name", metavar="HOST", default="", help="a host name for the VM")
    add_host_options(parser)
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.set_defaults(func=run)


def outcome_json(planned: PlannedChange, outcome: Outcome) -> dict[str, Any]:
    """What ``--json`` prints after a change ran (see docs/reruns.md)."""
    from virtnet_tui.core.changes.records import change_to_json

    return {
        "run_id": outcome.run_id,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "summary": planned.summary,
        "change": change_to_json(planned.change),
        "error": outcome.failure.reason if outcome.failure else "",
    }


def report(planned: PlannedChange, outcome: Outcome, as_json: bool, where: str) -> int:
    """Print how a re-run change went; returns the exit code."""
    if as_json:
        print(json.dumps(outcome_json(planned, outcome), indent=2))
        return outcome.exit_code
    if outcome.status == "applied":
        print(f"{planned.summary}.")
        for line in planned.after:
            print(line)
        print(
            f"Run {outcome.run_id}; undo it with: virtnet-wizard rollback {outcome.run_id}{where}"
        )
        return 0
    from virtnet_tui.executor.outcome_text import outcome_report

    out, err = outcome_report(outcome, f"virtnet-wizard rollback {outcome.run_id}{where}")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return outcome.exit_code


def where_flags(args: argparse.Namespace) -> str:
    return "".join(
        f" --{flag} {value}"
        for flag, value in (("root", args.root), ("netns", args.netns))
        if value
    )


def run_planned(args: argparse.Namespace, prepare: Any, request: Any) -> int:
    """Plan the request under the run lock, apply it as a run, report (shared by commands)."""
    from virtnet_tui.cli.apply import host_from_args, needs_root
    from virtnet_tui.core.errors import AnswersError
    from virtnet_tui.executor.apply import Options, Refused
    from virtnet_tui.executor.faults import ENV, FaultError, parse_fault
    from virtnet_tui.managed.rerun import run_request

    try:
        # VIRTNET_FAULT works here as for apply: step numbers of the change's own plan.
        fault = parse_fault(os.environ.get(ENV))
    except FaultError as exc:
        sys.stderr.write(f"virtnet-wizard: {exc}\n")
        return 2
    host = host_from_args(args)
    refusal = needs_root(host, args.command)
    if refusal:
        sys.stderr.write(f"virtnet-wizard: {refusal}\n")
        return 2
    try:
        # Planned under the run lock, from the host as the previous run left it.
        planned, outcome = run_request(
            host, prepare, request, options=Options(yes=True, fault=fault)
        )
    except AnswersError as exc:
        sys.stderr.write(f"virtnet-wizard: {args.command} refused; nothing was changed:\n{exc}\n")
        return 2
    except (Refused, FaultError) as exc:
        sys.stderr.write(f"virtnet-wizard: {exc}\n")
        return 2
    for warning in planned.plan.warnings:
        sys.stderr.write(f"virtnet-wizard: warning: {warning}\n")
    return report(planned, outcome, bool(getattr(args, "json", False)), where_flags(args))


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.core.changes.dhcp import DhcpRequest
    from virtnet_tui.managed.rerun import prepare_dhcp

    request = DhcpRequest(
        action=args.action,
        network=args.network,
        mac=args.mac or "",
        id=args.id or "",
        ip=args.ip or "",
        name=args.name,
    )
    return run_planned(args, prepare_dhcp, request)
