"""``virtnet-wizard rollback``: undo a run (the last one by default) back to the state before it."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from virtnet_tui.cli.apply import add_host_options

    parser = sub.add_parser("rollback", help="undo an applied or interrupted run")
    parser.add_argument(
        "run_id", nargs="?", metavar="RUN_ID", help="the run to undo (default: the last one)"
    )
    add_host_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.cli.apply import host_from_args, needs_root
    from virtnet_tui.executor.apply import Callbacks, Refused
    from virtnet_tui.executor.outcome_summary import summarize_outcome
    from virtnet_tui.executor.outcome_text import Progress, outcome_report
    from virtnet_tui.executor.rollback import rollback_run
    from virtnet_tui.managed.state import follow_runs

    host = host_from_args(args)
    refusal = needs_root(host, "rollback")
    if refusal:
        sys.stderr.write(f"virtnet-wizard: {refusal}\n")
        return 2
    progress = Progress()
    try:
        outcome = rollback_run(
            host,
            args.run_id,
            callbacks=Callbacks(
                on_event=progress.event, notify=progress.say, runs_changed=follow_runs
            ),
        )
    except Refused as exc:
        sys.stderr.write(f"virtnet-wizard: {exc}\n")
        return 2
    if outcome is None:
        which = f"run {args.run_id}" if args.run_id else "no run"
        print(f"Nothing to roll back: {which} has changes in place.")
        return 0
    if outcome.exit_code == 0:
        print(f"\n{summarize_outcome(outcome).sentence}")
        return 0
    out, err = outcome_report(outcome, "")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return outcome.exit_code
