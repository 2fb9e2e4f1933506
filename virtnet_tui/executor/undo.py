"""Undoes applied steps from the journal and the backups (for the executor, rollback and guard)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from typing import Any

from virtnet_tui.core.plan import Argv, CommandStep, FileStep, LibvirtStep, SysctlStep
from virtnet_tui.executor.events import (
    AfterUndoDone,
    AfterUndoFailed,
    Leftover,
    StageStart,
    StageUndone,
    UndoDone,
    UndoFailed,
    UndoStart,
)
from virtnet_tui.executor.firewall_tables import manual_table_removal, remove_made_tables
from virtnet_tui.executor.journal import Backup, clip
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.executor.replay import Need, NumberedStep, StepState, numbered_steps
from virtnet_tui.executor.steps import quiet_libvirt
from virtnet_tui.hosts.base import CommandResult, Host
from virtnet_tui.hosts.files import UnsafePath, make_dirs

#: What deleting commands print when the thing is already gone: the goal of the undo
#: is reached. (A firewall rule set's undo deletes its jumps as well, which the
#: undo of the later jump steps has usually done already.)
_ALREADY_GONE = (
    "does a matching rule exist",
    "no chain/target/match by that name",
    "cannot find device",
    "no such device",
    "cannot assign requested address",
    "no such process",
    "not loaded",
    "does not exist",
    "not found",
)
_DELETING_WORDS = frozenset(
    {"-D", "-X", "-F", "--delete", "del", "delete", "down", "stop", "disable", "flush"}
)


def already_gone(argv: Sequence[str], result: CommandResult) -> bool:
    """A deleting command failed only because what it deletes is not there."""
    if not _DELETING_WORDS.intersection(argv) and not argv[0].endswith("down"):
        return False
    text = (result.stderr + result.stdout).lower()
    return any(marker in text for marker in _ALREADY_GONE)


def shell_line(host: Host, argv: Sequence[str]) -> str:
    """The command as the operator would type it on this host."""
    return shlex.join(host.wrap(argv))


class Undoer:
    """Undoes steps of one run, last first, journaling every undo through ``rec``."""

    def __init__(self, host: Host, rec: Recorder) -> None:
        self.host = host
        self.rec = rec
        self.run = rec.run
        self.plan = rec.run.plan()
        self.steps = numbered_steps(self.plan)

    # --- whole stages ------------------------------------------------------------------
    def undo_stages(self, stages: Sequence[int]) -> list[Leftover]:
        """Undo every applied step of ``stages`` (given last first), then their ``after_undo``."""
        leftovers: list[Leftover] = []
        for index in stages:
            items = [
                (ns, need) for ns, need in self.rec.state.to_undo(self.steps) if ns.stage == index
            ]
            started = any(
                isinstance(e, StageStart) and e.stage == index for e in self.rec.state.events
            )
            if not items and index not in self.rec.state.checkpoints and not started:
                continue
            for ns, need in items:
                left = self.undo_step(ns, need)
                if left is not None:
                    leftovers.append(left)
            if items:
                leftovers += self.after_undo(index)
            self.rec.emit(StageUndone(stage=index, name=self.plan.stages[index].name))
        return leftovers

    def after_undo(self, index: int) -> list[Leftover]:
        stage = self.plan.stages[index]
        failed: list[tuple[Argv, CommandResult]] = []
        for argv in stage.after_undo:
            result = self.host.run(argv)
            if not result.ok:
                failed.append((argv, result))
        if not stage.after_undo:
            return []
        if not failed:
            self.rec.emit(
                AfterUndoDone(stage=index, commands=tuple(tuple(a) for a in stage.after_undo))
            )
            return []
        error = "; ".join(f"{shlex.join(a)}: {_brief(r)}" for a, r in failed)
        manual = tuple(shell_line(self.host, a) for a, _ in failed)
        self.rec.emit(AfterUndoFailed(stage=index, error=error, manual=manual))
        return [Leftover(index, None, f"after undoing stage {index + 1}", error, manual)]

    # --- one step ----------------------------------------------------------------------
    def undo_step(self, ns: NumberedStep, need: Need) -> Leftover | None:
        """Undo one step; ``tolerant`` when it may not have run (failures are then expected)."""
        state = self.rec.state.step(ns.number)
        step = ns.step
        self.rec.emit(UndoStart(step=ns.number, stage=ns.stage, what=step.describe()))
        notes: list[str] = []
        try:
            if isinstance(step, FileStep):
                errors = self._undo_file(ns, step)
            elif isinstance(step, CommandStep):
                if not step.undo:
                    notes.append("nothing to undo: left as it is")
                errors = self._run_all(step.undo, need, notes)
                if not errors:
                    tables = remove_made_tables(self.host, step, state.before)
                    notes += tables.notes
                    errors += tables.errors
            elif isinstance(step, SysctlStep):
                errors = self._undo_sysctl(state, need, notes)
            else:
                errors = self._undo_libvirt(step, state)
        except Exception as exc:  # an undo must never stop the ones after it
            errors = [f"{type(exc).__name__}: {exc}"]
        if errors and need == "tolerant":
            notes += errors
            errors = []
        if not errors:
            self.rec.emit(
                UndoDone(step=ns.number, stage=ns.stage, what=step.describe(), notes=tuple(notes))
            )
            return None
        manual = self.manual(ns, state)
        error = "; ".join(errors)
        self.rec.emit(
            UndoFailed(
                step=ns.number, stage=ns.stage, what=step.describe(), error=error, manual=manual
            )
        )
        return Leftover(ns.stage, ns.number, step.describe(), error, manual)

    def _run_all(self, argvs: Sequence[Argv], need: Need, notes: list[str]) -> list[str]:
        errors: list[str] = []
        for argv in argvs:
            result = self.host.run(argv)
            if result.ok:
                continue
            if already_gone(argv, result):
                notes.append(f"{shlex.join(argv)}: already gone ({_brief(result)})")
                continue
            errors.append(f"{shlex.join(argv)}: {_brief(result)}")
        return errors

    def previous_write(self, ns: NumberedStep, path: str) -> FileStep | None:
        """The last earlier step of the plan that wrote ``path`` (its content is what was there)."""
        found: FileStep | None = None
        for other in self.steps:
            if other.number >= ns.number:
                break
            if isinstance(other.step, FileStep) and other.step.path == path:
                found = other.step
        return found

    def _undo_file(self, ns: NumberedStep, step: FileStep) -> list[str]:
        backup = self.run.backups().get(step.path)
        if backup is None:
            why = (
                "the backup index does not list it"
                if self.run.backups_complete
                else "its apply stopped before the backups were complete"
            )
            return [f"no backup of {step.path} in {self.run.path}: {why}"]
        earlier = self.previous_write(ns, step.path)
        if earlier is not None:
            # An earlier step of this run wrote the file: put back what it wrote.
            kept = backup.exists and not backup.link
            uid, gid = (backup.uid, backup.gid) if kept else (-1, -1)
            mode = backup.mode if kept and earlier.keep_mode else earlier.mode
            self.host.write_bytes(
                step.path, earlier.content.encode(), mode, uid, gid, replace_link=True
            )
            return []
        restore_backup(self.host, self.run.backup_content, backup)
        return []

    def _undo_sysctl(self, state: StepState, need: Need, notes: list[str]) -> list[str]:
        values = state.before.get("values", {})
        if not values:
            notes.append("the previous values are unknown; nothing to put back")
            return []
        argvs = [("sysctl", "-w", f"{key}={value}") for key, value in values.items()]
        return self._run_all(argvs, need, notes)

    def _undo_libvirt(self, step: LibvirtStep, state: StepState) -> list[str]:
        before = state.before
        quiet_libvirt()
        conn = self.host.connect_libvirt()
        try:
            if step.op in ("net-update", "domain-define"):
                from virtnet_tui.executor import libvirt_live

                if step.op == "net-update":
                    libvirt_live.undo_update(conn, step, before)
                else:
                    libvirt_live.undo_domain(conn, step, before)
                self.host.libvirt_saved(conn)
                return []
            net = _lookup(conn, step.network)
            if step.op == "net-define":
                if before.get("exists") and before.get("xml"):
                    conn.networkDefineXML(str(before["xml"]))
                elif net is not None:
                    if net.isActive():
                        net.destroy()
                    net.undefine()
            elif net is None:
                pass  # already gone: nothing to stop or to switch off
            elif step.op == "net-autostart":
                net.setAutostart(1 if before.get("autostart") else 0)
            elif step.op == "net-start":
                if not before.get("active") and net.isActive():
                    net.destroy()
            elif step.op == "net-destroy":
                if before.get("active") and not net.isActive():
                    net.create()
            elif step.op == "net-autostart-disable" and before.get("autostart"):
                net.setAutostart(1)
            self.host.libvirt_saved(conn)
        finally:
            conn.close()
        return []

    # --- what to do by hand ---------------------------------------------------------------
    def manual(self, ns: NumberedStep, state: StepState) -> tuple[str, ...]:
        step = ns.step
        if isinstance(step, FileStep):
            backup = self.run.backups().get(step.path)
            if backup is None or not self.run.has_backup(backup):
                return (f"# restore {self.host.path(step.path)} from your own backup",)
            return manual_restore(self.host, self.run.backup_path(backup), backup)
        if isinstance(step, CommandStep):
            return tuple(shell_line(self.host, a) for a in step.undo) + tuple(
                manual_table_removal(self.host, step, state.before)
            )
        if isinstance(step, SysctlStep):
            values = state.before.get("values", {})
            return tuple(
                shell_line(self.host, ("sysctl", "-w", f"{k}={v}")) for k, v in values.items()
            )
        before = state.before
        name = step.network
        if step.op == "net-update":
            from virtnet_tui.executor.libvirt_live import manual_update

            return manual_update(step, before)
        if step.op == "domain-define":
            if before.get("exists") and before.get("xml"):
                saved = self.run.write_file(
                    f"domain-{step.domain}-step{ns.number}.xml", str(before["xml"])
                )
                return (f"virsh define {shlex.quote(str(saved))}",)
            return (f"virsh undefine {shlex.quote(step.domain)}",)
        if step.op == "net-define":
            if before.get("exists") and before.get("xml"):
                saved = self.run.write_file(
                    f"libvirt-{name}-step{ns.number}.xml", str(before["xml"])
                )
                return (f"virsh net-define {shlex.quote(str(saved))}",)
            return (f"virsh net-destroy {name}", f"virsh net-undefine {name}")
        if step.op == "net-autostart":
            return () if before.get("autostart") else (f"virsh net-autostart --disable {name}",)
        if step.op == "net-start":
            return () if before.get("active") else (f"virsh net-destroy {name}",)
        if step.op == "net-destroy":
            return (f"virsh net-start {name}",) if before.get("active") else ()
        return (f"virsh net-autostart {name}",) if before.get("autostart") else ()


def restore_backup(host: Host, read_blob: Callable[[Backup], bytes], backup: Backup) -> None:
    """Put a file back exactly as the backup found it: content, mode and owner, or absent."""
    # Inside the root only (UnsafePath). A link found where the file goes is replaced,
    # never written through.
    local = host.write_path(backup.path)
    if backup.link:
        if local.is_symlink() or local.exists():
            local.unlink()
        make_dirs(local.parent)
        os.symlink(backup.link, local)
        return
    if backup.exists:
        # Mode after owner (write_bytes), so that set-id bits survive the chown.
        host.write_bytes(
            backup.path,
            read_blob(backup),
            backup.mode,
            backup.uid,
            backup.gid,
            replace_link=True,
        )
        return
    host.remove(backup.path)
    for folder in reversed(backup.missing_dirs):
        try:
            host.write_path(folder, folder=True).rmdir()
        except (OSError, UnsafePath):
            break  # not empty, or no longer a folder of the root: leave it


def manual_restore(host: Host, blob: os.PathLike[str], backup: Backup) -> tuple[str, ...]:
    local = shlex.quote(str(host.path(backup.path)))
    if backup.link:
        return (f"ln -sfn {shlex.quote(backup.link)} {local}",)
    if backup.exists:
        return (
            f"install -m {backup.mode:04o} -o {backup.uid} -g {backup.gid} "
            f"{shlex.quote(os.fspath(blob))} {local}",
        )
    return (f"rm -f {local}",)


def _lookup(conn: Any, name: str) -> Any:
    import libvirt

    try:
        return conn.networkLookupByName(name)
    except libvirt.libvirtError:
        return None


def _brief(result: CommandResult) -> str:
    text = (result.stderr or result.stdout).strip().splitlines()
    detail = text[-1] if text else ""
    return clip(f"exit {result.returncode}" + (f": {detail}" if detail else ""))
