"""Oversized or absurd ``--answers``: exit 2 at once, naming the limit; nothing changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.apply_sandbox import cli, diff, prime, run_ids, snapshot

from virtnet_tui.core.answers import MAX_ANSWERS_BYTES, MAX_NESTING, MAX_NETWORKS

HEAD = '[situation]\nsite = "homelab"\nuplink = "ethernet"\n'


def _big(folder: Path) -> Path:
    path = folder / "big.toml"
    path.write_text(HEAD + "# padding\n" * (2 * 1024 * 1024 // 10))
    return path


def _deep(folder: Path) -> Path:
    path = folder / "deep.toml"
    path.write_text(HEAD + "x = " + "[" * 10_000 + "]" * 10_000 + "\n")
    return path


def _many(folder: Path) -> Path:
    path = folder / "many.toml"
    path.write_text(
        HEAD + "".join(f'[[network]]\ntype = "nat"\nname = "n{i}"\n' for i in range(200))
    )
    return path


def _zero(folder: Path) -> Path:
    return Path("/dev/zero")


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "dev-zero": (_zero, f"at most {MAX_ANSWERS_BYTES} bytes"),
    "2MiB": (_big, f"at most {MAX_ANSWERS_BYTES} bytes"),
    "nested": (_deep, f"more than {MAX_NESTING} levels deep"),
    "200-networks": (_many, f"at most {MAX_NETWORKS} are allowed"),
}


@pytest.mark.parametrize("command", ["apply", "plan"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_absurd_answers_are_refused_quickly(
    case: str,
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make, limit = CASES[case]
    root = tmp_path / "root"
    prime(root)
    before = snapshot(root)
    answers = make(tmp_path)
    extra = ("--yes",) if command == "apply" else ()
    started = time.monotonic()
    code, _, err = cli(
        capsys, monkeypatch, command, "--answers", str(answers), "--root", str(root), *extra
    )
    assert time.monotonic() - started < 10
    assert code == 2, err
    assert limit in err
    assert diff(before, snapshot(root)) == []
    assert run_ids(root) == []
