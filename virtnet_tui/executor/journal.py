"""Run directories: the plan, an fsynced journal, file backups, the lock, and the list of runs."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from virtnet_tui.core.plan import FileStep, LibvirtStep, Plan
from virtnet_tui.executor.events import E, Event, read_event
from virtnet_tui.executor.replay import (
    RunState,
    RunStateName,
    numbered_steps,
    plan_from_json,
    replay,
)
from virtnet_tui.executor.runlock import RunLock, holder
from virtnet_tui.hosts.base import Host
from virtnet_tui.hosts.files import (
    DIR_MODE,
    PRIVATE_DIR_MODE,
    append_bytes,
    fsync_dir,
    make_dir,
    make_dirs,
)

STATE_DIR = "/var/lib/virtnet-wizard"
RUNS_DIR = f"{STATE_DIR}/runs"
LOCK_PATH = f"{STATE_DIR}/lock"

#: Longest command output kept in a journal event (the tail: errors come last).
OUTPUT_LIMIT = 8000


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """Sortable by time (UTC, microseconds), unique by a random suffix."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{secrets.token_hex(2)}"


def new_token() -> str:
    """Names one invocation (apply, resume, rollback, guard) in the journal and the lock."""
    return secrets.token_hex(6)


def clip(text: str) -> str:
    return text if len(text) <= OUTPUT_LIMIT else "…" + text[-OUTPUT_LIMIT:]


# --- the lock ----------------------------------------------------------------------------


def run_lock(host: Host, token: str) -> RunLock:
    """The lock of ``host``'s state folder (one apply or rollback at a time).

    Raises ``UnsafePath`` when a folder on the way leads outside the host's root.
    """
    return RunLock(host.write_path(LOCK_PATH), token)


def lock_holder(host: Host) -> tuple[int | None, str] | None:
    """The pid and token of the lock's holder, or ``None`` when nobody holds it."""
    return holder(host.path(LOCK_PATH))


# --- backups -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    """How a file was before the run: absent, a symlink, or content with mode and owner."""

    path: str
    exists: bool
    blob: str = ""
    """File name under ``backups/`` holding the content."""
    mode: int = 0
    uid: int = 0
    gid: int = 0
    link: str = ""
    """Target of a symbolic link (then there is no content)."""
    missing_dirs: tuple[str, ...] = ()
    """Folders that did not exist either, outermost first: undo removes them if empty."""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "exists": self.exists,
            "blob": self.blob,
            "mode": f"{self.mode:04o}",
            "uid": self.uid,
            "gid": self.gid,
            "link": self.link,
            "missing_dirs": list(self.missing_dirs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Backup:
        return cls(
            path=str(data["path"]),
            exists=bool(data["exists"]),
            blob=str(data.get("blob", "")),
            mode=int(str(data.get("mode", "0")), 8),
            uid=int(data.get("uid", 0)),
            gid=int(data.get("gid", 0)),
            link=str(data.get("link", "")),
            missing_dirs=tuple(data.get("missing_dirs", ())),
        )


def _missing_dirs(host: Host, path: str) -> tuple[str, ...]:
    missing: list[str] = []
    parent = PurePosixPath(path).parent
    while str(parent) != "/" and not host.path(str(parent)).exists():
        missing.append(str(parent))
        parent = parent.parent
    return tuple(reversed(missing))


# --- the run directory -------------------------------------------------------------------


class RunDir:
    """``<state dir>/runs/<id>/``: plan.json, answers.toml, journal.jsonl, backups/, guard files."""

    def __init__(self, host: Host, run_id: str) -> None:
        self.host = host
        self.id = run_id
        self.rel = f"{RUNS_DIR}/{run_id}"
        # Absolute: the guard process runs from / and is handed this path.
        self.path = host.path(self.rel).absolute()
        self._plan: Plan | None = None
        self._backups: dict[str, Backup] | None = None

    @classmethod
    def create(cls, host: Host, plan: Plan, answers_text: str) -> RunDir:
        run = cls(host, new_run_id())
        # Root's alone to write (a run planted there would be replayed by root's rollback;
        # confine.check_records tightens older ones), readable so that `plan` and
        # `status` list the runs without root.
        make_dirs(host.write_path(RUNS_DIR, folder=True), DIR_MODE)
        # Private: backups may hold secrets the files held.
        make_dir(run.path, PRIVATE_DIR_MODE, exist_ok=False)
        host.write_bytes(f"{run.rel}/plan.json", plan.to_json_text().encode(), 0o600)
        host.write_bytes(f"{run.rel}/answers.toml", answers_text.encode(), 0o600)
        run._plan = plan
        return run

    def exists(self) -> bool:
        return (self.path / "plan.json").is_file()

    @property
    def journal_path(self) -> Path:
        return self.path / "journal.jsonl"

    def file(self, name: str) -> Path:
        return self.path / name

    def write_file(self, name: str, text: str) -> Path:
        """Write the run's own file ``name`` (private, atomically, never through a link)."""
        self.host.write_bytes(f"{self.rel}/{name}", text.encode(), 0o600)
        return self.file(name)

    def plan(self) -> Plan:
        if self._plan is None:
            self._plan = plan_from_json(json.loads((self.path / "plan.json").read_text()))
        return self._plan

    # --- journal -------------------------------------------------------------------------
    def append(self, event: E) -> E:
        """Add one event, stamped with the time; it is on disk (fsynced) when this returns."""
        stamped = replace(event, time=now_iso())
        line = json.dumps(stamped.to_json(), sort_keys=False) + "\n"
        # A symbolic link there is refused (UnsafePath), never appended through.
        if append_bytes(self.journal_path, line.encode(), 0o600, sync=True):
            fsync_dir(self.path)
        return stamped

    def events(self) -> list[Event]:
        """The journal's events in order. A line that is not JSON (a crash while writing
        leaves a partial last line) is skipped; a damaged event is an ``UnknownEvent``."""
        try:
            text = self.journal_path.read_text()
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            event = read_event(record)
            if event is not None:
                out.append(event)
        return out

    def state(self) -> RunState:
        return replay(self.events())

    # --- backups -------------------------------------------------------------------------
    def take_backups(self, plan: Plan) -> dict[str, Backup]:
        """Save every file the plan writes, as it is now (or that it is absent)."""
        index: dict[str, Backup] = {}
        make_dir(self.path / "backups", PRIVATE_DIR_MODE)
        for path in plan.files():
            local = self.host.path(path)
            if local.is_symlink():
                index[path] = Backup(path, True, link=os.readlink(local))
                continue
            meta = self.host.stat(path)
            content = self.host.read_bytes(path)
            if meta is None or content is None:
                index[path] = Backup(path, False, missing_dirs=_missing_dirs(self.host, path))
                continue
            blob = f"{len(index) + 1:04d}"
            self.host.write_bytes(f"{self.rel}/backups/{blob}", content, 0o600)
            index[path] = Backup(path, True, blob, meta.mode, meta.uid, meta.gid)
        data = {p: b.to_json() for p, b in index.items()}
        self.host.write_bytes(
            f"{self.rel}/backups/index.json", json.dumps(data, indent=1).encode(), 0o600
        )
        self._backups = index
        return index

    def backups(self) -> dict[str, Backup]:
        if self._backups is None:
            try:
                data = json.loads((self.path / "backups" / "index.json").read_text())
            except FileNotFoundError:
                data = {}
            self._backups = {p: Backup.from_json(b) for p, b in data.items()}
        return self._backups

    def backup_content(self, backup: Backup) -> bytes:
        return (self.path / "backups" / backup.blob).read_bytes()

    def backup_path(self, backup: Backup) -> Path:
        return self.path / "backups" / backup.blob


# --- listing runs ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """One run as ``status`` shows it."""

    id: str
    started: str
    state: RunStateName
    host: str
    stages: tuple[str, ...]
    checkpoints: tuple[str, ...]
    """Names of the stages that reached their checkpoint and are still applied."""
    steps_total: int
    steps_applied: int
    files: tuple[str, ...]
    """Files that applied steps of this run wrote."""
    networks: tuple[str, ...]
    """libvirt networks that applied steps of this run changed."""
    warnings: tuple[str, ...] = ()
    live_guards: tuple[int, ...] = field(default=())
    """Pids of guard processes still watching a stage of this run."""

    @property
    def has_changes(self) -> bool:
        """Something of this run is (or may be) still in place."""
        return self.steps_applied > 0 or self.state in ("interrupted", "running")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started": self.started,
            "state": self.state,
            "host": self.host,
            "stages": list(self.stages),
            "checkpoints": list(self.checkpoints),
            "steps_total": self.steps_total,
            "steps_applied": self.steps_applied,
            "files": list(self.files),
            "networks": list(self.networks),
            "warnings": list(self.warnings),
            "live_guards": list(self.live_guards),
        }


