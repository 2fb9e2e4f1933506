"""``virtnet-wizard plan``: every file and command the answers lead to, as text, JSON or bash."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from virtnet_tui.cli.apply import add_host_options

    parser = sub.add_parser("plan", help="print every file and command the answers lead to")
    parser.add_argument(
        "--answers", required=True, type=Path, metavar="FILE", help="the answers file (TOML)"
    )
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the plan as JSON")
    fmt.add_argument(
        "--script", action="store_true", help="print the plan as a bash script doing the same"
    )
    # The plan is for one host: it edits that host's own files and avoids what it uses,
    # so it reads them (read-only) from the host that `apply` with the same options changes.
    add_host_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.cli.apply import host_from_args
    from virtnet_tui.core.answers import load_answers
    from virtnet_tui.core.planning import prepare
    from virtnet_tui.managed.state import load_state, with_host_state

    host = host_from_args(args)
    answers = load_answers(args.answers)
    prepared = prepare(with_host_state(answers, host, load_state(host)))
    if args.json:
        print(prepared.plan.to_json_text(), end="")
    elif args.script:
        from virtnet_tui.core.render.script import render_plan_script

        print(render_plan_script(prepared.plan), end="")
    else:
        from virtnet_tui.core.textreport import plan_text

        print(plan_text(prepared), end="")
    return 0
