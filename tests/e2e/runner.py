"""A plain step runner: applies a plan's steps in order through a Host, and undoes them."""

from __future__ import annotations

from dataclasses import dataclass, field

from virtnet_tui.core.plan import Argv, CommandStep, FileStep, LibvirtStep, Plan, Step, SysctlStep
from virtnet_tui.hosts.base import CommandResult, FileMeta, Host


class StepFailed(AssertionError):
    """A step that had to succeed did not; carries the command's output."""


@dataclass
class _Undo:
    """What putting one applied step back takes."""

    step: Step
    old_file: tuple[bytes, FileMeta] | None = None
    old_sysctl: tuple[tuple[str, str], ...] = ()


@dataclass
class Runner:
    """Applies steps the way the executor would, without journal, checks or guard.

    It exists to show that the recipes' commands work inside a namespace, independent of
    the executor; ``undo()`` reverses what was applied, last step first.
    """

    host: Host
    applied: list[_Undo] = field(default_factory=list)
    log: list[CommandResult] = field(default_factory=list)
    undo_failures: list[CommandResult] = field(default_factory=list)
    """Undo commands that failed; the state comparison after ``undo()`` is the real test."""

    def run(self, argv: Argv, must: bool = True) -> CommandResult:
        result = self.host.run(argv)
        self.log.append(result)
        if must and not result.ok:
            raise StepFailed(
                f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
            )
        return result

    def apply(self, plan: Plan) -> None:
        for _, _, step in plan.steps():
            self.apply_step(step)

    def apply_step(self, step: Step) -> None:
        undo = _Undo(step)
        if isinstance(step, FileStep):
            old = self.host.read_bytes(step.path)
            meta = self.host.stat(step.path)
            if old is not None and meta is not None:
                undo.old_file = (old, meta)
            self.host.write_bytes(step.path, step.content.encode(), step.mode)
        elif isinstance(step, CommandStep):
            result = self.run(step.argv, must=not step.ignore_failure)
            if not result.ok and not step.undo_on_failure:
                return
        elif isinstance(step, SysctlStep):
            keys = [k for k, _ in step.settings]
            current = self.run(("sysctl", "-n", *keys)).stdout.split()
            undo.old_sysctl = tuple(zip(keys, current, strict=True))
            self.run(step.argv())
        else:
            self._libvirt(step)
        self.applied.append(undo)

    def _libvirt(self, step: LibvirtStep) -> None:
        conn = self.host.connect_libvirt()
        try:
            if step.op == "net-define":
                conn.networkDefineXML(step.xml)
            else:
                net = conn.networkLookupByName(step.network)
                if step.op == "net-start":
                    net.create()
                elif step.op == "net-autostart":
                    net.setAutostart(1)
                elif step.op == "net-destroy":
                    net.destroy()
                else:
                    net.setAutostart(0)
            self.host.libvirt_saved(conn)
        finally:
            conn.close()

    def undo(self) -> None:
        """Put back every applied step, last first; failing undo commands are collected."""
        while self.applied:
            item = self.applied.pop()
            step = item.step
            if isinstance(step, FileStep):
                if item.old_file is None:
                    self.host.remove(step.path)
                else:
                    content, meta = item.old_file
                    self.host.write_bytes(step.path, content, meta.mode, meta.uid, meta.gid)
            elif isinstance(step, CommandStep):
                for argv in step.undo:
                    self._undo_run(argv)
            elif isinstance(step, SysctlStep):
                self._undo_run(("sysctl", "-w", *(f"{k}={v}" for k, v in item.old_sysctl)))
            else:
                self._undo_libvirt(step)

    def _undo_run(self, argv: Argv) -> None:
        result = self.run(argv, must=False)
        if not result.ok:
            self.undo_failures.append(result)

    def _undo_libvirt(self, step: LibvirtStep) -> None:
        conn = self.host.connect_libvirt()
        try:
            net = conn.networkLookupByName(step.network)
            if step.op == "net-define":
                net.undefine()
            elif step.op == "net-start":
                net.destroy()
            elif step.op == "net-autostart":
                net.setAutostart(0)
            elif step.op == "net-destroy":
                net.create()
            else:
                net.setAutostart(1)
            self.host.libvirt_saved(conn)
        finally:
            conn.close()
