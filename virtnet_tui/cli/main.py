"""Command-line entry point; Textual is imported only when the full-screen wizard starts."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from virtnet_tui import __version__
from virtnet_tui.cli import MODULES
from virtnet_tui.core.errors import AnswersError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error says what is wrong on one line and exits 2 like bad answers."""

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
        "--version", action="version", version=f"virtnet-wizard {__version__}"
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
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in MODULES:
        importlib.import_module(f"virtnet_tui.cli.{name}").register(sub)
    return parser


def _wizard(args: argparse.Namespace) -> int:
    from virtnet_tui.cli.wizard import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "func", _wizard)
    try:
        return int(handler(args))
    except AnswersError as exc:
        sys.stderr.write(f"virtnet-wizard: invalid answers:\n{exc}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # `virtnet-wizard plan ... | head` closed the pipe early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("virtnet-wizard: interrupted\n")
        return 130
    except Exception as exc:  # a bug: say so plainly; VIRTNET_DEBUG=1 shows the traceback
        if os.environ.get("VIRTNET_DEBUG"):
            raise
        sys.stderr.write(
            f"virtnet-wizard: internal error: {type(exc).__name__}: {exc}\n"
            "Run again with VIRTNET_DEBUG=1 for the details, and please report it.\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
