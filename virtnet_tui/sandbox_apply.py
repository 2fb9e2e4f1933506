"""A stand-in apply for the sandbox: writes the plan's files, records its commands, reports events.

It is not the real executor (that keeps a journal, a guard process and backups on
disk); it exists so that the wizard's Apply screen runs end to end on a sandbox.
Files go under the sandbox root through ``Host.write_bytes``; commands are handed
to ``SandboxHost.run``, which records them without running anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from virtnet_tui.host import Host
from virtnet_tui.plan import Argv, CommandStep, FileStep, Plan, Stage, Step, SysctlStep
from virtnet_tui.progress import (
    ApplyEvent,
    Checkpoint,
    CheckResult,
    ConfirmReply,
    ConfirmRequest,
    Finished,
    RolledBack,
    StageStarted,
    StepDone,
    StepFailed,
)

EXIT_OK = 0
EXIT_ROLLED_BACK = 3
EXIT_INCOMPLETE = 4

_LIBVIRT_UNDO: dict[str, Callable[[str], Argv]] = {
    "net-define": lambda name: ("virsh", "net-undefine", name),
    "net-start": lambda name: ("virsh", "net-destroy", name),
    "net-autostart": lambda name: ("virsh", "net-autostart", "--disable", name),
}


@dataclass
class _Undo:
    """How to put one applied step back."""

    description: str
    restore: Callable[[], None]


@dataclass
class _Applied:
    """The undo list of one stage, in the order the steps ran."""

    stage: Stage
    undos: list[_Undo] = field(default_factory=list)


class _Failure(Exception):
    pass


def _file_undo(host: Host, step: FileStep) -> _Undo:
    before = host.read_bytes(step.path)
    meta = host.stat(step.path)

    def restore() -> None:
        if before is None:
            host.remove(step.path)
        else:
            host.write_bytes(step.path, before, meta.mode if meta else 0o644)

    what = "remove" if before is None else "restore"
    return _Undo(f"{what} {step.path}", restore)


def _run(host: Host, argv: Argv) -> None:
    result = host.run(argv)
    if not result.ok:
        raise _Failure(result.stderr.strip() or f"exit status {result.returncode}")


def _commands_undo(host: Host, argvs: tuple[Argv, ...], description: str) -> _Undo:
    def restore() -> None:
        for argv in argvs:
            host.run(argv)

    return _Undo(description, restore)


def _apply_step(host: Host, step: Step) -> tuple[str, _Undo | None]:
    """Do ``step``; returns what was done and how to undo it."""
    if isinstance(step, FileStep):
        restore = _file_undo(host, step)
        host.write_bytes(step.path, step.content.encode(), step.mode)
        return "written in the sandbox", restore
    if isinstance(step, CommandStep):
        try:
            _run(host, step.argv)
        except _Failure:
            if not step.ignore_failure:
                raise
        if not step.undo:
            return "recorded, not run", None
        return "recorded, not run", _commands_undo(host, step.undo, f"undo: {step.describe()}")
    if isinstance(step, SysctlStep):
        _run(host, step.argv())
        # The sandbox has no kernel values to read back; undo cannot restore them.
        return "recorded, not run", None
    _run(host, step.virsh_argv())
    make_undo = _LIBVIRT_UNDO.get(step.op)
    if make_undo is None:
        return "recorded, not run", None
    argv = make_undo(step.network)
    return "recorded, not run", _commands_undo(host, (argv,), " ".join(argv))


def _roll_back(host: Host, applied: list[_Applied]) -> RolledBack:
    lines: list[str] = []
    names: list[str] = []
    complete = True
    for done in reversed(applied):
        names.append(done.stage.name)
        for undo in reversed(done.undos):
            try:
                undo.restore()
                lines.append(undo.description)
            except OSError as exc:
                complete = False
                lines.append(f"NOT DONE: {undo.description}: {exc}")
        for argv in done.stage.after_undo:
            host.run(argv)
            lines.append(" ".join(argv))
    return RolledBack(stages=tuple(names), complete=complete, summary=tuple(lines))


def run_in_sandbox(
    plan: Plan,
    host: Host,
    *,
    confirm_timeout: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    fail_at_step: int | None = None,
) -> Iterator[ApplyEvent]:
    """Apply ``plan`` on the sandbox ``host``, reporting each event as it happens.

    Args:
        plan: what to apply.
        host: the sandbox host (files under its root, commands recorded).
        confirm_timeout: seconds the operator has to confirm a risky stage.
        clock: the clock that ``ConfirmRequest.deadline`` is measured on.
        fail_at_step: make this step (1-based) fail, to see a rollback.

    A failing step or an unconfirmed risky stage rolls back everything applied so
    far (as ``apply --yes`` does) and finishes with exit code 3.
    """
    total = len(plan.stages)
    applied: list[_Applied] = []
    number = 0
    for index, stage in enumerate(plan.stages, start=1):
        yield StageStarted(index, total, stage.name, len(stage.steps), stage.risky, stage.why_risky)
        current = _Applied(stage)
        applied.append(current)
        for step in stage.steps:
            number += 1
            try:
                if number == fail_at_step:
                    raise _Failure("injected failure (fail_at_step)")
                detail, undo = _apply_step(host, step)
            except (_Failure, OSError) as exc:
                yield StepFailed(number, step.describe(), str(exc))
                rolled = _roll_back(host, applied)
                yield rolled
                code = EXIT_ROLLED_BACK if rolled.complete else EXIT_INCOMPLETE
                yield Finished(code, f"Step {number} failed: {exc}. Everything was rolled back.")
                return
            if undo is not None:
                current.undos.append(undo)
            yield StepDone(number, step.describe(), detail)
        for check in stage.checks:
            yield CheckResult(index, check.describe(), True, "not verified in the sandbox")
        if stage.risky:
            reply = ConfirmReply()
            deadline = clock() + confirm_timeout
            yield ConfirmRequest(index, stage.name, deadline, reply, stage.why_risky)
            if not reply.wait(deadline - clock()):
                rolled = _roll_back(host, applied)
                yield rolled
                yield Finished(
                    EXIT_ROLLED_BACK,
                    f"Stage {index} was not confirmed in time. Everything was rolled back.",
                )
                return
        yield Checkpoint(index, stage.name)
    yield Finished(EXIT_OK, f"Applied {number} steps in {total} stages on {host.describe()}.")


def sandbox_source(plan: Plan, host: Host) -> Iterator[ApplyEvent]:
    """The wizard's apply source on a sandbox: ``run_in_sandbox`` with its defaults."""
    return run_in_sandbox(plan, host)