def guard_alive(pid: int, run_dir: Path) -> bool:
    """Whether ``pid`` is still the guard process started for ``run_dir``."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"virtnet_tui.executor.guard" in cmdline and str(run_dir).encode() in cmdline


def run_info(run: RunDir, holder_token: str | None) -> RunInfo:
    state = run.state()
    plan = run.plan()
    steps = numbered_steps(plan)
    applied = [ns for ns in steps if state.step(ns.number).status in ("done", "undo-failed")]
    files = sorted({ns.step.path for ns in applied if isinstance(ns.step, FileStep)})
    networks = sorted({ns.step.network for ns in applied if isinstance(ns.step, LibvirtStep)})
    guards = tuple(
        g.pid
        for g in state.guards.values()
        if g.pid is not None and g.ended is None and guard_alive(g.pid, run.path)
    )
    start = state.start
    return RunInfo(
        id=run.id,
        started=start.time if start else "",
        state=state.state_name(holder_token),
        host=start.host.describe if start else "",
        stages=tuple(s.name for s in plan.stages),
        checkpoints=tuple(plan.stages[i].name for i in sorted(state.checkpoints)),
        steps_total=len(steps),
        steps_applied=len(applied),
        files=tuple(files),
        networks=tuple(networks),
        warnings=tuple(state.warnings),
        live_guards=guards,
    )


def list_run_ids(host: Host) -> list[str]:
    """The names in the runs folder, oldest first: one ``listdir``, no ``stat`` per run.

    Called several times per run on hosts that may keep a thousand runs (one per DHCP
    host added). A folder without ``plan.json`` (a run that died being created) is
    listed too; callers that open a run check for it (``run_ids`` does).
    """
    try:
        return sorted(os.listdir(host.path(RUNS_DIR)))
    except (FileNotFoundError, NotADirectoryError):
        return []


def run_ids(host: Host) -> list[str]:
    """Ids of every run directory, oldest first."""
    return [name for name in host.list_dir(RUNS_DIR) if RunDir(host, name).exists()]


def runs_status(host: Host) -> list[RunInfo]:
    """Every run on ``host``, oldest first, with its state."""
    holder = lock_holder(host)
    token = holder[1] if holder else None
    return [run_info(RunDir(host, run_id), token) for run_id in run_ids(host)]


def find_run(host: Host, run_id: str) -> RunDir | None:
    """The run named ``run_id``, or by a unique prefix of its id."""
    ids = run_ids(host)
    if run_id in ids:
        return RunDir(host, run_id)
    matches = [i for i in ids if i.startswith(run_id)]
    return RunDir(host, matches[0]) if len(matches) == 1 else None
