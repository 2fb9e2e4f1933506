"""Fault injection at every step of every example and of a few matrix cases.

Each run must end rolled back (exit 3) with the sandbox byte-identical to before:
every file's content, mode and owner, every folder, the libvirt networks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import (
    EXAMPLE_FILES,
    cli,
    diff,
    fast_root,
    journal,
    plan_on_primed,
    prime,
    snapshot,
    write_answers,
)
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.planning import prepare

MATRIX_CASES = (
    "custom-routed-rhel-nm-dhcpv6",
    "custom-nat-debian-systemdnsmasq",
    "bridged-fedora-nm-slaac",
    "bridged-debian-existing-interfaces",
    "routed-rhel-nonm-slaac",
)


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    with fast_root(tmp_path) as folder:
        yield folder


def _cases() -> list[tuple[str, int]]:
    cases = []
    for path in EXAMPLE_FILES:
        steps = sum(1 for _ in plan_on_primed(load_answers(path)).steps())
        cases += [(f"example:{path.name}", n) for n in range(1, steps + 1)]
    for name in MATRIX_CASES:
        # Every host key is written to the file (write_answers): nothing is probed.
        steps = sum(1 for _ in prepare(ALL_CASES[name]).plan.steps())
        cases += [(f"matrix:{name}", n) for n in range(1, steps + 1)]
    return cases


def _answers(source: str, folder: Path) -> Path:
    kind, name = source.split(":", 1)
    if kind == "example":
        return next(p for p in EXAMPLE_FILES if p.name == name)
    return write_answers(folder, name, ALL_CASES[name])


@pytest.mark.parametrize(("source", "step"), _cases(), ids=lambda v: str(v))
def test_a_failing_step_rolls_everything_back_to_identical_bytes(
    source: str,
    step: int,
    tmp_path: Path,
    root: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    prime(root)
    before = snapshot(root)
    answers = _answers(source, tmp_path)
    rc, out, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        str(answers),
        "--root",
        str(root),
        "--yes",
        fault=f"before-step:{step}:fail",
    )
    assert rc == 3, out + err
    assert "rolled back" in err and f"VIRTNET_FAULT=before-step:{step}:fail" in err
    assert diff(before, snapshot(root)) == []
    events = journal(root)
    assert events[-1]["event"] == "run-rolled-back"
    failed = [e for e in events if e["event"] == "step-failed"]
    assert [(e["step"], e["ran"]) for e in failed] == [(step, False)]
    # Every step that ran was undone, last first.
    done = [e["step"] for e in events if e["event"] == "step-done"]
    undone = [e["step"] for e in events if e["event"] == "undo-done"]
    assert undone == sorted(done, reverse=True)
