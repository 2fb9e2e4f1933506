"""The executor: applies a plan stage by stage with checks, checkpoints, guards and rollback.

Typical use (the CLI and the TUI do this)::

    executor = Executor(host, plan, answers_text=text, options=Options(yes=True))
    outcome = executor.apply()          # or executor.resume(run_id)
    sys.exit(outcome.exit_code)

Every event goes to the run's journal first, then to ``Callbacks.on_event``, so a
progress view sees exactly what the journal says. ``apply``/``resume`` raise
``Refused`` (exit 2) before changing anything when they cannot start.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from virtnet_tui.core.plan import CommandStep, Plan, Stage
from virtnet_tui.executor import nm_checkpoint
from virtnet_tui.executor.confine import check_plan, check_records, check_run
from virtnet_tui.executor.events import (
    CHECK_EVENTS,
    Checkpoint,
    ConfirmAsked,
    Confirmed,
    ConfirmRefused,
    Event,
    FirewallWarning,
    GuardArmed,
    GuardReleased,
    HostMeta,
    Leftover,
    NmCheckpointCreated,
    NmCheckpointFailed,
    Resume,
    RunDone,
    RunPartial,
    RunRollbackIncomplete,
    RunRolledBack,
    RunStart,
    StageFailed,
    StageStart,
    StepDone,
    StepFailed,
    StepStart,
    event_from_json,
)
from virtnet_tui.executor.faults import Fault, check_fault_in_plan
from virtnet_tui.executor.firewall_safety import inspect_firewall, is_firewall_stage
from virtnet_tui.executor.guard import Guard, GuardStartError
from virtnet_tui.executor.journal import (
    RUNS_DIR,
    BackupError,
    RunDir,
    RunInfo,
    find_run,
    list_run_ids,
    lock_holder,
    new_token,
    run_info,
    run_lock,
    unbackable_files,
)
from virtnet_tui.executor.nm_checkpoint import release_checkpoint
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.executor.replay import NumberedStep, is_terminal, numbered_steps
from virtnet_tui.executor.runlock import LockBusy
from virtnet_tui.executor.stage_checks import run_check
from virtnet_tui.executor.steps import StepResult, capture_before, perform
from virtnet_tui.executor.undo import Undoer
from virtnet_tui.hosts.base import Host
from virtnet_tui.hosts.files import UnsafePath

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_ROLLED_BACK = 3
EXIT_INCOMPLETE = 4

#: Extra seconds the guard grants past the operator's timeout, so that the wizard
#: (which is alive and holds the lock) undoes the stage itself when nobody answers.
CONFIRM_GRACE = 5.0

#: A refusal this many seconds or more before the deadline was an answer ("undo it now"),
#: not the countdown running out: the failure says so.
DECLINE_MARGIN = 0.2

Status = Literal["applied", "rolled-back", "partial", "rollback-incomplete"]


class Refused(Exception):
    """Apply, resume or rollback will not start; nothing was changed (exit 2)."""


@contextmanager
def refuse_unsafe() -> Iterator[None]:
    """Turn a check's ``UnsafePath`` into ``Refused``: only around checks made before
    anything changes (a write refused later is a step's failure, undone as any other)."""
    try:
        yield
    except UnsafePath as exc:
        raise Refused(str(exc)) from None


@dataclass(frozen=True)
class Failure:
    """Why a stage did not reach its checkpoint."""

    stage: int
    stage_name: str
    step: int | None
    """The failing step's number, or ``None`` (a check, the confirmation, the guard)."""
    reason: str
    earlier_checkpoints: tuple[int, ...] = ()
    """Stages before this one that reached their checkpoint and are still applied."""


@dataclass(frozen=True)
class Outcome:
    """How an apply, resume or rollback ended."""

    run_id: str
    run_dir: Path
    status: Status
    exit_code: int
    failure: Failure | None = None
    leftovers: tuple[Leftover, ...] = ()
    """What could not be undone, each with the commands to finish by hand (exit 4)."""
    checkpoints: tuple[int, ...] = ()
    """Stages applied and kept when the run ended."""


@dataclass
class Callbacks:
    """How the executor talks to its front end (CLI or TUI). All are optional."""

    on_event: Callable[[Event], None] | None = None
    """Every journal event, right after it is on disk (as written: with its time)."""
    confirm: Callable[[int, Stage, float], bool] | None = None
    """Ask the operator to confirm a risky stage (index, stage, timeout in seconds) from a
    fresh keypress; return ``True`` only on an explicit confirmation before the timeout.
    Without ``--yes`` and without this callback, risky stages are undone."""
    keep_earlier: Callable[[Failure], bool] | None = None
    """After a failed stage was undone: keep the earlier checkpoints (``True``) or undo
    them too (``False``). Not asked with ``--yes`` (everything is undone)."""
    notify: Callable[[str], None] | None = None
    """Plain messages outside the journal (waiting for a guard...)."""
    runs_changed: Callable[[Host, RunDir | None], None] | None = None
    """Called with the run lock still held once a run has ended (with that run) or a run was
    rolled back (with ``None``): how the managed layer keeps its state file in step with
    the journal. The executor itself knows nothing of that state."""


def report_runs_changed(host: Host, run: RunDir | None, callbacks: Callbacks) -> None:
    """Call ``callbacks.runs_changed``; a failure there never undoes a run or a rollback."""
    if callbacks.runs_changed is None:
        return
    try:
        callbacks.runs_changed(host, run)
    except Exception as exc:  # the run stands; the next start rebuilds the state
        if callbacks.notify is not None:
            callbacks.notify(f"could not update the state file: {exc}")


@dataclass(frozen=True)
class Options:
    yes: bool = False
    confirm_timeout: float = 60.0
    fault: Fault | None = None
    check_wait: float = 10.0
    """Seconds each check may take to pass (links and gateways settle)."""
    guard_wait: float = 180.0
    """Seconds to wait for a guard left by an earlier wizard before refusing to start."""


def host_meta(host: Host) -> HostMeta:
    return HostMeta(
        kind=host.kind,
        root=str(host.root.resolve()),
        netns=str(getattr(host, "netns", "") or ""),
        describe=host.describe(),
    )


def interrupted_message(info: RunInfo) -> str:
    done = f"{info.steps_applied} of {info.steps_total} steps applied"
    return (
        f"run {info.id} was interrupted ({done}). Finish it first: "
        f"`virtnet-wizard rollback {info.id}` undoes it, "
        f"`virtnet-wizard apply --resume {info.id}` continues it."
    )


def check_same_host(run: RunDir, host: Host) -> None:
    """Refuse to act on a run through another kind of host than the one it ran on."""
    start = run.state().start
    kind = start.host.kind if start else host.kind
    netns = start.host.netns if start else ""
    here = str(getattr(host, "netns", "") or "")
    if kind != host.kind or netns != here:
        raise Refused(
            f"run {run.id} was applied on {start.host.describe if start else kind}, not on "
            f"{host.describe()}: give the same --root and --netns as that apply"
        )


def _ended(journal: str) -> bool:
    """The journal's last event ends an invocation: the run can be neither interrupted
    nor still guarded. Reads only the journal's tail, so a host with a thousand runs
    (one per DHCP host added) still starts the next run quickly."""
    try:
        # Non-blocking: a FIFO in the journal's place must not hang the next start.
        fd = os.open(journal, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:  # none yet; or not a file, which reading the run reports
        return False
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        lines = os.pread(fd, 4096, max(0, size - 4096)).splitlines()
    except OSError:
        return False
    finally:
        os.close(fd)
    if not lines:
        return False
    try:
        last = event_from_json(json.loads(lines[-1]))
    except (ValueError, RecursionError):  # a torn or damaged line (BadRecord, bad JSON)
        return False
    return is_terminal(last)


def open_runs(host: Host) -> list[RunInfo]:
    """Every run whose journal does not end with a terminal event, with its state."""
    holding = lock_holder(host)
    token = holding[1] if holding else None
    base = os.fspath(host.path(RUNS_DIR))
    return [
        run_info(RunDir(host, run_id), token)
        for run_id in list_run_ids(host)
        if not _ended(os.path.join(base, run_id, "journal.jsonl"))
        and os.path.isfile(os.path.join(base, run_id, "plan.json"))
    ]


def interrupted_runs(host: Host) -> list[RunInfo]:
    """Runs that a crash, a kill or a lost session left without an end."""
    return [info for info in open_runs(host) if info.state == "interrupted"]


def wait_for_guards(
    host: Host, limit: float, notify: Callable[[str], None] | None
) -> list[RunInfo]:
    """``journal.wait_for_guards``, looking only at runs that have not ended."""
    deadline = time.monotonic() + limit
    told = False
    while True:
        busy = [info for info in open_runs(host) if info.live_guards]
        if not busy or time.monotonic() >= deadline:
            return busy
        if notify is not None and not told:
            pids = ", ".join(str(p) for info in busy for p in info.live_guards)
            notify(f"waiting for the guard process ({pids}) of run {busy[0].id} to finish")
            told = True
        time.sleep(0.2)


def refuse_unbackable(host: Host, plan: Plan) -> None:
    """``Refused`` when a file the plan writes is a FIFO, a device or a folder: its backup
    would block or be wrong, and the step would replace it."""
    problems = unbackable_files(host, plan)
    if problems:
        raise Refused(
            f"cannot back up what the plan replaces: {'; '.join(problems)}. "
            "Move it out of the way, then apply again; nothing was changed"
        )


def finish_backups(host: Host, run: RunDir) -> None:
    """Before a resume runs any step: take the backups an interrupted apply had not taken.

    Only while no step of the run has run: the files are then still as before the run.

    Raises:
        Refused: some steps ran without their backups (an older wizard resumed the
            run); resuming would change those files with no way back.
    """
    plan = run.plan()
    gaps = run.backup_gaps(plan)
    if not gaps:
        return
    state = run.state()
    if any(s.status != "pending" and s.ran for s in state.steps.values()):
        raise Refused(
            f"run {run.id} has no backup of {', '.join(gaps)}: its apply stopped before the "
            "backups were complete, and steps ran since. Resuming would change these files "
            f"with no way back; `virtnet-wizard rollback {run.id}` undoes what it can and "
            "names each file it cannot restore"
        )
    refuse_unbackable(host, plan)
    kept = {path: b for path, b in run.backups().items() if path not in gaps}
    try:
        run.take_backups(plan, keep=kept)
    except BackupError as exc:
        raise Refused(f"{exc}; nothing was changed") from None


@contextmanager
def locked_session(
    host: Host, token: str, options: Options, callbacks: Callbacks
) -> Iterator[None]:
    """Wait for stray guards, then hold the run lock; ``Refused`` when either is busy, or
    when the records would be written through a link or outside the root (``check_records``)."""
    with refuse_unsafe():
        busy = wait_for_guards(host, options.guard_wait, callbacks.notify)
        if busy:
            pids = ", ".join(str(p) for info in busy for p in info.live_guards)
            raise Refused(
                f"the guard process ({pids}) of run {busy[0].id} still watches a risky "
                "stage; let it finish (it reverts the stage at its deadline), then try again"
            )
        check_records(host)
        lock = run_lock(host, token)
        try:
            lock.acquire()
        except LockBusy as exc:
            raise Refused(str(exc)) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Undo must run to its end: Ctrl-C is ignored meanwhile (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Executor:
    """Applies one plan on one host; see the module docstring."""

    def __init__(
        self,
        host: Host,
        plan: Plan | None = None,
        *,
        answers_text: str = "",
        options: Options | None = None,
        callbacks: Callbacks | None = None,
        change: Mapping[str, Any] | None = None,
        planner: Callable[[], tuple[Plan, Mapping[str, Any] | None]] | None = None,
    ) -> None:
        self.host = host
        self.plan = plan if plan is not None else Plan(stages=())
        self.answers_text = answers_text
        self.options = options or Options()
        self.callbacks = callbacks or Callbacks()
        self.change = change
        """A re-run change (``changes.records``), kept as the run's ``change.json``."""
        self.planner = planner
        """Makes the plan (and change) once the run lock is held, replacing ``plan`` and
        ``change``: a re-run planned from what the host has then cannot lose another
        run's update that ended in between."""
        self.token = new_token()

    # --- entry points ------------------------------------------------------------------
    def apply(self) -> Outcome:
        """Start a new run of ``self.plan``.

        Raises:
            Refused: another run holds the lock, a guard is still busy, or an
                interrupted run waits for resume or rollback.
            FaultError: the injected fault names a step the plan does not have.
        """
        steps = numbered_steps(self.plan)
        if self.planner is None:  # else checked against the plan made under the lock
            check_fault_in_plan(self.options.fault, len(steps))
        with locked_session(self.host, self.token, self.options, self.callbacks):
            stuck = interrupted_runs(self.host)
            if stuck:
                raise Refused(interrupted_message(stuck[-1]))
            if self.planner is not None:
                self.plan, self.change = self.planner()
                steps = numbered_steps(self.plan)
                check_fault_in_plan(self.options.fault, len(steps))
            with refuse_unsafe():
                check_plan(self.host, self.plan)
            refuse_unbackable(self.host, self.plan)
            # The run says who runs it (run-start, with this token) before plan.json makes
            # it a run to readers: a reader never takes it for an interrupted one.
            run = RunDir.new(self.host, self.plan)
            rec = Recorder(run, self.callbacks.on_event)
            rec.emit(
                RunStart(
                    run_id=run.id,
                    pid=os.getpid(),
                    token=self.token,
                    host=host_meta(self.host),
                    stages=len(self.plan.stages),
                    steps=len(steps),
                    yes=self.options.yes,
                    confirm_timeout=self.options.confirm_timeout,
                    fault=str(self.options.fault or ""),
                )
            )
            run.publish(self.answers_text)
            if self.change is not None:
                # Before any step: the state learns what the run changed from this file.
                text = json.dumps(dict(self.change), indent=1) + "\n"
                self.host.write_bytes(f"{run.rel}/change.json", text.encode(), 0o600)
            try:
                run.take_backups(self.plan)
            except BackupError as exc:
                rec.emit(RunRolledBack(reason=str(exc)))  # no step ran: nothing to undo
                self._record_state(rec)
                raise Refused(f"{exc}; nothing was changed") from None
            return self._apply_from(rec, first_stage=0, done_upto=0)

    def resume(self, run_id: str) -> Outcome:
        """Continue an interrupted run after its last completed step.

        Raises:
            Refused: no such run, or it is not interrupted (or the lock is busy).
        """
        with locked_session(self.host, self.token, self.options, self.callbacks):
            run = find_run(self.host, run_id)
            if run is None:
                raise Refused(f"there is no run {run_id!r} (see `virtnet-wizard status`)")
            check_same_host(run, self.host)
            info = run_info(run, self.token)
            if info.state != "interrupted":
                raise Refused(f"run {run.id} is {info.state}, not interrupted: nothing to resume")
            self.plan = run.plan()
            steps = numbered_steps(self.plan)
            check_fault_in_plan(self.options.fault, len(steps))
            with refuse_unsafe():
                check_run(run)
                check_plan(self.host, self.plan)
            run.check_paths()
            finish_backups(self.host, run)
            rec = Recorder(run, self.callbacks.on_event)
            done = rec.state.applied_prefix(steps)
            first = min(
                (i for i in range(len(self.plan.stages)) if i not in rec.state.checkpoints),
                default=len(self.plan.stages),
            )
            rec.emit(
                Resume(pid=os.getpid(), token=self.token, from_step=done + 1, from_stage=first)
            )
            return self._apply_from(rec, first_stage=first, done_upto=done)

    # --- the run -------------------------------------------------------------------------
    def _apply_from(self, rec: Recorder, first_stage: int, done_upto: int) -> Outcome:
        steps = numbered_steps(self.plan)
        for index in range(first_stage, len(self.plan.stages)):
            stage = self.plan.stages[index]
            own = [ns for ns in steps if ns.stage == index]
            rec.emit(
                StageStart(
                    stage=index,
                    name=stage.name,
                    risky=stage.risky,
                    steps=tuple(ns.number for ns in own),
                )
            )
            guard: Guard | None = None
            failure: Failure | None = None
            try:
                if is_firewall_stage(stage):
                    for text in inspect_firewall(self.host, stage).warnings:
                        rec.emit(FirewallWarning(stage=index, text=text))
                if stage.risky:
                    guard, failure = self._arm_guard(rec, index)
                if failure is None:
                    failure = self._run_steps(rec, index, own, done_upto, guard)
                if failure is None:
                    failure = self._run_checks(rec, index, guard)
                if failure is None and stage.risky:
                    failure = self._confirm(rec, index, guard)
            except KeyboardInterrupt:
                failure = self._failure(rec, index, None, "interrupted by the operator (Ctrl-C)")
            except Exception as exc:  # roll back rather than leave a stage half done
                failure = self._failure(rec, index, None, f"{type(exc).__name__}: {exc}")
            if failure is not None:
                return self._fail(rec, failure, guard)
            if guard is not None:
                release_checkpoint(self.host, rec, index, "confirmed")
                guard.release("confirmed")
                rec.emit(GuardReleased(stage=index, reason="confirmed"))
            rec.emit(Checkpoint(stage=index, name=stage.name))
        rec.emit(RunDone(checkpoints=len(rec.state.checkpoints)))
        self._record_state(rec)
        return Outcome(
            rec.run.id,
            rec.run.path,
            "applied",
            EXIT_OK,
            checkpoints=tuple(sorted(rec.state.checkpoints)),
        )

    def _record_state(self, rec: Recorder) -> None:
        """Tell the managed layer that the run ended (lock still held)."""
        report_runs_changed(self.host, rec.run, self.callbacks)

    def _failure(self, rec: Recorder, index: int, step: int | None, reason: str) -> Failure:
        earlier = tuple(sorted(i for i in rec.state.checkpoints if i < index))
        return Failure(index, self.plan.stages[index].name, step, reason, earlier)

    def _arm_guard(self, rec: Recorder, index: int) -> tuple[Guard | None, Failure | None]:
        guard = Guard(rec.run, index, self.options.confirm_timeout)
        try:
            pid = guard.start()
        except GuardStartError as exc:
            return None, self._failure(rec, index, None, str(exc))
        rec.emit(GuardArmed(stage=index, pid=pid, timeout=self.options.confirm_timeout))
        if self.plan.stages[index].nm_checkpoint:
            self._take_nm_checkpoint(rec, index, guard)
        return guard, None

    def _take_nm_checkpoint(self, rec: Recorder, index: int, guard: Guard) -> None:
        """NetworkManager's own rollback, timed like the guard: see ``nm_checkpoint``.

        Without one (no bus, an old NetworkManager) the guard alone protects the stage,
        as on every other stack; the journal says why.
        """
        timeout = self.options.confirm_timeout
        try:
            path = nm_checkpoint.create(self.host, timeout)
        except nm_checkpoint.CheckpointError as exc:
            rec.emit(NmCheckpointFailed(stage=index, error=str(exc)))
            return
        rec.emit(NmCheckpointCreated(stage=index, path=path, timeout=timeout))
        pushed = [True]

        def follow(seconds: float) -> None:
            if not pushed[0]:
                return
            try:
                nm_checkpoint.push(self.host, path, seconds)
            except nm_checkpoint.CheckpointError as exc:
                pushed[0] = False  # gone (NetworkManager restarted?): say so once
                rec.emit(NmCheckpointFailed(stage=index, error=f"pushing {path}: {exc}"))

        guard.on_deadline = follow

    def _run_steps(
        self,
        rec: Recorder,
        index: int,
        own: list[NumberedStep],
        done_upto: int,
        guard: Guard | None,
    ) -> Failure | None:
        fault = self.options.fault
        for ns in own:
            if ns.number <= done_upto:
                continue
            if fault is not None and fault.fails_before(ns.number):
                rec.emit(_step_start(ns, {}))
                reason = f"injected by VIRTNET_FAULT={fault}"
                rec.emit(_step_failed(ns, ran=False, error=reason))
                return self._failure(rec, index, ns.number, reason)
            result = self._do_step(rec, ns)
            if guard is not None:
                guard.set_deadline(self.options.confirm_timeout)
            if fault is not None and fault.kills_after(ns.number):
                os.kill(os.getpid(), signal.SIGKILL)
            if not result.ok:
                return self._failure(rec, index, ns.number, result.error)
        return None

    def _do_step(self, rec: Recorder, ns: NumberedStep) -> StepResult:
        prior = rec.state.steps.get(ns.number)
        redo = prior is not None and (
            prior.status in ("started", "done", "undo-failed")
            or (prior.status == "failed" and prior.ran)
        )
        if redo and isinstance(ns.step, CommandStep) and ns.step.undo:
            # The wizard stopped during (or after) this command: take back whatever
            # part of it happened before running it again.
            Undoer(self.host, rec).undo_step(ns, "tolerant")
        try:
            before = dict(prior.before) if redo and prior and prior.before else None
            if before is None:
                before = capture_before(self.host, ns.step)
        except Exception as exc:
            rec.emit(_step_start(ns, {}))
            error = f"cannot read the state before the step: {type(exc).__name__}: {exc}"
            rec.emit(_step_failed(ns, ran=False, error=error))
            return StepResult(False, error=error)
        rec.emit(_step_start(ns, before))
        try:
            result = perform(self.host, ns.step)
        except Exception as exc:
            result = StepResult(False, error=f"{type(exc).__name__}: {exc}")
        if result.ok:
            rec.emit(
                StepDone(
                    step=ns.number,
                    stage=ns.stage,
                    kind=ns.step.kind,
                    what=ns.step.describe(),
                    output=result.output,
                )
            )
        else:
            rec.emit(_step_failed(ns, ran=True, error=result.error, output=result.output))
        return result

    def _run_checks(self, rec: Recorder, index: int, guard: Guard | None) -> Failure | None:
        failed = []
        for check in self.plan.stages[index].checks:
            if guard is not None:
                guard.set_deadline(self.options.confirm_timeout + self.options.check_wait)
            result = run_check(self.host, check, wait=self.options.check_wait)
            rec.emit(
                CHECK_EVENTS[result.outcome](
                    stage=index, check=check.to_json(), what=check.describe(), detail=result.detail
                )
            )
            if not result.ok:
                failed.append(f"{check.describe()} ({result.detail})")
        if failed:
            return self._failure(rec, index, None, "check failed: " + "; ".join(failed))
        return None

    def _confirm(self, rec: Recorder, index: int, guard: Guard | None) -> Failure | None:
        stage = self.plan.stages[index]
        timeout = self.options.confirm_timeout
        if self.options.yes:
            # The contract: with --yes a risky stage is confirmed only by its own passing checks.
            how = "--yes: the stage's checks passed" if stage.checks else "--yes (no checks)"
            rec.emit(Confirmed(stage=index, how=how))
            return None
        if self.callbacks.confirm is None:
            return self._failure(rec, index, None, "nobody can confirm the risky stage")
        if guard is not None:
            guard.set_deadline(timeout + CONFIRM_GRACE)
        rec.emit(ConfirmAsked(stage=index, timeout=timeout))
        asked = time.monotonic()
        if self.callbacks.confirm(index, stage, timeout):
            rec.emit(Confirmed(stage=index, how="operator"))
            return None
        rec.emit(ConfirmRefused(stage=index))
        if time.monotonic() - asked < timeout - DECLINE_MARGIN:
            # An answer well before the deadline is the operator's "undo it now".
            return self._failure(rec, index, None, "the operator asked to undo it")
        return self._failure(rec, index, None, f"not confirmed within {timeout:g} s")

    def _fail(self, rec: Recorder, failure: Failure, guard: Guard | None) -> Outcome:
        with _no_interrupts():
            rec.emit(StageFailed(stage=failure.stage, step=failure.step, reason=failure.reason))
            # The wizard undoes the stage itself; NetworkManager must not act on its own too.
            release_checkpoint(self.host, rec, failure.stage, "undone by the wizard")
            undoer = Undoer(self.host, rec)
            leftovers = undoer.undo_stages([failure.stage])
            if guard is not None:
                guard.release("undone by the wizard")
                rec.emit(GuardReleased(stage=failure.stage, reason="undone by the wizard"))
            keep = False
            if failure.earlier_checkpoints and not self.options.yes and self.callbacks.keep_earlier:
                keep = self.callbacks.keep_earlier(failure)
            if not keep:
                leftovers += undoer.undo_stages(list(range(failure.stage - 1, -1, -1)))
            kept = tuple(sorted(rec.state.checkpoints))
            if leftovers:
                rec.emit(RunRollbackIncomplete(reason=failure.reason, leftovers=tuple(leftovers)))
                status: Status = "rollback-incomplete"
                code = EXIT_INCOMPLETE
            elif keep:
                rec.emit(RunPartial(reason=failure.reason, kept=kept))
                status, code = "partial", EXIT_ROLLED_BACK
            else:
                rec.emit(RunRolledBack(reason=failure.reason))
                status, code = "rolled-back", EXIT_ROLLED_BACK
        self._record_state(rec)
        return Outcome(rec.run.id, rec.run.path, status, code, failure, tuple(leftovers), kept)


def _step_start(ns: NumberedStep, before: dict[str, Any]) -> StepStart:
    return StepStart(
        step=ns.number, stage=ns.stage, kind=ns.step.kind, what=ns.step.describe(), before=before
    )


def _step_failed(
    ns: NumberedStep, *, ran: bool, error: str, output: dict[str, Any] | None = None
) -> StepFailed:
    """``output`` only for a step that ran: the journal has no output key otherwise."""
    return StepFailed(
        step=ns.number,
        stage=ns.stage,
        kind=ns.step.kind,
        what=ns.step.describe(),
        ran=ran,
        error=error,
        output=output,
    )


@dataclass(frozen=True)
class Summary:
    """Counts for a one-line plan summary."""

    stages: int
    steps: int
    risky: tuple[str, ...] = field(default=())


def summarize(plan: Plan) -> Summary:
    return Summary(
        len(plan.stages),
        len(numbered_steps(plan)),
        tuple(s.name for s in plan.stages if s.risky),
    )
