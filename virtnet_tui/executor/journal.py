"""Run directories: the plan, an fsynced journal, file backups, the lock, and the list of runs."""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from virtnet_tui.core.errors import RecordError
from virtnet_tui.core.plan import FileStep, LibvirtStep, Plan
from virtnet_tui.executor.events import E, Event, read_event
from virtnet_tui.executor.records import (
    FOREIGN,
    MOVE_ASIDE,
    check_confined,
    check_folder,
    check_plain_path,
    file_kind,
    parse_json,
    read_record,
)
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

#: What to do about a runs folder that is not one, or that holds something else.
_RUNS_ADVICE = "Move it aside: {runs} is where the wizard keeps one folder per run"
_STRAY_ADVICE = "{runs} holds only the wizard's run folders; move this out of it (it is not read)"

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


class BackupError(Exception):
    """A file the plan writes cannot be backed up (a FIFO, a device, a folder...)."""


def _read_index(raw: object, record: Path, advice: str) -> dict[str, Backup]:
    """``backups/index.json`` back as backups, each path checked (see ``records``)."""
    if not isinstance(raw, Mapping):
        raise RecordError(record, f"not a backup index: a JSON {type(raw).__name__}", advice)
    index: dict[str, Backup] = {}
    for key, data in raw.items():
        what = f"the backup of {key!r}"
        try:
            if not isinstance(data, Mapping):
                raise TypeError(f"a JSON {type(data).__name__}, not an object")
            backup = Backup.from_json(dict(data))
            if not isinstance(data.get("missing_dirs", []), list):
                raise TypeError("missing_dirs is not a list")
            if not 0 <= backup.mode <= 0o7777 or min(backup.uid, backup.gid) < 0:
                raise ValueError("a mode or an owner no file can have")
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordError(record, f"{what} is damaged ({exc})", advice) from None
        if backup.path != key:
            raise RecordError(record, f"{what} names another file, {backup.path!r}", advice)
        check_plain_path(backup.path, record, "a backup of", advice)
        for folder in backup.missing_dirs:
            check_plain_path(folder, record, f"{what} removes the folder", advice)
            if not PurePosixPath(backup.path).is_relative_to(folder) or folder == "/":
                raise RecordError(record, f"{what} removes {folder!r}, not its folder", advice)
        if backup.exists and not backup.link and not _is_blob_name(backup.blob):
            raise RecordError(record, f"{what} keeps its content in {backup.blob!r}", advice)
        index[key] = backup
    return index


def _is_blob_name(name: str) -> bool:
    """The names ``take_backups`` gives contents: 0001, 0002... (never a path)."""
    return name.isascii() and name.isdigit()


def _missing_dirs(host: Host, path: str) -> tuple[str, ...]:
    missing: list[str] = []
    parent = PurePosixPath(path).parent
    while str(parent) != "/" and not host.path(str(parent)).exists():
        missing.append(str(parent))
        parent = parent.parent
    return tuple(reversed(missing))


# --- the run directory -------------------------------------------------------------------


