"""What the plan's files change on the host: new, changed or unchanged, with a unified diff.

Not a screen and free of Textual: it reads the current files through the Host and
compares them with the plan's, for the Preview screen.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from virtnet_tui.core.plan import FileStep, Plan
from virtnet_tui.hosts.base import Host
from virtnet_tui.hosts.files import make_dirs

Status = Literal["new", "changed", "unchanged"]

#: Pygments lexers for the file kinds the recipes write (by name, then by folder).
_LEXERS_BY_SUFFIX = {
    ".xml": "xml",
    ".service": "ini",
    ".conf": "ini",
    ".rules": "bash",
    ".sh": "bash",
    ".v4": "bash",
    ".v6": "bash",
    ".toml": "toml",
}


@dataclass(frozen=True)
class FileChange:
    """One file of the plan next to the file on the host."""

    path: str
    mode: int
    new: str
    old: str | None
    """The host's current text; None when the file does not exist."""

    @property
    def status(self) -> Status:
        if self.old is None:
            return "new"
        return "unchanged" if self.old == self.new else "changed"

    def diff(self) -> str:
        """A unified diff from the host's file to the plan's (empty when unchanged)."""
        lines = difflib.unified_diff(
            (self.old or "").splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=f"{self.path} (on the host)" if self.old is not None else "/dev/null",
            tofile=f"{self.path} (planned)",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def file_changes(plan: Plan, host: Host) -> list[FileChange]:
    """Every file the plan writes, in apply order, compared with the host's copy."""
    steps: dict[str, FileStep] = plan.files()
    out = []
    for path, step in steps.items():
        # The mode apply will give it: a file edited in place keeps its own.
        meta = host.stat(path) if step.keep_mode else None
        mode = step.written_mode(meta.mode if meta is not None else None)
        out.append(FileChange(path, mode, step.content, host.read_text(path)))
    return out


def lexer_for(path: str, content: str) -> str:
    """A Pygments lexer name for syntax highlighting ``content`` of ``path``."""
    name = Path(path).name
    if content.startswith("#!") and ("sh" in content.splitlines()[0]):
        return "bash"
    if content.lstrip().startswith("<"):
        return "xml"
    if path.startswith("/etc/sysconfig/network-scripts/") or name == "interfaces":
        return "bash"
    if path.startswith("/etc/sysctl.d/"):
        return "ini"
    return _LEXERS_BY_SUFFIX.get(Path(path).suffix, "text")


def export_text(path: str, text: str, mode: int = 0o644) -> Path:
    """Write an export (answers, plan script) where the operator asked; returns the full path.

    Exports go to the operator's own file system, not through the Host: they are
    copies for the operator, not part of the plan.
    """
    target = Path(path).expanduser()
    make_dirs(target.parent)  # 0755 whatever the umask
    # Made with its mode from the start: never readable by others for a moment.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode & 0o700)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(text)
    return target.resolve()
