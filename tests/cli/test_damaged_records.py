"""Damaged records: every command that reads one refuses it by name (exit 2), or recovers.

A stray file in runs/, a damaged plan, journal or backup index, a folder where the lock
goes: exit 2, a message naming the file and what to do, no traceback, nothing changed.
A damaged state.json is rebuilt from the runs, and a damaged journal line is passed
over (docs/apply.md, "Damaged records").
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.apply_sandbox import cli, copy_tree
from support.paths import EXAMPLES
from support.run_records import applied_and_interrupted, tree

from virtnet_tui.executor.journal import LOCK_PATH, RUNS_DIR, STATE_DIR

RUNS = RUNS_DIR.lstrip("/")
STATE = STATE_DIR.lstrip("/")
DEEP = "[" * 100_000 + "]" * 100_000

#: What each command line reads; ``{run}`` is the run's id.
COMMANDS = {
    "status": ["status"],
    "apply": ["apply", "--answers", str(EXAMPLES / "nat.toml"), "--yes"],
    "rollback": ["rollback"],
    "resume": ["apply", "--resume", "{run}", "--yes"],
    "dhcp-host": [
        "dhcp-host",
        "add",
        "--network",
        "virbr10",
        "--mac",
        "52:54:00:00:00:99",
        "--ip",
        "192.168.100.99",
    ],
}
ALL = tuple(COMMANDS)


@dataclass(frozen=True)
class Sandbox:
    root: Path
    run: Path
    """The folder of the sandbox's one run (custom-nat, applied or interrupted)."""


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A primed sandbox with one applied custom-nat run, and its twin left interrupted."""
    return applied_and_interrupted(tmp_path_factory.mktemp("damaged"))


def _sandbox(templates: dict[str, Path], which: str, tmp_path: Path) -> Sandbox:
    root = tmp_path / "root"
    copy_tree(templates[which], root)
    [run] = (root / RUNS).iterdir()
    return Sandbox(root, run)


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(data)


def _replace(path: Path, data: bytes) -> None:
    """A new file of the wizard's own mode: damaged, not foreign (whatever the umask)."""
    path.unlink()
    path.write_bytes(data)
    path.chmod(0o600)


def _folder(path: Path) -> None:
    if path.exists():
        path.unlink()
    path.mkdir()


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:300])


@dataclass(frozen=True)
class Case:
    id: str
    template: str
    damage: Callable[[Sandbox], Path]
    """Damages the sandbox and returns the file the refusal must name."""
    commands: tuple[str, ...]
    advice: str


def _stray(s: Sandbox) -> Path:
    (s.root / RUNS / "notes.txt").write_text("mine\n")
    return s.root / RUNS / "notes.txt"