class RunDir:
    """``<state dir>/runs/<id>/``: plan.json, answers.toml, journal.jsonl, backups/, guard files.

    Every record is read through ``records``: a damaged one, or one the wizard did not
    write, is a ``RecordError`` naming the file (docs/apply.md, "Damaged and foreign records").
    """

    def __init__(self, host: Host, run_id: str) -> None:
        self.host = host
        self.id = run_id
        self.rel = f"{RUNS_DIR}/{run_id}"
        # Absolute: the guard process runs from / and is handed this path.
        self.path = host.path(self.rel).absolute()
        self._plan: Plan | None = None
        self._backups: dict[str, Backup] | None = None
        self._index_found = False
        self._folder_checked = False

    @classmethod
    def new(cls, host: Host, plan: Plan) -> RunDir:
        """An empty run folder: no reader counts it as a run until ``publish``."""
        run = cls(host, new_run_id())
        runs = host.path(RUNS_DIR)
        if runs.exists() and not runs.is_dir():
            raise RecordError(runs, "not a folder", _RUNS_ADVICE.format(runs=runs))
        # Root's alone to write (a run planted there would be replayed by root's rollback;
        # confine.check_records tightens older ones), readable so that `plan` and
        # `status` list the runs without root.
        make_dirs(host.write_path(RUNS_DIR, folder=True), DIR_MODE)
        # Private: backups may hold secrets the files held.
        make_dir(run.path, PRIVATE_DIR_MODE, exist_ok=False)
        run._plan = plan
        run._folder_checked = True
        return run

    def publish(self, answers_text: str) -> None:
        """Write the answers, then ``plan.json``: from then on the folder is a run."""
        self.host.write_bytes(f"{self.rel}/answers.toml", answers_text.encode(), 0o600)
        self.host.write_bytes(f"{self.rel}/plan.json", self.plan().to_json_text().encode(), 0o600)

    @classmethod
    def create(cls, host: Host, plan: Plan, answers_text: str) -> RunDir:
        run = cls.new(host, plan)
        run.publish(answers_text)
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

    # --- reading the records -------------------------------------------------------------
    @property
    def damaged_advice(self) -> str:
        """What to do about a damaged record of this run."""
        return MOVE_ASIDE.format(run=self.path, runs=self.path.parent)

    @property
    def foreign_advice(self) -> str:
        """What to do about a record of this run the wizard did not write."""
        return FOREIGN.format(run=self.path, runs=self.path.parent)

    def _check_folder(self) -> None:
        if not self._folder_checked:
            check_folder(self.path, self.foreign_advice)
            self._folder_checked = True

    def _record(self, name: str) -> bytes | None:
        self._check_folder()
        return read_record(self.path / name, self.foreign_advice)

    def plan(self) -> Plan:
        """The run's plan; each file it writes is an absolute path without ``..``.

        Raises:
            RecordError: ``plan.json`` is missing, damaged or not trusted.
        """
        if self._plan is None:
            path = self.path / "plan.json"
            data = self._record("plan.json")
            if data is None:
                raise RecordError(path, "missing", self.damaged_advice)
            raw = parse_json(path, data, self.damaged_advice)
            if not isinstance(raw, Mapping):
                problem = f"not a plan: a JSON {type(raw).__name__}, not an object"
                raise RecordError(path, problem, self.damaged_advice)
            try:
                plan = plan_from_json(raw)
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
                problem = f"not a plan the wizard wrote ({type(exc).__name__}: {exc})"
                raise RecordError(path, problem, self.damaged_advice) from None
            for ns in numbered_steps(plan):
                if isinstance(ns.step, FileStep):
                    what = f"step {ns.number} writes"
                    check_plain_path(ns.step.path, path, what, self.foreign_advice)
            self._plan = plan
        return self._plan

    def check_paths(self) -> None:
        """Refuse a run whose plan or backups name a file outside the host's root.

        Called before rollback or resume writes anything (``plan`` and ``backups``
        already refused ``..``; this resolves the folders, links included).
        """
        advice = self.foreign_advice
        plan_path = self.path / "plan.json"
        for ns in numbered_steps(self.plan()):
            if isinstance(ns.step, FileStep):
                what = f"step {ns.number} writes"
                check_confined(self.host.root, ns.step.path, plan_path, what, advice)
        index_path = self.path / "backups" / "index.json"
        for backup in self.backups().values():
            check_confined(self.host.root, backup.path, index_path, "a backup of", advice)

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
        leaves a partial last line; a bad byte) is skipped; a damaged event is an
        ``UnknownEvent``.

        Raises:
            RecordError: the journal is not a file, or not trusted.
        """
        data = self._record("journal.jsonl")
        if data is None:
            return []
        out = []
        for line in data.split(b"\n"):
            try:
                record = json.loads(line.decode("utf-8"))
            except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                continue
            event = read_event(record)
            if event is not None:
                out.append(event)
        return out

    def state(self) -> RunState:
        """The journal folded; an event about a stage or step the plan does not have (a
        damaged line) is passed over like any other damaged event."""
        plan = self.plan()
        stages, steps = len(plan.stages), len(numbered_steps(plan))
        return replay(e for e in self.events() if _in_plan(e, stages, steps))

    # --- backups -------------------------------------------------------------------------
    def take_backups(
        self, plan: Plan, keep: Mapping[str, Backup] | None = None
    ) -> dict[str, Backup]:
        """Save every file the plan writes, as it is now (or that it is absent).

        ``keep``: backups already taken (a resume finishing them); only the others are
        taken. ``backups/index.json`` is written last, atomically: while it is missing
        the backups are incomplete, and no step has run (see ``backup_gaps``).

        Raises:
            BackupError: a path holds a FIFO, a device, a socket or a folder.
        """
        index: dict[str, Backup] = dict(keep or {})
        folder = self.path / "backups"
        make_dir(folder, PRIVATE_DIR_MODE)
        taken = {b.blob for b in index.values() if b.blob}
        number = 0
        for path in plan.files():
            if path in index:
                continue
            local = self.host.path(path)
            if local.is_symlink():
                index[path] = Backup(path, True, link=os.readlink(local))
                continue
            found = _read_regular(local, path)
            if found is None:
                index[path] = Backup(path, False, missing_dirs=_missing_dirs(self.host, path))
                continue
            content, meta = found
            number += 1
            while f"{number:04d}" in taken:
                number += 1
            blob = f"{number:04d}"
            self.host.write_bytes(f"{self.rel}/backups/{blob}", content, 0o600)
            mode = stat.S_IMODE(meta.st_mode)
            index[path] = Backup(path, True, blob, mode, meta.st_uid, meta.st_gid)
        data = {p: b.to_json() for p, b in index.items()}
        self.host.write_bytes(
            f"{self.rel}/backups/index.json", json.dumps(data, indent=1).encode(), 0o600
        )
        self._backups = index
        self._index_found = True
        return index

    def backups(self) -> dict[str, Backup]:
        """The backups ``index.json`` lists; empty when it is missing (see ``backup_gaps``).

        Raises:
            RecordError: the index is damaged, not trusted, or names a path with ``..``.
        """
        if self._backups is None:
            path = self.path / "backups" / "index.json"
            data = self._record("backups/index.json")
            if data is None:
                self._backups = {}
            else:
                raw = parse_json(path, data, self.damaged_advice)
                self._backups = _read_index(raw, path, self.damaged_advice)
                self._index_found = True
        return self._backups

    def backup_gaps(self, plan: Plan | None = None) -> list[str]:
        """Files the plan writes that have no usable backup, in the plan's order.

        All of them when ``index.json`` is missing (the apply stopped while taking the
        backups), else those the index lacks or whose saved content is gone.
        """
        index = self.backups()
        gaps = []
        for path in (plan or self.plan()).files():
            backup = index.get(path)
            if backup is None or not self.has_backup(backup):
                gaps.append(path)
        return gaps

    @property
    def backups_complete(self) -> bool:
        """``index.json`` was written: every backup was taken before the first step."""
        self.backups()
        return self._index_found

    def has_backup(self, backup: Backup) -> bool:
        """The backup can be put back: it keeps no content, or its content is there."""
        if not backup.exists or backup.link:
            return True
        try:
            return stat.S_ISREG(os.lstat(self.backup_path(backup)).st_mode)
        except OSError:
            return False

    def backup_content(self, backup: Backup) -> bytes:
        """The saved content of ``backup``.

        Raises:
            RecordError: the content is gone, or is not a file the wizard wrote.
        """
        path = self.backup_path(backup)
        data = read_record(path, self.foreign_advice)
        if data is None:
            problem = f"missing: the saved content of {backup.path} is gone"
            advice = f"Restore {self.host.path(backup.path)} from your own backup"
            raise RecordError(path, problem, advice)
        return data

    def backup_path(self, backup: Backup) -> Path:
        return self.path / "backups" / backup.blob


def _in_plan(event: Event, stages: int, steps: int) -> bool:
    """The event's stage and step (when it has them) exist in a plan of that size."""
    stage = getattr(event, "stage", None)
    step = getattr(event, "step", None)
    if isinstance(stage, int) and not 0 <= stage < stages:
        return False
    return not (isinstance(step, int) and not 1 <= step <= steps)


