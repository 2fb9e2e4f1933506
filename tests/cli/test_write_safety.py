"""Whatever the umask, the wizard's folders and files get fixed modes; it never writes through
a symbolic link in its own files, nor through a folder that leads outside --root."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import EXAMPLES

from virtnet_tui.executor.journal import LOCK_PATH, RUNS_DIR
from virtnet_tui.hosts.sandbox import SANDBOX_COMMAND_LOG
from virtnet_tui.probe.demo import DEMO_PROGRAMS, seed_demo_host

EXAMPLE = str(EXAMPLES / "custom-nat.toml")
RUNS = RUNS_DIR.lstrip("/")
STATE_DIR = "var/lib/virtnet-wizard"

# Runs the CLI in a process of its own with the umask the test gives (octal).
_WITH_UMASK = (
    "import os, sys\n"
    "os.umask(int(sys.argv[1], 8))\n"
    "from virtnet_tui.cli.main import main\n"
    "raise SystemExit(main(sys.argv[2:]))\n"
)


def wizard(*argv: str, umask: int = 0o022, fault: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTNET_FAULT"}
    if fault:
        env["VIRTNET_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-c", _WITH_UMASK, f"{umask:o}", *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def apply(root: Path, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return wizard("apply", "--root", str(root), "--answers", EXAMPLE, "--yes", umask=umask)


def rollback(root: Path, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return wizard("rollback", "--root", str(root), umask=umask)


def tree(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[str, int, bytes | str]]:
    """Every entry under ``folder`` (links not followed): kind, mode and content or target."""
    out: dict[str, tuple[str, int, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if any(rel == s or rel.startswith(s + "/") for s in skip):
            continue
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            out[rel] = ("link", 0, os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            out[rel] = ("dir", stat.S_IMODE(st.st_mode), b"")
        else:
            out[rel] = ("file", stat.S_IMODE(st.st_mode), path.read_bytes())
    return out


# --- modes whatever the umask -------------------------------------------------------------


def _planned_modes(root: Path) -> dict[str, int]:
    """The mode each file of the applied plan was meant to get."""
    (run,) = sorted((root / RUNS).iterdir())
    plan = json.loads((run / "plan.json").read_text())
    return {
        step["path"].lstrip("/"): int(step["mode"], 8)
        for stage in plan["stages"]
        for step in stage["steps"]
        if step["kind"] == "file"
    }


def _intended_mode(rel: str, is_dir: bool, planned: dict[str, int]) -> int:
    """The mode the wizard means ``rel`` to have: private runs, readable host folders."""
    private = rel.startswith(RUNS + "/")
    if is_dir:
        return 0o700 if private else 0o755
    if private:
        return 0o600
    if rel in planned:
        return planned[rel]
    if "/" + rel in DEMO_PROGRAMS:
        return 0o755
    return 0o644


def _wrong_modes(root: Path) -> list[str]:
    planned = _planned_modes(root)
    wrong = []
    for rel, (kind, mode, _) in tree(root).items():
        assert kind != "link", f"the wizard made a link at {rel}"
        want = _intended_mode(rel, kind == "dir", planned)
        if mode != want:
            wrong.append(f"{rel}: {mode:04o}, not {want:04o}")
    return wrong


def test_under_umask_000_every_folder_and_file_gets_its_intended_mode(tmp_path: Path) -> None:
    root = tmp_path / "root"
    # --sandbox seeds the demo host too: the wizard makes every entry of the root.
    applied = wizard("--sandbox", str(root), "apply", "--answers", EXAMPLE, "--yes", umask=0)
    assert applied.returncode == 0, applied.stderr
    assert stat.S_IMODE(root.stat().st_mode) == 0o755
    assert _wrong_modes(root) == []
    rolled = rollback(root, umask=0)
    assert rolled.returncode == 0, rolled.stderr
    assert _wrong_modes(root) == []


def test_record_folders_left_writable_by_others_are_tightened(tmp_path: Path) -> None:
    # What an older version left under umask 000: anyone could plant a run there.
    root = tmp_path / "root"
    seed_demo_host(root)
    for rel in (STATE_DIR, RUNS):
        (root / rel).mkdir(exist_ok=True)
        (root / rel).chmod(0o777)
    applied = apply(root)
    assert applied.returncode == 0, applied.stderr
    for rel in (STATE_DIR, RUNS):
        assert stat.S_IMODE((root / rel).stat().st_mode) == 0o755, rel


# --- no write through a link ----------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the sandbox, with a private file a link may point at."""
    folder = tmp_path / "outside"
    folder.mkdir()
    precious = folder / "precious"
    precious.write_text("not the wizard's\n")
    precious.chmod(0o600)
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A seeded sandbox (the demo host), nothing applied yet."""
    folder = tmp_path / "root"
    seed_demo_host(folder)
    return folder


def _refused(proc: subprocess.CompletedProcess[str], *names: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "internal error" not in proc.stderr
    assert "refusing to write" in proc.stderr, proc.stderr
    for name in names:
        assert name in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "link",
    [
        LOCK_PATH.lstrip("/"),
        SANDBOX_COMMAND_LOG,
        "var/lib/dnsmasq/virbr10/hostsfile",
        "etc/virtnet-wizard/firewall/virbr10.v4",
    ],
    ids=["lock", "commands-log", "hostsfile", "firewall-file"],
)
def test_a_link_at_a_file_the_wizard_writes_is_refused(
    root: Path, outside: Path, link: str
) -> None:
    at = root / link
    at.parent.mkdir(parents=True, exist_ok=True)
    at.unlink(missing_ok=True)
    at.symlink_to(outside / "precious")
    before, host_before = tree(outside), tree(root, skip=(STATE_DIR,))
    proc = apply(root)
    _refused(proc, str(at), "symbolic link")
    assert tree(outside) == before, "the file the link points at is untouched"
    assert at.is_symlink()
    assert tree(root, skip=(STATE_DIR,)) == host_before, "nothing of the host changed"
    assert not (root / RUNS).exists() or not any((root / RUNS).iterdir()), "no run began"


def test_a_link_at_the_lock_is_refused_by_rollback_and_status_too(
    root: Path, outside: Path
) -> None:
    assert apply(root).returncode == 0
    lock = root / LOCK_PATH.lstrip("/")
    lock.unlink()
    lock.symlink_to(outside / "precious")
    before, host_before = tree(outside), tree(root)
    _refused(rollback(root), str(lock))
    _refused(wizard("status", "--root", str(root)), str(lock))
    assert tree(outside) == before
    assert tree(root) == host_before


def test_a_link_at_a_run_file_is_refused_before_the_rollback_changes_anything(
    root: Path, outside: Path
) -> None:
    assert apply(root).returncode == 0
    (run,) = sorted((root / RUNS).iterdir())
    journal = run / "journal.jsonl"
    # The link leads to a faithful copy: a rollback that read it would append to it.
    shutil.move(journal, outside / "journal.jsonl")
    journal.symlink_to(outside / "journal.jsonl")
    before, host_before = tree(outside), tree(root, skip=(LOCK_PATH.lstrip("/"),))
    # The record reader refuses it before any write is tried: a link is not a record.
    proc = rollback(root)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert f"cannot use {journal}: a symbolic link" in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr
    assert tree(outside) == before, "nothing was appended through the link"
    assert tree(root, skip=(LOCK_PATH.lstrip("/"),)) == host_before, "nothing was undone"


def _move_out(root: Path, outside: Path, rel: str) -> Path:
    """Move the folder ``rel`` of the root outside and leave a link to it in its place."""
    there = outside / rel.replace("/", "_")
    here = root / rel
    if here.exists():
        shutil.move(here, there)
    else:
        there.mkdir()
    here.parent.mkdir(parents=True, exist_ok=True)
    here.symlink_to(there)
    return there


FOLDERS = ["etc/network", "var/lib/dnsmasq", "etc/virtnet-wizard/firewall"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_folder_leading_outside_the_root_is_refused_by_apply(
    root: Path, outside: Path, folder: str
) -> None:
    there = _move_out(root, outside, folder)
    before, host_before = tree(outside), tree(root, skip=(STATE_DIR,))
    proc = apply(root)
    _refused(proc, str(root / folder), "outside")
    assert tree(outside) == before, "nothing was written outside the root"
    assert tree(root, skip=(STATE_DIR,)) == host_before, "nothing of the host changed"
    # As the message says: a link that leads inside the root is fine, and followed.
    inside = root / f"{folder}.real"
    shutil.move(there, inside)
    (root / folder).unlink()
    (root / folder).symlink_to(inside.name)
    proc = apply(root)
    assert proc.returncode == 0, proc.stderr
    assert (root / folder).is_symlink()
    landed = {f"{folder}/{p.relative_to(inside)}" for p in inside.rglob("*") if p.is_file()}
    assert landed & set(_planned_modes(root)), "the plan's files landed through the link"


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_folder_leading_outside_the_root_is_refused_by_rollback(
    root: Path, outside: Path, folder: str
) -> None:
    assert apply(root).returncode == 0
    _move_out(root, outside, folder)
    before, host_before = tree(outside), tree(root, skip=(LOCK_PATH.lstrip("/"),))
    proc = rollback(root)
    _refused(proc, str(root / folder), "outside")
    assert tree(outside) == before, "nothing outside the root was restored or removed"
    assert tree(root, skip=(LOCK_PATH.lstrip("/"),)) == host_before, "nothing was undone"


def test_a_folder_leading_outside_the_root_is_refused_by_resume(root: Path, outside: Path) -> None:
    killed = wizard(
        "apply", "--root", str(root), "--answers", EXAMPLE, "--yes", fault="after-step:1:kill"
    )
    assert killed.returncode != 0
    (run,) = sorted((root / RUNS).iterdir())
    _move_out(root, outside, "etc/virtnet-wizard/firewall")
    before, host_before = tree(outside), tree(root, skip=(LOCK_PATH.lstrip("/"),))
    proc = wizard("apply", "--root", str(root), "--resume", run.name, "--yes")
    _refused(proc, str(root / "etc/virtnet-wizard/firewall"), "outside")
    assert tree(outside) == before, "no rule file was written outside the root"
    assert tree(root, skip=(LOCK_PATH.lstrip("/"),)) == host_before, "nothing was resumed"


def test_records_leading_outside_the_root_are_refused(root: Path, outside: Path) -> None:
    _move_out(root, outside, STATE_DIR)
    before, host_before = tree(outside), tree(root)
    _refused(apply(root), str(root / STATE_DIR), "outside")
    assert tree(outside) == before, "no lock, run or log was made outside the root"
    assert tree(root) == host_before


_EXPORT_UNDER_UMASK_0 = """
import os, sys
os.umask(0)
from virtnet_tui.wizard.file_changes import export_text
export_text(sys.argv[1], "#!/bin/bash\\n", 0o750)
"""


def test_an_export_under_umask_000_gets_its_mode_and_folders_0755(tmp_path: Path) -> None:
    target = tmp_path / "exports/deeper/plan.sh"
    subprocess.run([sys.executable, "-c", _EXPORT_UNDER_UMASK_0, str(target)], check=True)
    assert target.read_text() == "#!/bin/bash\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    for folder in (tmp_path / "exports", tmp_path / "exports/deeper"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder
