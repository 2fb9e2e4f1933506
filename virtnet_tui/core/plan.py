"""A plan is data: ordered stages of steps, exported as JSON or as a bash script."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Argv = tuple[str, ...]


@dataclass(frozen=True)
class FileStep:
    """Write ``content`` to ``path`` atomically with ``mode``; undo restores the old file."""

    path: str
    content: str
    mode: int = 0o644
    description: str = ""
    kind: Literal["file"] = "file"
    keep_mode: bool = False
    """An existing file keeps its own mode (``mode`` is for a new one): a file the host
    already had, edited in place, may hold secrets (a wpa-psk) and be private on purpose."""

    def written_mode(self, existing: int | None) -> int:
        """The mode a write gives the file, given the existing file's mode (None: no file)."""
        if self.keep_mode and existing is not None:
            return existing & 0o7777
        return self.mode

    def mode_text(self) -> str:
        if self.keep_mode:
            return f"mode kept from the existing file, {self.mode:04o} if new"
        return f"mode {self.mode:04o}"

    def describe(self) -> str:
        return self.description or f"write {self.path} ({self.mode_text()})"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": "file",
            "path": self.path,
            "mode": f"{self.mode:04o}",
            "content": self.content,
            "description": self.describe(),
        }
        if self.keep_mode:  # only then, so that other plans' JSON is as it was
            data["keep_mode"] = True
        return data


@dataclass(frozen=True)
class CommandStep:
    """Run one argv; ``undo`` lists the argvs that reverse it (run in order)."""

    argv: Argv
    undo: tuple[Argv, ...] = ()
    description: str = ""
    ignore_failure: bool = False
    """The command may legitimately fail (it only cleans up), as ``ExecStartPre=-`` does."""
    undo_on_failure: bool = False
    """Run ``undo`` even when the command failed: it may have done part of its work."""
    kind: Literal["command"] = "command"

    def describe(self) -> str:
        return self.description or shlex.join(self.argv)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "command",
            "argv": list(self.argv),
            "undo": [list(a) for a in self.undo],
            "ignore_failure": self.ignore_failure,
            "undo_on_failure": self.undo_on_failure,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class SysctlStep:
    """Set kernel parameters now; undo puts back the values read before the change."""

    settings: tuple[tuple[str, str], ...]
    description: str = ""
    missing_ok: bool = False
    """Skip keys the kernel does not have yet (bridge-nf-* exist only once br_netfilter loads)."""
    kind: Literal["sysctl"] = "sysctl"

    def describe(self) -> str:
        return self.description or "set " + ", ".join(f"{k}={v}" for k, v in self.settings)

    def argv(self) -> Argv:
        ignore_unknown = ("-e",) if self.missing_ok else ()
        return ("sysctl", *ignore_unknown, "-w", *(f"{k}={v}" for k, v in self.settings))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "sysctl",
            "settings": dict(self.settings),
            "missing_ok": self.missing_ok,
            "argv": list(self.argv()),
            "description": self.describe(),
        }


LibvirtOp = Literal[
    "net-define",
    "net-autostart",
    "net-start",
    "net-destroy",
    "net-autostart-disable",
    "net-update",
    "domain-define",
]
#: ``net-update`` commands (``virsh net-update NETWORK COMMAND SECTION XML``).
UpdateCommand = Literal["", "add-last", "modify", "delete"]


