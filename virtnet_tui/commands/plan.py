"""``virtnet-wizard plan``: every file and command the answers lead to, as text, JSON or bash."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("plan", help="print every file and command the answers lead to")
    parser.add_argument(
        "--answers", required=True, type=Path, metavar="FILE", help="the answers file (TOML)"
    )
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the plan as JSON")
    fmt.add_argument(
        "--script", action="store_true", help="print the plan as a bash script doing the same"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.answers import load_answers
    from virtnet_tui.planning import prepare

    prepared = prepare(load_answers(args.answers))
    if args.json:
        print(prepared.plan.to_json_text(), end="")
    elif args.script:
        from virtnet_tui.render.script import render_plan_script

        print(render_plan_script(prepared.plan), end="")
    else:
        from virtnet_tui.textreport import plan_text

        print(plan_text(prepared), end="")
    return 0