def _read_regular(local: Path, path: str) -> tuple[bytes, os.stat_result] | None:
    """A file's content and status for its backup; ``None`` when it is absent.

    Opened without blocking (a FIFO would wait for a writer forever), read only when
    it is a regular file.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(local, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        meta = os.fstat(fd)
        if not stat.S_ISREG(meta.st_mode):
            raise BackupError(
                f"cannot back up {local}: it is {file_kind(meta.st_mode)}, not a regular file, "
                f"and the plan would replace it; move it out of the way (the plan writes {path})"
            )
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), meta
    finally:
        os.close(fd)


def unbackable_files(host: Host, plan: Plan) -> list[str]:
    """Why some files the plan writes cannot be backed up (checked before a run starts)."""
    out = []
    for path in plan.files():
        try:
            meta = os.lstat(host.path(path))
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not (stat.S_ISREG(meta.st_mode) or stat.S_ISLNK(meta.st_mode)):
            out.append(f"{host.path(path)} is {file_kind(meta.st_mode)}, not a regular file")
    return out


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
    """The names in the runs folder, oldest first: one ``scandir``, no ``stat`` per run.

    Called several times per run on hosts that may keep a thousand runs (one per DHCP
    host added). A folder without ``plan.json`` (a run that died being created) is
    listed too; callers that open a run check for it (``run_ids`` does).

    Raises:
        RecordError: the runs folder is not a folder, or holds something else than
            folders (a stray file, a link): the wizard would not know what it is.
    """
    folder = host.path(RUNS_DIR)
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        raise RecordError(folder, "not a folder", _RUNS_ADVICE.format(runs=folder)) from None
    for entry in entries:
        # d_type from the listing: no stat per run.
        if not entry.is_dir(follow_symlinks=False):
            raise RecordError(entry.path, "not a run folder", _STRAY_ADVICE.format(runs=folder))
    return sorted(entry.name for entry in entries)


def run_ids(host: Host) -> list[str]:
    """Ids of every run directory, oldest first."""
    return [name for name in list_run_ids(host) if RunDir(host, name).exists()]


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
