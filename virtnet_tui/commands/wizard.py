"""The interactive wizard; until the TUI lands, the sandbox demo prints its preview."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    if args.sandbox is None:
        sys.stderr.write(
            "virtnet-wizard: the interactive wizard on the real host is not available yet; "
            "try `virtnet-wizard --sandbox DIR` or `virtnet-wizard plan --answers FILE`\n"
        )
        return 2
    from importlib.resources import files

    from virtnet_tui.answers import parse_answers
    from virtnet_tui.planning import prepare
    from virtnet_tui.textreport import plan_text, recommendation_text

    example = files("virtnet_tui").joinpath("examples/demo.toml").read_text()
    prepared = prepare(parse_answers(example))
    print(
        "virtnet-wizard sandbox demo: the bundled example host (virtnet_tui/examples/demo.toml)\n"
    )
    print(recommendation_text(prepared.recommendation, ()))
    print(plan_text(prepared), end="")
    return 0
