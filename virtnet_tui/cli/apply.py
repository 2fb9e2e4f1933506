"""``virtnet-wizard apply``: apply an answers file's plan with checkpoints, guards and rollback."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from virtnet_tui.core.plan import Plan
    from virtnet_tui.hosts.base import Host


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds, not {text}")
    return value


def add_host_options(parser: argparse.ArgumentParser) -> None:
    """``--root`` and ``--netns``, as docs/contract.md ("Where a command acts") defines them."""
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="a sandbox: files under DIR, commands recorded (not run), libvirt's test driver",
    )
    parser.add_argument(
        "--netns",
        metavar="NAME",
        help="run commands inside network namespace NAME (files under --root when given)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "apply", help="apply the plan step by step, with checkpoints and rollback"
    )
    parser.add_argument("--answers", type=Path, metavar="FILE", help="the answers file (TOML)")
    add_host_options(parser)
    parser.add_argument(
        "--yes",
        action="store_true",
        help="answer every question with the safe default (roll back everything on failure)",
    )
    parser.add_argument(
        "--confirm-timeout",
        type=_seconds,
        default=60.0,
        metavar="S",
        help="seconds to confirm a risky stage before it is undone (default 60)",
    )
    parser.add_argument(
        "--resume",
        metavar="RUN_ID",
        help="continue an interrupted run after its last completed step",
    )
    parser.set_defaults(func=run)


def _error(text: str) -> int:
    sys.stderr.write(f"virtnet-wizard: {text}\n")
    return 2


def host_from_args(args: argparse.Namespace) -> Host:
    """The host ``--root``/``--netns`` select; the root made absolute (libvirt's test
    driver would read a relative one as a remote host name, and the guard runs from /)."""
    from virtnet_tui.hosts.factory import make_host

    root = os.path.abspath(args.root) if args.root else None
    return make_host(root, args.netns)


def needs_root(host: Host, what: str) -> str | None:
    """The refusal message when ``what`` would change this machine without root."""
    if host.needs_root and os.geteuid() != 0:
        return (
            f"{what} changes this machine's network and needs root; run it with sudo, "
            "or try it in a sandbox with --root DIR"
        )
    return None


def _summary(plan: Plan, host: Host, warnings: tuple[str, ...]) -> str:
    from virtnet_tui.executor.apply import summarize

    counts = summarize(plan)
    lines = [f"Plan for {host.describe()}: {counts.stages} stages, {counts.steps} steps."]
    for index, stage in enumerate(plan.stages, start=1):
        mark = "  [risky: timed confirmation]" if stage.risky else ""
        lines.append(f"  {index}. {stage.name} ({len(stage.steps)} steps){mark}")
    lines += [f"  ! {w}" for w in warnings]
    lines.append("`virtnet-wizard plan --answers FILE` shows every file and command.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.executor.apply import (
        Callbacks,
        Executor,
        Options,
        Refused,
        interrupted_message,
        interrupted_runs,
    )
    from virtnet_tui.executor.faults import ENV, FaultError, check_fault_in_plan, parse_fault
    from virtnet_tui.executor.journal import find_run
    from virtnet_tui.executor.outcome_text import (
        Progress,
        ask,
        ask_keep_earlier,
        confirm_on_terminal,
        outcome_report,
    )
    from virtnet_tui.managed.state import follow_runs

    try:
        fault = parse_fault(os.environ.get(ENV))
    except FaultError as exc:
        return _error(str(exc))
    if args.resume and args.answers:
        return _error("--resume continues the run's own plan; leave out --answers")
    if not args.resume and not args.answers:
        return _error("apply needs --answers FILE (or --resume RUN_ID)")
    host = host_from_args(args)
    refusal = needs_root(host, "apply")
    if refusal:
        return _error(refusal)
    interactive = sys.stdin.isatty()
    if not args.yes and not interactive:
        return _error("apply needs --yes or a terminal to ask its questions on; nothing changed")

    warnings: tuple[str, ...] = ()
    answers_text = ""
    if args.resume:
        found = find_run(host, args.resume)
        if found is None:
            return _error(f"there is no run {args.resume!r} (see `virtnet-wizard status`)")
        plan = found.plan()
    else:
        from virtnet_tui.core.answers import answers_to_toml, load_answers
        from virtnet_tui.core.planning import prepare
        from virtnet_tui.managed.host_answers import answers_for_host
        from virtnet_tui.managed.state import check_collisions, load_state

        # An interrupted run comes first: its network would otherwise look taken.
        stuck = interrupted_runs(host)
        if stuck:
            return _error(interrupted_message(stuck[-1]))
        # A re-run: what the wizard (and libvirt) already use is taken, so a colliding
        # network is refused by name before anything changes.
        state = load_state(host)
        prepared = prepare(answers_for_host(load_answers(args.answers), host, state))
        check_collisions(prepared.answers, state)
        plan, warnings = prepared.plan, prepared.warnings
        answers_text = answers_to_toml(prepared.answers, all_host_keys=True)
    try:
        check_fault_in_plan(fault, sum(1 for _ in plan.steps()))
    except FaultError as exc:
        return _error(str(exc))
    if not plan.stages:
        print("Nothing to apply: the plan is empty.")
        return 0

    if not args.yes:
        print(_summary(plan, host, warnings))
        if ask(f"Apply {len(plan.stages)} stages? [y/N] ") not in ("y", "yes"):
            print("Nothing was changed.")
            return 0

    progress = Progress(stages=len(plan.stages))
    callbacks = Callbacks(
        on_event=progress.event,
        confirm=None if args.yes else confirm_on_terminal,
        keep_earlier=None if args.yes else ask_keep_earlier,
        notify=progress.say,
        runs_changed=follow_runs,
    )
    options = Options(yes=args.yes, confirm_timeout=args.confirm_timeout, fault=fault)
    executor = Executor(host, plan, answers_text=answers_text, options=options, callbacks=callbacks)
    try:
        outcome = executor.resume(args.resume) if args.resume else executor.apply()
    except Refused as exc:
        return _error(str(exc))
    except FaultError as exc:
        return _error(str(exc))
    where = "".join(
        f" --{flag} {value}"
        for flag, value in (("root", args.root), ("netns", args.netns))
        if value
    )
    out, err = outcome_report(outcome, f"virtnet-wizard rollback {outcome.run_id}{where}")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return outcome.exit_code
