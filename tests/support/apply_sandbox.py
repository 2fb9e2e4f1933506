"""Helpers for the executor's tests: primed sandboxes, tree snapshots, in-process CLI runs."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.paths import EXAMPLES
from virtnet_tui.cli.main import main
from virtnet_tui.core.answers import answers_to_toml
from virtnet_tui.core.model import Answers
from virtnet_tui.core.plan import Plan
from virtnet_tui.core.recipes.packages import NEED_PROGRAMS
from virtnet_tui.executor.journal import LOCK_PATH, RUNS_DIR
from virtnet_tui.hosts.sandbox import (
    SANDBOX_COMMAND_LOG,
    SANDBOX_DOMAINS_SUBDIR,
    SANDBOX_LIBVIRT_DIR,
    SANDBOX_RESPONSES,
    SandboxHost,
)
from virtnet_tui.probe.commands import MODPROBE_DRY_DUMMY

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))

#: Paths left out of a tree comparison: the wizard's own records, not the host's state,
#: and the test driver's node file, which SandboxHost rebuilds from the saved networks
#: on every connection (a cache of the state before the last change, not the state).
IGNORED = (
    RUNS_DIR.lstrip("/"),
    LOCK_PATH.lstrip("/"),
    SANDBOX_COMMAND_LOG,
    "var/lib/virtnet-wizard/sandbox/node.xml",
    # The state file names the runs that made each network, so two twins differ there.
    "var/lib/virtnet-wizard/state.json",
)

#: Canned answers of the probe's commands on a primed sandbox (the rest find nothing).
PROBE_RESPONSES = {shlex.join(MODPROBE_DRY_DUMMY): {"returncode": 0, "stdout": "", "stderr": ""}}

#: Files a primed sandbox already has, so that undo must restore content, mode and
#: owner (not just delete what the wizard wrote).
SEEDED: dict[str, tuple[str, int, int]] = {
    "/etc/network/interfaces": (
        "# seeded by the tests\nauto lo\niface lo inet loopback\n\nauto eth0\n"
        "iface eth0 inet static\n    address 203.0.113.3/24\n    gateway 203.0.113.1\n",
        0o644,
        0,
    ),
    # Owned by someone else and private: a restore must keep both.
    "/etc/sysctl.d/90-virtnet-wizard-forwarding.conf": ("# old forwarding\n", 0o600, 1234),
    "/etc/systemd/system/dnsmasq@.service": ("[Unit]\nDescription=old unit\n", 0o640, 0),
}


@contextmanager
def fast_root(tmp_path: Path) -> Iterator[Path]:
    """A folder for a sandbox, on tmpfs when the machine has one.

    The journal fsyncs every event and every file write; on tmpfs that costs
    nothing, which keeps hundreds of fault-injection runs fast.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="vnw-apply-", dir=shm))
        try:
            yield folder / "root"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path / "root"


def plan_on_primed(answers: Answers) -> Plan:
    """The plan ``apply`` makes of ``answers`` on a primed sandbox (its probe included)."""
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.planning import prepare
    from virtnet_tui.managed.host_answers import answers_for_host

    with tempfile.TemporaryDirectory(prefix="vnw-primed-") as folder:
        host = prime(Path(folder))
        return prepare(answers_for_host(answers, host, State())).plan


def prime(root: Path) -> SandboxHost:
    """A sandbox with seeded files and libvirt's test driver state already saved.

    The test driver's files are written on the first save; priming saves them once
    (and builds the node file from them) so that a later comparison sees only what
    the wizard did.
    """
    host = SandboxHost(root)
    for path, (text, mode, uid) in SEEDED.items():
        host.write_bytes(path, text.encode(), mode, uid, uid)
    # What `apply` probes: a host that runs systemd, has the dummy link type and every
    # program the recipes run (so no plan starts by installing packages).
    host.path("/run/systemd/system").mkdir(parents=True, exist_ok=True)
    for groups in NEED_PROGRAMS.values():
        for group in groups:
            if not host.exists(f"/usr/sbin/{group[0]}"):
                host.write_text(f"/usr/sbin/{group[0]}", "#!/bin/sh\n", mode=0o755)
    # Added to what a seeded demo host already answers, never in place of it.
    responses = json.loads(host.read_text("/" + SANDBOX_RESPONSES) or "{}")
    host.write_text("/" + SANDBOX_RESPONSES, json.dumps({**PROBE_RESPONSES, **responses}) + "\n")
    conn = host.connect_libvirt()
    host.libvirt_saved(conn)
    conn.close()
    host.connect_libvirt().close()
    return host


