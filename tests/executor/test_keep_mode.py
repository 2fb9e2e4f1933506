"""A host file edited in place keeps its mode and owner through apply and rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.apply_sandbox import cli, prime, run_ids, snapshot
from support.paths import EXAMPLES

from virtnet_tui.hosts.sandbox import SandboxHost

INTERFACES = "/etc/network/interfaces"
PSK = "# wpa-psk kept private\n"


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)


def _private_interfaces(root: Path) -> Path:
    host = prime(root)
    text = host.read_text(INTERFACES) or ""
    host.write_bytes(INTERFACES, (PSK + text).encode(), 0o600, 1234, 1234)
    return host.path(INTERFACES)


def test_private_interfaces_stay_private_through_apply_and_rollback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _private_interfaces(tmp_path)
    before = snapshot(tmp_path)
    answers = str(EXAMPLES / "bridged.toml")
    rc, _, err = cli(
        capsys, monkeypatch, "apply", "--answers", answers, "--root", str(tmp_path), "--yes"
    )
    assert rc == 0, err
    st = path.stat()
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o600, 1234, 1234)
    assert PSK in path.read_text() and "br0" in path.read_text()

    [run_id] = run_ids(tmp_path)
    rc, _, err = cli(capsys, monkeypatch, "rollback", run_id, "--root", str(tmp_path))
    assert rc == 0, err
    key = INTERFACES.lstrip("/")
    assert snapshot(tmp_path)[key] == before[key]


def test_the_preview_says_the_mode_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _private_interfaces(tmp_path)
    answers = str(EXAMPLES / "bridged.toml")
    rc, out, err = cli(capsys, monkeypatch, "plan", "--answers", answers, "--root", str(tmp_path))
    assert rc == 0, err
    assert f"{INTERFACES} (mode kept from the existing file, 0644 if new):" in out
    rc, out, err = cli(
        capsys, monkeypatch, "plan", "--answers", answers, "--root", str(tmp_path), "--json"
    )
    assert rc == 0, err
    steps = [s for stage in json.loads(out)["stages"] for s in stage["steps"]]
    [step] = [s for s in steps if s.get("path") == INTERFACES]
    assert step["keep_mode"] is True


def test_the_file_preview_shows_the_mode_apply_keeps(tmp_path: Path) -> None:
    from virtnet_tui.core.answers import load_answers
    from virtnet_tui.core.planning import prepare
    from virtnet_tui.managed.host_answers import answers_for_host
    from virtnet_tui.managed.state import load_state
    from virtnet_tui.wizard.file_changes import file_changes

    _private_interfaces(tmp_path)
    host = SandboxHost(tmp_path)
    answers = answers_for_host(load_answers(EXAMPLES / "bridged.toml"), host, load_state(host))
    changes = {c.path: c for c in file_changes(prepare(answers).plan, host)}
    assert changes[INTERFACES].mode == 0o600
    assert changes[INTERFACES].status == "changed"