def _runs_file(s: Sandbox) -> Path:
    for path in sorted((s.root / RUNS).rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (s.root / RUNS).rmdir()
    (s.root / RUNS).write_text("")
    return s.root / RUNS


def _plan(data: bytes) -> Callable[[Sandbox], Path]:
    def damage(s: Sandbox) -> Path:
        _replace(s.run / "plan.json", data)
        return s.run / "plan.json"

    return damage


def _truncated_plan(s: Sandbox) -> Path:
    _truncated(s.run / "plan.json")
    return s.run / "plan.json"


def _journal_folder(s: Sandbox) -> Path:
    _folder(s.run / "journal.jsonl")
    return s.run / "journal.jsonl"


def _journal_fifo(s: Sandbox) -> Path:
    (s.run / "journal.jsonl").unlink()
    os.mkfifo(s.run / "journal.jsonl")  # reading it must not wait for a writer
    return s.run / "journal.jsonl"


def _index(data: bytes) -> Callable[[Sandbox], Path]:
    def damage(s: Sandbox) -> Path:
        _replace(s.run / "backups/index.json", data)
        return s.run / "backups/index.json"

    return damage


def _lock_folder(s: Sandbox) -> Path:
    _folder(s.root / LOCK_PATH.lstrip("/"))
    return s.root / LOCK_PATH.lstrip("/")


WRONG_STEP = json.dumps({"stages": [{"name": "x", "steps": [{"kind": "teleport"}]}]})
MOVE_RUN = "move the run folder"

REFUSED = [
    Case("stray-file-in-runs", "applied", _stray, ALL, "holds only the wizard's run folders"),
    Case("runs-is-a-file", "applied", _runs_file, ALL, "Move it aside"),
    Case("plan-garbage", "interrupted", _plan(b"}{ not json"), ALL, MOVE_RUN),
    Case("plan-truncated", "interrupted", _truncated_plan, ALL, MOVE_RUN),
    Case("plan-empty", "interrupted", _plan(b""), ALL, MOVE_RUN),
    Case("plan-a-list", "interrupted", _plan(b"[1, 2]"), ALL, MOVE_RUN),
    Case("plan-wrong-shape", "interrupted", _plan(WRONG_STEP.encode()), ALL, MOVE_RUN),
    Case("plan-nested", "interrupted", _plan(DEEP.encode()), ALL, MOVE_RUN),
    Case("plan-bad-byte", "interrupted", _plan(b'{"stages": "\xff"}'), ALL, MOVE_RUN),
    Case("journal-a-folder", "interrupted", _journal_folder, ALL, MOVE_RUN),
    Case("journal-a-fifo", "interrupted", _journal_fifo, ALL, MOVE_RUN),
    Case("index-garbage", "interrupted", _index(b"xx"), ("rollback", "resume"), MOVE_RUN),
    Case("index-a-list", "interrupted", _index(b"[1]"), ("rollback", "resume"), MOVE_RUN),
    Case(
        "index-blob-climbs",
        "interrupted",
        _index(
            json.dumps(
                {
                    "/etc/network/interfaces": {
                        "path": "/etc/network/interfaces",
                        "exists": True,
                        "blob": "../../../../../etc/shadow",
                        "mode": "0644",
                    }
                }
            ).encode()
        ),
        ("rollback", "resume"),
        MOVE_RUN,
    ),
    Case(
        "lock-a-folder",
        "applied",
        _lock_folder,
        ("apply", "rollback", "resume", "dhcp-host"),
        "remove it (rmdir",
    ),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.id)
def test_a_damaged_record_is_refused_by_name_and_nothing_changes(
    case: Case,
    templates: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = _sandbox(templates, case.template, tmp_path)
    named = case.damage(sandbox)
    before = tree(sandbox.root)
    for command in case.commands:
        argv = [a.format(run=sandbox.run.name) for a in COMMANDS[command]]
        rc, out, err = cli(capsys, monkeypatch, *argv, "--root", str(sandbox.root))
        assert rc == 2, f"{command}: {out}{err}"
        assert err.startswith(f"virtnet-wizard: cannot use {named}: "), f"{command}: {err}"
        assert case.advice in err, f"{command}: {err}"
        assert "Traceback" not in err and "internal error" not in err
        assert tree(sandbox.root) == before, f"{command} changed something"


def _state(data: bytes) -> Callable[[Sandbox], Path]:
    def damage(s: Sandbox) -> Path:
        _replace(s.root / STATE / "state.json", data)
        return s.root / STATE / "state.json"

    return damage


def _state_folder(s: Sandbox) -> Path:
    _folder(s.root / STATE / "state.json")
    return s.root / STATE / "state.json"


@pytest.mark.parametrize(
    "damage",
    [_state(b"[]"), _state(DEEP.encode()), _state(b"\xff\xfe"), _state(b"{"), _state_folder],
    ids=["a-list", "nested", "bad-bytes", "truncated", "a-folder"],
)
def test_a_damaged_state_file_is_rebuilt_from_the_runs(
    damage: Callable[[Sandbox], Path],
    templates: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = _sandbox(templates, "applied", tmp_path)
    damage(sandbox)
    root = ("--root", str(sandbox.root))
    rc, out, err = cli(capsys, monkeypatch, "status", "--json", *root)
    assert rc == 0, err
    assert [n["name"] for n in json.loads(out)["networks"]] == ["virbr10"]
    rc, out, err = cli(capsys, monkeypatch, *COMMANDS["dhcp-host"], *root)
    assert rc == 0, out + err
    assert "Traceback" not in err and "internal error" not in err


def _journal_line(data: bytes, before_end: bool) -> Callable[[Sandbox], None]:
    """Put a damaged line in the journal: at its end, or before its last event."""

    def damage(s: Sandbox) -> None:
        path = s.run / "journal.jsonl"
        lines = path.read_bytes().splitlines(keepends=True)
        if before_end:
            path.write_bytes(b"".join([*lines[:-1], data + b"\n", lines[-1]]))
        else:
            _append(path, data + b"\n")

    return damage


CHECKPOINT_99 = b'{"event": "checkpoint", "time": "t", "stage": 99, "name": "x"}'


@pytest.mark.parametrize(
    "damage",
    [
        _journal_line(b'{"event": "step-done", "time": "\xff\xfe"}', before_end=True),
        _journal_line(b"\xff\xfe", before_end=False),
        _journal_line(b"[1, 2]", before_end=False),
        _journal_line(DEEP.encode(), before_end=False),
        _journal_line(DEEP.encode(), before_end=True),
        _journal_line(CHECKPOINT_99, before_end=True),
        _journal_line(CHECKPOINT_99.replace(b"99", b"-1"), before_end=False),
    ],
    ids=[
        "bad-byte-in-a-line",
        "bad-bytes-last",
        "not-an-object",
        "nested-last",
        "nested-inside",
        "checkpoint-of-no-stage",
        "checkpoint-of-stage-minus-one",
    ],
)
def test_a_damaged_journal_line_is_passed_over(
    damage: Callable[[Sandbox], None],
    templates: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = _sandbox(templates, "applied", tmp_path)
    damage(sandbox)
    root = ("--root", str(sandbox.root))
    rc, out, err = cli(capsys, monkeypatch, "status", "--json", *root)
    assert rc == 0, err
    [run] = json.loads(out)["runs"]
    assert run["state"] == "applied" and run["steps_applied"] == run["steps_total"] == 23
    assert len(run["checkpoints"]) == 5
    rc, out, err = cli(capsys, monkeypatch, "rollback", *root)
    assert rc == 0, out + err
