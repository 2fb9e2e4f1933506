"""``virtnet-wizard recommend``: the network types the handbook's guide picks for a situation."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("recommend", help="recommend network types for the answers' situation")
    parser.add_argument(
        "--answers", required=True, type=Path, metavar="FILE", help="the answers file (TOML)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.core.advisor import recommend
    from virtnet_tui.core.answers import load_answers
    from virtnet_tui.core.validate.answers import require_valid

    answers = load_answers(args.answers)
    warnings = require_valid(answers)
    rec = recommend(answers.situation)
    if args.json:
        print(json.dumps(rec.to_json(), indent=2))
        return 0
    from virtnet_tui.core.textreport import recommendation_text

    print(recommendation_text(rec, tuple(str(w) for w in warnings)), end="")
    return 0