@dataclass(frozen=True)
class LibvirtStep:
    """One call through libvirt-python; ``virsh`` shows the equivalent command."""

    op: LibvirtOp
    network: str
    """The network the step changes; for ``domain-define``, the network attached to."""
    xml: str = ""
    """The network or domain definition, or the ``<host>`` element of a ``net-update``."""
    description: str = ""
    command: UpdateCommand = ""
    """``net-update`` only: add-last, modify or delete."""
    section: str = ""
    """``net-update`` only: the part of the definition changed (``ip-dhcp-host``)."""
    parent_index: int = -1
    """``net-update`` only: which ``<ip>`` element holds the section (``--parent-index``)."""
    domain: str = ""
    """``domain-define`` only: the VM whose persistent definition is replaced."""
    kind: Literal["libvirt"] = "libvirt"

    def virsh_argv(self, xml_path: str = "") -> Argv:
        """The ``virsh`` command that does the same, for the preview and the script."""
        if self.op == "net-define":
            return ("virsh", "net-define", xml_path or f"/tmp/{self.network}.xml")
        if self.op == "net-update":
            # --live applies only while the network runs; apply leaves it out otherwise.
            where = ("--parent-index", str(self.parent_index)) if self.parent_index >= 0 else ()
            return (
                "virsh",
                "net-update",
                self.network,
                self.command,
                self.section,
                self.xml.strip(),
                "--live",
                "--config",
                *where,
            )
        if self.op == "domain-define":
            return ("virsh", "define", xml_path or f"/tmp/{self.domain}.xml")
        if self.op == "net-autostart-disable":
            return ("virsh", "net-autostart", "--disable", self.network)
        return ("virsh", self.op, self.network)

    def describe(self) -> str:
        return self.description or shlex.join(self.virsh_argv())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "libvirt",
            "op": self.op,
            "network": self.network,
            "virsh": list(self.virsh_argv()),
            "description": self.describe(),
        }
        if self.xml:
            out["xml"] = self.xml
        if self.op == "net-update":
            out["command"] = self.command
            out["section"] = self.section
            out["parent_index"] = self.parent_index
        if self.domain:
            out["domain"] = self.domain
        return out


Step = FileStep | CommandStep | SysctlStep | LibvirtStep


@dataclass(frozen=True)
class Check:
    """What a stage promises, verified after it ran (read-only)."""

    what: Literal[
        "link-up",
        "bridge-port",
        "address",
        "net-active",
        "process",
        "ping",
        "file",
        "chain",
        "nft-table",
    ]
    target: str
    detail: str = ""

    def describe(self) -> str:
        labels = {
            "link-up": "link {t} is up",
            "bridge-port": "{d} is a port of bridge {t}",
            "address": "{t} carries {d}",
            "net-active": "libvirt network {t} is active",
            "process": "{t} is running",
            "ping": "{t} answers",
            "file": "{t} exists",
            "chain": "{d} jumps to {t}",
            "nft-table": "nftables table {t} is loaded",
        }
        return labels[self.what].format(t=self.target, d=self.detail)

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "target": self.target, "detail": self.detail}


@dataclass(frozen=True)
class Stage:
    """Steps that belong together; a checkpoint is written after the stage's checks pass."""

    name: str
    steps: tuple[Step, ...]
    risky: bool = False
    """The stage can cut the operator's connection: apply guards it with a timed confirmation."""
    why_risky: str = ""
    checks: tuple[Check, ...] = ()
    network: str = ""
    after_undo: tuple[Argv, ...] = ()
    """Run once every step of the stage is undone, to bring the restored files back into effect."""
    nm_checkpoint: bool = False
    """A risky stage that NetworkManager applies: apply takes a NetworkManager checkpoint
    before it, which NetworkManager rolls back by itself should the wizard and its guard
    both die, and destroys it once the stage is confirmed or undone."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "risky": self.risky,
            "steps": [s.to_json() for s in self.steps],
            "checks": [c.to_json() for c in self.checks],
            "after_undo": [list(a) for a in self.after_undo],
        }
        if self.network:
            out["network"] = self.network
        if self.why_risky:
            out["why_risky"] = self.why_risky
        if self.nm_checkpoint:
            out["nm_checkpoint"] = True
        return out


@dataclass(frozen=True)
class Todo:
    """Something the operator must do elsewhere (at the provider, on the router, in a VM)."""

    title: str
    detail: str
    commands: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "detail": self.detail, "commands": list(self.commands)}


@dataclass(frozen=True)
class Plan:
    """Everything apply will do, in order, and what it leaves to the operator."""

    stages: tuple[Stage, ...]
    todos: tuple[Todo, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Ready-made snippets for the VMs (``virt-install --network``, interface XML)."""

    def steps(self) -> Iterator[tuple[int, Stage, Step]]:
        """Every step with its 1-based number in apply order (the ``VIRTNET_FAULT`` numbering)."""
        n = 0
        for stage in self.stages:
            for step in stage.steps:
                n += 1
                yield n, stage, step

    def files(self) -> dict[str, FileStep]:
        """The last write of every path the plan touches."""
        return {s.path: s for _, _, s in self.steps() if isinstance(s, FileStep)}

    def to_json(self) -> dict[str, Any]:
        return {
            "stages": [s.to_json() for s in self.stages],
            "todos": [t.to_json() for t in self.todos],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"
