"""The revert guard of a risky stage: a detached process that undoes the stage unless confirmed.

The wizard starts it (``python -m virtnet_tui.executor.guard RUN_DIR STAGE_INDEX``) in a
session of its own before a risky stage, so that it outlives the wizard and the
SSH session. The wizard keeps pushing a deadline forward while it works and
while it waits for the operator; when the operator confirms, or when the wizard
itself has undone the stage, it writes ``release-<stage>`` and the guard exits.
Past the deadline, the guard takes the run lock (which means the wizard is
gone: it holds the lock while it lives), undoes the stage from the journal and
the backups with the same code as the wizard, journals ``guard-reverted`` and exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from virtnet_tui.executor.runlock import LockBusy, RunLock
from virtnet_tui.hosts.files import open_no_follow

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable

    from virtnet_tui.executor.journal import RunDir
    from virtnet_tui.hosts.base import Host

# The guard process imports only the standard library and the lock until it has to
# revert: it starts before every risky stage, and the stage waits for it.
POLL = 0.1
#: How often the guard looks in its first second: a stage confirmed by its checks
#: (``--yes``) releases it at once, and the wizard waits for it to go.
FAST_POLL = 0.01
#: How long the wizard waits for a new guard to say it is running.
START_TIMEOUT = 10.0


def clock() -> float:
    """A clock shared by every process of the machine that keeps counting through suspend."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def _atomic_write(path: Path, text: str) -> None:
    """Write a file of the run folder: private, made afresh (never through a link), renamed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)  # left by a crashed process that had this pid
    fd = open_no_follow(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # os.open's mode went through the umask
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def deadline_file(run: Path, stage: int) -> Path:
    return run / f"guard-{stage}.json"


def release_file(run: Path, stage: int) -> Path:
    return run / f"release-{stage}"


def pid_file(run: Path, stage: int) -> Path:
    return run / f"guard-{stage}.pid"


class GuardStartError(RuntimeError):
    """The guard process did not start: a risky stage must not run unguarded."""


class Guard:
    """The wizard's handle on the guard of one risky stage."""

    def __init__(self, run: RunDir, stage: int, timeout: float) -> None:
        self.run = run
        self.stage = stage
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid = 0
        self.on_deadline: Callable[[float], None] | None = None
        """Called with every new deadline (NetworkManager's checkpoint follows it)."""

    def set_deadline(self, seconds: float) -> None:
        """The guard reverts ``seconds`` from now unless pushed again or released."""
        data = {"deadline": clock() + seconds, "wizard_pid": os.getpid()}
        _atomic_write(deadline_file(self.run.path, self.stage), json.dumps(data))
        if self.on_deadline is not None:
            self.on_deadline(seconds)

    def start(self) -> int:
        """Start the guard and wait until it runs; returns its pid."""
        import subprocess

        import virtnet_tui

        self.set_deadline(self.timeout)
        env = dict(os.environ)
        env.pop("VIRTNET_FAULT", None)
        # The guard must import this very package, wherever it was started from.
        package_root = str(Path(virtnet_tui.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        log_fd = open_no_follow(
            self.run.file(f"guard-{self.stage}.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT
        )
        os.fchmod(log_fd, 0o600)
        with os.fdopen(log_fd, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "virtnet_tui.executor.guard",
                    str(self.run.path),
                    str(self.stage),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
                cwd="/",
                env=env,
            )
        limit = time.monotonic() + START_TIMEOUT
        marker = pid_file(self.run.path, self.stage)
        while not marker.exists():
            if self.proc.poll() is not None or time.monotonic() > limit:
                self.proc.kill()
                self.proc.wait()
                log_text = self.run.file(f"guard-{self.stage}.log").read_text(errors="replace")
                raise GuardStartError(
                    f"the guard process did not start ({log_text.strip()[-300:] or 'no output'})"
                )
            time.sleep(0.005)
        self.pid = self.proc.pid
        return self.pid

    def release(self, reason: str) -> None:
        """Tell the guard to stand down (confirmed, or the wizard undid the stage itself)."""
        _atomic_write(release_file(self.run.path, self.stage), reason + "\n")
        if self.proc is not None:
            # It exits on its next look at the release file; nothing else waits on it.
            with contextlib.suppress(Exception):  # subprocess.TimeoutExpired
                self.proc.wait(timeout=5)


# --- the guard process -------------------------------------------------------------------


def _read_deadline(run: Path, stage: int) -> float | None:
    try:
        data: dict[str, Any] = json.loads(deadline_file(run, stage).read_text())
        return float(data["deadline"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _host_of(run: Path) -> Host:
    """The host the run acted on, as its ``run-start`` event describes it."""
    from virtnet_tui.executor.events import RunStart, event_from_json
    from virtnet_tui.hosts.factory import make_host

    with (run / "journal.jsonl").open() as handle:
        first = event_from_json(json.loads(handle.readline()))
    if not isinstance(first, RunStart):
        raise ValueError(f"{run}/journal.jsonl does not begin with run-start: {first.event!r}")
    root = first.host.root or None
    return make_host(None if root == "/" else root, first.host.netns or None)


def revert(run_path: Path, stage: int) -> int:
    """Undo the stage (the lock is held). Returns 0, or 1 when something is left."""
    from virtnet_tui.executor.events import GuardReverted, GuardRevertIncomplete, GuardTimeout
    from virtnet_tui.executor.journal import RunDir
    from virtnet_tui.executor.recorder import Recorder
    from virtnet_tui.executor.undo import Undoer

    host = _host_of(run_path)
    run = RunDir(host, run_path.name)
    rec = Recorder(run, by="guard")
    rec.emit(GuardTimeout(stage=stage, pid=os.getpid()))
    from virtnet_tui.executor.nm_checkpoint import release_checkpoint

    release_checkpoint(host, rec, stage, "undone by the guard")
    leftovers = Undoer(host, rec).undo_stages([stage])
    if leftovers:
        rec.emit(GuardRevertIncomplete(stage=stage, leftovers=tuple(leftovers)))
        return 1
    rec.emit(GuardReverted(stage=stage, name=run.plan().stages[stage].name))
    return 0


def watch(run_path: Path, stage: int) -> int:
    """Wait for the release file or the deadline; past it, revert once the lock is free."""
    # <root>/var/lib/virtnet-wizard/runs/<id> -> <root>/var/lib/virtnet-wizard/lock
    lock = RunLock(run_path.parent.parent / "lock", "guard-" + secrets.token_hex(4))
    fast_until = time.monotonic() + 1.0
    while True:
        if release_file(run_path, stage).exists() or not run_path.is_dir():
            return 0
        deadline = _read_deadline(run_path, stage)
        if deadline is not None and clock() >= deadline:
            try:
                lock.acquire()
            except LockBusy:
                pass  # the wizard still lives and will decide; wait for it
            else:
                try:
                    if release_file(run_path, stage).exists():
                        return 0
                    return revert(run_path, stage)
                finally:
                    lock.release()
        time.sleep(FAST_POLL if time.monotonic() < fast_until else POLL)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not args[1].isdigit():
        sys.stderr.write("usage: python -m virtnet_tui.executor.guard RUN_DIR STAGE_INDEX\n")
        return 2
    # A lost terminal or a stray Ctrl-C must not stop the one process that can undo the stage.
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    run_path, stage = Path(args[0]), int(args[1])
    _atomic_write(pid_file(run_path, stage), f"{os.getpid()}\n")
    return watch(run_path, stage)


if __name__ == "__main__":
    raise SystemExit(main())
