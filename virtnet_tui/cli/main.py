"""Command-line entry point; Textual is imported only when the full-screen wizard starts."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from virtnet_tui import __version__
from virtnet_tui.cli import MODULES
from virtnet_tui.core.errors import AnswersError, RecordError
from virtnet_tui.hosts.files import UnsafePath, make_dirs

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
#: The demo hosts a new sandbox can be seeded with (``probe.demo.DEMOS``; a test keeps
#: the two the same, so that parsing the command line imports nothing more).
DEMO_KINDS = ("debian-12", "ubuntu-24.04", "debian-13-networkd", "alma-9", "fedora-42")


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
    parser.add_argument("--version", action="version", version=f"virtnet-wizard {__version__}")
    parser.add_argument(
        "--sandbox",
        metavar="DIR",
        help="run the wizard against a sandbox host kept in DIR (nothing on this machine changes)",
    )
    parser.add_argument(
        "--demo",
        metavar="KIND",
        choices=DEMO_KINDS,
        default=DEMO_KINDS[0],
        help="the demo host a new --sandbox DIR is seeded with: "
        + ", ".join(DEMO_KINDS)
        + f" (default {DEMO_KINDS[0]})",
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


def _global_flags(args: argparse.Namespace) -> str | None:
    """Make ``--sandbox`` and ``--plain`` mean the same for a command as for the wizard.

    ``--sandbox DIR COMMAND`` acts on the sandbox DIR, as ``--root DIR`` would (seeded with
    the demo host when DIR is new or empty); it never falls through to the real host.
    Returns the reason to refuse the combination, or None.
    """
    if args.command is None:
        return None
    if args.plain:
        return f"--plain is for the wizard itself; it does not go with the {args.command} command"
    if args.sandbox is None or not hasattr(args, "root"):
        return None  # recommend reads only the answers file: it acts on no host
    sandbox = Path(args.sandbox).resolve()
    if args.netns is not None:
        return (
            f"--sandbox {args.sandbox} with --netns {args.netns}: a sandbox records commands, "
            "a namespace runs them; give one of the two"
        )
    if sandbox.exists() and not sandbox.is_dir():
        return f"--sandbox {args.sandbox}: not a folder"
    if args.root is not None and Path(args.root).resolve() != sandbox:
        return f"--sandbox {args.sandbox} and --root {args.root} name two different hosts"
    if not sandbox.exists() or not any(sandbox.iterdir()):
        from virtnet_tui.probe.demo import seed_demo_host

        make_dirs(sandbox)
        seed_demo_host(sandbox, args.demo)
    args.root = str(sandbox)
    return None


def permission_message(exc: PermissionError) -> str:
    """The refusal for a file this user may not read or write, naming the path."""
    path = exc.filename if exc.filename is not None else "a file"
    return (
        f"permission denied on {path}: this user may not change the wizard's records or the "
        "host's files there; run it as root (sudo), or give a --root folder you own"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "func", _wizard)
    refusal = _global_flags(args)
    if refusal is not None:
        sys.stderr.write(f"virtnet-wizard: {refusal}\n")
        return EXIT_BAD_INPUT
    try:
        return int(handler(args))
    except AnswersError as exc:
        sys.stderr.write(f"virtnet-wizard: invalid answers:\n{exc}\n")
        return EXIT_BAD_INPUT
    except RecordError as exc:
        # A damaged or planted record: refused before anything changed; the message
        # names the file and what to do (docs/apply.md, "Damaged records").
        sys.stderr.write(f"virtnet-wizard: cannot use {exc}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # `virtnet-wizard plan ... | head` closed the pipe early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("virtnet-wizard: interrupted\n")
        return 130
    except UnsafePath as exc:
        # A symbolic link where the wizard writes, or a folder leading outside --root.
        sys.stderr.write(f"virtnet-wizard: {exc}\n")
        return EXIT_BAD_INPUT
    except PermissionError as exc:
        # Not a bug: this user may not touch the wizard's records (its lock, its runs) or the
        # host's files; say which path, as the real host's "needs root" refusal does.
        sys.stderr.write(f"virtnet-wizard: {permission_message(exc)}\n")
        return EXIT_BAD_INPUT
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
