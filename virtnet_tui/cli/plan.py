"""``virtnet-wizard plan``: every file and command the answers lead to, as text, JSON or bash."""

from __future__ import annotations

import argparse
import json
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
    from virtnet_tui.managed.host_answers import answers_for_host
    from virtnet_tui.managed.state import load_state

    host = host_from_args(args)
    answers = load_answers(args.answers)
    prepared = prepare(answers_for_host(answers, host, load_state(host)))
    if args.json:
        from virtnet_tui.core.textreport import host_facts_json

        out = prepared.plan.to_json()
        out["host"] = host_facts_json(prepared.answers)
        print(json.dumps(out, indent=2))
    elif args.script:
        from virtnet_tui.core.render.script import render_plan_script

        print(render_plan_script(prepared.plan), end="")
    else:
        from virtnet_tui.core.textreport import host_facts_text, plan_text

        print(host_facts_text(prepared.answers) + plan_text(prepared), end="")
    return 0