@dataclass(frozen=True)
class Entry:
    """One path of a snapshot: its kind, mode, owner and a hash of its content."""

    kind: str
    mode: int
    uid: int
    gid: int
    digest: str


def snapshot(root: Path) -> dict[str, Entry]:
    """Every file, folder and link under ``root`` except the wizard's own records."""
    out: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel_folder, d)) not in IGNORED]
        for name in [*dirs, *files]:
            path = Path(folder) / name
            rel = os.path.normpath(os.path.join(rel_folder, name))
            if rel in IGNORED:
                continue
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                kind, digest = "link", os.readlink(path)
            elif stat.S_ISDIR(st.st_mode):
                kind, digest = "dir", ""
            else:
                kind, digest = "file", hashlib.sha256(path.read_bytes()).hexdigest()
            out[rel] = Entry(kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, digest)
    return out


def diff(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    """What differs between two snapshots, one line per path (empty when identical)."""
    lines = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            lines.append(f"{path}: {before.get(path)} -> {after.get(path)}")
    return lines


def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    fault: str | None = None,
) -> tuple[int, str, str]:
    """Run ``virtnet-wizard ARGV`` in this process; returns (exit code, stdout, stderr)."""
    if fault is None:
        monkeypatch.delenv("VIRTNET_FAULT", raising=False)
    else:
        monkeypatch.setenv("VIRTNET_FAULT", fault)
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def cli_process(*argv: str, fault: str | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Run ``virtnet-wizard ARGV`` as its own process (for SIGKILL tests)."""
    import subprocess

    env = dict(os.environ)
    env.pop("VIRTNET_FAULT", None)
    if fault:
        env["VIRTNET_FAULT"] = fault
    proc = subprocess.run(
        [sys.executable, "-m", "virtnet_tui.cli.main", *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr


def journal(root: Path, run_id: str | None = None) -> list[dict[str, Any]]:
    """The events of a run (the only run when ``run_id`` is not given)."""
    runs = root / RUNS_DIR.lstrip("/")
    if run_id is None:
        ids = sorted(p.name for p in runs.iterdir())
        assert len(ids) == 1, ids
        run_id = ids[0]
    text = (runs / run_id / "journal.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def run_ids(root: Path) -> list[str]:
    runs = root / RUNS_DIR.lstrip("/")
    return sorted(p.name for p in runs.iterdir()) if runs.is_dir() else []


def write_answers(folder: Path, name: str, answers: Any) -> Path:
    """An answers file for a matrix case, with every host key (nothing is probed)."""
    path = folder / f"{name}.toml"
    path.write_text(answers_to_toml(answers, all_host_keys=True))
    return path


def copy_tree(template: Path, target: Path) -> None:
    """A copy of a primed sandbox, keeping modes and owners."""
    shutil.copytree(template, target, symlinks=True)
    for folder, dirs, files in os.walk(template):
        for name in [*dirs, *files]:
            src = Path(folder) / name
            st = src.lstat()
            os.lchown(target / src.relative_to(template), st.st_uid, st.st_gid)


def start_vm(root: Path, *names: str) -> None:
    """Mark sandbox VMs as running, as the sandbox keeps its test driver's state."""
    state = root / SANDBOX_LIBVIRT_DIR / SANDBOX_DOMAINS_SUBDIR / "state.json"
    running = json.loads(state.read_text())
    for name in names:
        running[name] = {"active": True}
    state.write_text(json.dumps(running))
