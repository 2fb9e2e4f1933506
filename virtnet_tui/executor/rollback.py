"""Rolls a whole run back to the state before it (the last run by default)."""

from __future__ import annotations

import os

from virtnet_tui.core.plan import FileStep
from virtnet_tui.executor.apply import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    Callbacks,
    Options,
    Outcome,
    Refused,
    check_same_host,
    host_meta,
    locked_session,
    refuse_unsafe,
    report_runs_changed,
)
from virtnet_tui.executor.confine import check_plan, check_run
from virtnet_tui.executor.events import RollbackDone, RollbackIncomplete, RollbackStart
from virtnet_tui.executor.journal import RunDir, RunInfo, find_run, new_token, runs_status
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.executor.replay import numbered_steps
from virtnet_tui.executor.undo import Undoer
from virtnet_tui.hosts.base import Host


def pick_run(host: Host, run_id: str | None, infos: list[RunInfo]) -> RunDir | None:
    """The run to roll back: ``run_id`` (or a unique prefix), else the latest with changes."""
    if run_id:
        run = find_run(host, run_id)
        if run is None:
            raise Refused(f"there is no run {run_id!r} (see `virtnet-wizard status`)")
        return run
    for info in reversed(infos):
        if info.has_changes:
            return RunDir(host, info.id)
    return None


def later_conflicts(
    target: RunInfo, infos: list[RunInfo], host: Host | None = None
) -> list[tuple[RunInfo, list[str]]]:
    """Later runs still in place that changed the same files, libvirt networks or networks.

    With ``host``, a run depends on an earlier one when both changed the same network
    (a DHCP host, a port forward or a VM attached to a network the earlier run made),
    even through different files.
    """
    out = []
    own = _changed_networks(host, target) if host is not None else set()
    for info in infos:
        if info.id <= target.id or not info.has_changes:
            continue
        shared = sorted(set(info.files) & set(target.files)) + sorted(
            f"libvirt network {n}" for n in set(info.networks) & set(target.networks)
        )
        if host is not None:
            named = {s.split()[-1] for s in shared if s.startswith("libvirt network ")}
            shared += sorted(
                f"network {n}" for n in own & _changed_networks(host, info) if n not in named
            )
        if shared:
            out.append((info, shared))
    return out


def _changed_networks(host: Host | None, info: RunInfo) -> set[str]:
    """Networks (by their stages' ``network``) that applied steps of the run changed."""
    if host is None:
        return set()
    run = RunDir(host, info.id)
    state = run.state()
    names: set[str] = set()
    number = 0
    for stage in run.plan().stages:
        for _ in stage.steps:
            number += 1
            if stage.network and state.step(number).status in ("done", "undo-failed"):
                names.add(stage.network)
    return names


def files_without_backup(run: RunDir) -> list[str]:
    """Files that steps of ``run`` changed (or may have) and that have no backup."""
    gaps = set(run.backup_gaps())
    if not gaps:
        return []
    state = run.state()
    changed = [
        ns.step.path
        for ns, _ in state.to_undo(numbered_steps(run.plan()))
        if isinstance(ns.step, FileStep) and ns.step.path in gaps
    ]
    return sorted(set(changed))


def rollback_run(
    host: Host,
    run_id: str | None = None,
    *,
    options: Options | None = None,
    callbacks: Callbacks | None = None,
) -> Outcome | None:
    """Undo everything a run still has in place; ``None`` when there is nothing to undo.

    Raises:
        Refused: no such run, the lock is busy, or a later run still in place
            changed the same files (it must be rolled back first).
        RecordError: a record of a run is damaged or not trusted, or names a path
            outside the root (nothing is written then).
    """
    options = options or Options()
    callbacks = callbacks or Callbacks()
    token = new_token()
    with locked_session(host, token, options, callbacks):
        infos = runs_status(host)
        run = pick_run(host, run_id, infos)
        if run is None:
            return None
        check_same_host(run, host)
        info = next(i for i in infos if i.id == run.id)
        if not info.has_changes and info.state != "interrupted":
            return None
        conflicts = later_conflicts(info, infos, host)
        if conflicts:
            later, shared = conflicts[-1]
            raise Refused(
                f"run {later.id} ({later.state}) came later and also changed "
                f"{', '.join(shared)}; roll it back first: virtnet-wizard rollback {later.id}"
            )
        # Every record read and every path checked before anything is written.
        with refuse_unsafe():
            check_run(run)
            check_plan(host, run.plan(), undo=True)
        run.check_paths()
        lacking = files_without_backup(run)
        if lacking and callbacks.notify is not None:
            callbacks.notify(
                f"run {run.id} changed {', '.join(lacking)} without a backup (its apply "
                "stopped before the backups were complete): the rest is put back, these "
                "are left for you to restore"
            )
        rec = Recorder(run, callbacks.on_event)
        rec.emit(RollbackStart(pid=os.getpid(), token=token, host=host_meta(host)))
        stages = list(range(len(run.plan().stages) - 1, -1, -1))
        leftovers = Undoer(host, rec).undo_stages(stages)
        if leftovers:
            rec.emit(RollbackIncomplete(leftovers=tuple(leftovers)))
            report_runs_changed(host, None, callbacks)
            return Outcome(
                run.id, run.path, "rollback-incomplete", EXIT_INCOMPLETE, None, tuple(leftovers)
            )
        rec.emit(RollbackDone())
        report_runs_changed(host, None, callbacks)
        return Outcome(run.id, run.path, "rolled-back", EXIT_OK)
