"""Command-line entry point; Textual is imported only when the full-screen wizard starts."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from virtnet_tui.errors import AnswersError

if TYPE_CHECKING:
    from virtnet_tui.planning import Prepared

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors name the problem on one line and exit 2 like bad answers."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"virtnet-wizard: error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="virtnet-wizard",
        description="Set up libvirt/KVM networking: recommend, preview, apply, roll back.",
    )
    parser.add_argument(
        "--sandbox",
        metavar="DIR",
        help="run the wizard against a sandbox host kept in DIR (nothing on this machine changes)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="ask the questions line by line instead of the full-screen wizard",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    rec = sub.add_parser("recommend", help="recommend network types for the answers' situation")
    rec.add_argument(
        "--answers", required=True, type=Path, metavar="FILE", help="the answers file (TOML)"
    )
    rec.add_argument("--json", action="store_true", help="print JSON for scripts")

    plan = sub.add_parser("plan", help="print every file and command the answers lead to")
    plan.add_argument(
        "--answers", required=True, type=Path, metavar="FILE", help="the answers file (TOML)"
    )
    fmt = plan.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the plan as JSON")
    fmt.add_argument(
        "--script",
        action="store_true",
        help="print the plan as a bash script that does the same steps",
    )
    return parser


def _prepare(path: Path) -> Prepared:
    from virtnet_tui.answers import load_answers
    from virtnet_tui.planning import prepare

    return prepare(load_answers(path))


def _cmd_recommend(args: argparse.Namespace) -> int:
    from virtnet_tui.answers import load_answers
    from virtnet_tui.validate import require_valid

    answers = load_answers(args.answers)
    warnings = require_valid(answers)
    from virtnet_tui.advisor import recommend

    rec = recommend(answers.situation)
    if args.json:
        print(json.dumps(rec.to_json(), indent=2))
        return EXIT_OK
    from virtnet_tui.textreport import recommendation_text

    print(recommendation_text(rec, tuple(str(w) for w in warnings)), end="")
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    prepared = _prepare(args.answers)
    if args.json:
        print(prepared.plan.to_json_text(), end="")
    elif args.script:
        from virtnet_tui.render.script import render_plan_script

        print(render_plan_script(prepared.plan), end="")
    else:
        from virtnet_tui.textreport import plan_text

        print(plan_text(prepared), end="")
    return EXIT_OK


def _cmd_wizard(args: argparse.Namespace) -> int:
    """The interactive wizard (the TUI lands with issue 2: until then, the sandbox demo)."""
    if args.sandbox is None and args.plain is False:
        sys.stderr.write(
            "virtnet-wizard: the interactive wizard on the real host is not available yet; "
            "try `virtnet-wizard --sandbox DIR` or `virtnet-wizard plan --answers FILE`\n"
        )
        return EXIT_BAD_INPUT
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
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"recommend": _cmd_recommend, "plan": _cmd_plan}
    handler = handlers.get(args.command or "", _cmd_wizard)
    try:
        return handler(args)
    except AnswersError as exc:
        sys.stderr.write(f"virtnet-wizard: invalid answers:\n{exc}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # `virtnet-wizard plan ... | head` closed the pipe; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("virtnet-wizard: interrupted; nothing was changed\n")
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the traceback for VIRTNET_DEBUG
        if os.environ.get("VIRTNET_DEBUG"):
            raise
        sys.stderr.write(
            f"virtnet-wizard: internal error: {type(exc).__name__}: {exc}\n"
            "Nothing was changed. Run again with VIRTNET_DEBUG=1 for details and report it.\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
