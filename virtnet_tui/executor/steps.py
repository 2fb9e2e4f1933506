"""Carries out one step through a Host, after noting what it will change."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from virtnet_tui.core.plan import CommandStep, FileStep, LibvirtStep, Step, SysctlStep
from virtnet_tui.executor.confine import is_wizard_file
from virtnet_tui.executor.firewall_tables import capture_made_tables
from virtnet_tui.executor.journal import clip
from virtnet_tui.hosts.base import CommandResult, Host


@dataclass(frozen=True)
class StepResult:
    """How a step went, with what the journal keeps of it."""

    ok: bool
    output: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def command_output(result: CommandResult) -> dict[str, Any]:
    return {
        "argv": list(result.argv),
        "returncode": result.returncode,
        "stdout": clip(result.stdout),
        "stderr": clip(result.stderr),
    }


def _command_error(result: CommandResult) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    tail = f": {lines[-1]}" if lines else ""
    return f"{shlex.join(result.argv)} exited {result.returncode}{tail}"


def quiet_libvirt() -> None:
    """Stop libvirt from printing its own errors on stderr: the wizard reports them."""
    import libvirt

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def capture_before(host: Host, step: Step) -> dict[str, Any]:
    """What the step's undo needs to know about the state before it (journaled first).

    Files are covered by the run's backups and commands carry their own undo; a rules
    file's restore notes the iptables tables it will make, which its undo deletes again.
    """
    if isinstance(step, CommandStep):
        return capture_made_tables(host, step)
    if isinstance(step, SysctlStep):
        values: dict[str, str] = {}
        for key, _ in step.settings:
            result = host.run(["sysctl", "-n", key])
            if result.ok and result.stdout.strip():
                values[key] = result.stdout.strip()
        return {"values": values}
    if isinstance(step, LibvirtStep):
        import libvirt

        quiet_libvirt()
        conn = host.connect_libvirt()
        try:
            if step.op in ("net-update", "domain-define"):
                from virtnet_tui.executor import libvirt_live

                if step.op == "net-update":
                    return libvirt_live.capture_update(conn, step)
                return libvirt_live.capture_domain(conn, step)
            try:
                net = conn.networkLookupByName(step.network)
            except libvirt.libvirtError:
                return {"exists": False, "active": False, "autostart": False}
            before: dict[str, Any] = {
                "exists": True,
                "active": bool(net.isActive()),
                "autostart": bool(net.autostart()),
            }
            if step.op == "net-define":
                before["xml"] = _persistent_xml(net)
            return before
        finally:
            conn.close()
    return {}


def _persistent_xml(net: Any) -> str:
    import libvirt

    try:
        return str(net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE))
    except libvirt.libvirtError:
        # The test driver has no separate inactive definition and refuses the flag.
        return str(net.XMLDesc(0))


def perform(host: Host, step: Step) -> StepResult:
    """Do the step. Exceptions are the caller's to journal as a failure."""
    if isinstance(step, FileStep):
        # A link is replaced by a new file: its target's owner and mode are not the file's.
        link = host.path(step.path).is_symlink()
        meta = None if link else host.stat(step.path)
        # An existing file keeps its owner; a new one belongs to whoever runs the wizard.
        uid, gid = (meta.uid, meta.gid) if meta is not None else (-1, -1)
        mode = step.written_mode(meta.mode if meta is not None else None)
        # Set-id bits too: write_bytes sets the mode after the owner.
        host.write_bytes(
            step.path,
            step.content.encode(),
            mode,
            uid,
            gid,
            replace_link=not is_wizard_file(step.path),
        )
        return StepResult(True, {"bytes": len(step.content.encode()), "mode": f"{mode:04o}"})
    if isinstance(step, CommandStep):
        result = host.run(step.argv)
        ok = result.ok or step.ignore_failure
        return StepResult(ok, command_output(result), "" if ok else _command_error(result))
    if isinstance(step, SysctlStep):
        result = host.run(step.argv())
        return StepResult(
            result.ok, command_output(result), "" if result.ok else _command_error(result)
        )
    return _perform_libvirt(host, step)


def _perform_libvirt(host: Host, step: LibvirtStep) -> StepResult:
    import libvirt

    quiet_libvirt()
    conn = host.connect_libvirt()
    try:
        if step.op == "net-define":
            conn.networkDefineXML(step.xml)
            note = f"defined {step.network}"
        elif step.op in ("net-update", "domain-define"):
            from virtnet_tui.executor import libvirt_live

            try:
                if step.op == "net-update":
                    note = libvirt_live.update(conn, step)
                else:
                    note = libvirt_live.define_domain(conn, step)
            except LookupError as exc:
                return StepResult(False, error=str(exc))
        else:
            try:
                net = conn.networkLookupByName(step.network)
            except libvirt.libvirtError:
                if step.op in ("net-destroy", "net-autostart-disable"):
                    return StepResult(True, {"note": f"no network {step.network}: nothing to stop"})
                return StepResult(False, error=f"there is no libvirt network {step.network}")
            if step.op == "net-autostart":
                net.setAutostart(1)
                note = "autostart on"
            elif step.op == "net-start":
                note = "already active" if net.isActive() else "started"
                if not net.isActive():
                    net.create()
            elif step.op == "net-destroy":
                note = "stopped" if net.isActive() else "was not active"
                if net.isActive():
                    net.destroy()
            else:
                net.setAutostart(0)
                note = "autostart off"
        host.libvirt_saved(conn)
        return StepResult(True, {"note": note})
    except libvirt.libvirtError as exc:
        target = step.domain or step.network
        return StepResult(False, error=f"libvirt {step.op} {target}: {exc}")
    finally:
        conn.close()
