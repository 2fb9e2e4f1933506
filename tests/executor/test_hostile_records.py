"""Records someone else wrote, or that point outside the root, are refused before any write.

A run folder planted by a local user (in a runs/ folder left writable to all), a record
others may write, a symbolic link in a record's place, a step or backup whose path climbs
out of --root or resolves outside it: rollback and resume exit 2 naming the record, and
nothing is written, inside the root or out of it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.apply_sandbox import cli, copy_tree
from support.run_records import applied_and_interrupted, tree

from virtnet_tui.executor.journal import RUNS_DIR, STATE_DIR

RUNS = RUNS_DIR.lstrip("/")
NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to nobody needs root")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return applied_and_interrupted(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def interrupted(templates: dict[str, Path], tmp_path: Path) -> Path:
    """A sandbox whose one run was interrupted after its last checkpoint (its files written)."""
    root = tmp_path / "root"
    copy_tree(templates["interrupted"], root)
    return root


def _run(root: Path) -> Path:
    [run] = (root / RUNS).iterdir()
    return run


def _edit_plan(run: Path, edit: Callable[[dict[str, object]], None]) -> None:
    """Change plan.json in place (same file, owner and mode)."""
    path = run / "plan.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _step_path(new: str) -> Callable[[dict[str, object]], None]:
    """Give step 3 (which writes /etc/network/interfaces) another path."""

    def edit(data: dict[str, object]) -> None:
        stages = data["stages"]
        assert isinstance(stages, list)
        step = stages[1]["steps"][0]
        assert step["path"] == "/etc/network/interfaces"
        step["path"] = new

    return edit


def _refused(
    root: Path,
    named: Path,
    problem: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    commands: tuple[str, ...] = ("rollback", "resume"),
    refusal: str = "cannot use",
) -> None:
    """Each command exits 2 naming ``named`` and ``problem``, and writes nothing."""
    run_id = _run(root).name
    before = tree(root)
    argvs = {
        "status": ["status"],
        "rollback": ["rollback", run_id],
        "resume": ["apply", "--resume", run_id, "--yes"],
    }
    for command in commands:
        rc, out, err = cli(capsys, monkeypatch, *argvs[command], "--root", str(root))
        assert rc == 2, f"{command}: {out}{err}"
        assert err.startswith(f"virtnet-wizard: {refusal} {named}: "), f"{command}: {err}"
        assert problem in err, f"{command}: {err}"
        assert "Traceback" not in err
        assert tree(root) == before, f"{command} wrote something"


def test_a_step_path_that_climbs_out_of_the_root_is_refused(
    interrupted: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    depth = len(interrupted.parts)
    _edit_plan(_run(interrupted), _step_path("/.." * depth + f"{outside}/interfaces"))
    _refused(
        interrupted,
        _run(interrupted) / "plan.json",
        "climbs out of the root with '..'",
        capsys,
        monkeypatch,
        ("status", "rollback", "resume"),
    )
    assert list(outside.iterdir()) == []


def test_a_step_path_whose_folder_resolves_outside_the_root_is_refused(
    interrupted: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """/etc/network became a link out of the sandbox after the run: undoing step 3 would
    write the backup of /etc/network/interfaces out there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "interfaces").write_text("the machine's own\n")
    network = interrupted / "etc/network"
    shutil.rmtree(network)
    network.symlink_to(outside)
    # The write check (executor.confine) sees it first: the file the step would write.
    _refused(
        interrupted,
        interrupted / "etc/network/interfaces",
        f"is a symbolic link to {outside}, outside the root",
        capsys,
        monkeypatch,
        refusal="refusing to write",
    )
    assert (outside / "interfaces").read_text() == "the machine's own\n"
    assert [p.name for p in outside.iterdir()] == ["interfaces"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"path": "/etc/../../../x", "exists": False}, "climbs out of the root with '..'"),
        ({"path": "etc/x", "exists": False}, "is not an absolute path"),
        (
            {"path": "/etc/network/interfaces", "exists": False, "missing_dirs": ["/var"]},
            "removes '/var', not its folder",
        ),
        ({"path": "/etc/other", "exists": False}, "names another file"),
        (
            {"path": "/etc/network/interfaces", "exists": True, "blob": "../plan.json"},
            "keeps its content in '../plan.json'",
        ),
    ],
    ids=["climbs", "relative", "removes-another-folder", "another-file", "blob-elsewhere"],
)
def test_a_backup_entry_that_points_elsewhere_is_refused(
    entry: dict[str, object],
    problem: str,
    interrupted: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = _run(interrupted) / "backups/index.json"
    data = json.loads(index.read_text())
    data["/etc/network/interfaces"] = {**data["/etc/network/interfaces"], **entry}
    if entry["path"] != "/etc/network/interfaces" and entry["path"] != "/etc/other":
        data[str(entry["path"])] = data.pop("/etc/network/interfaces")
    index.write_text(json.dumps(data))
    _refused(interrupted, index, problem, capsys, monkeypatch)


def test_a_record_others_may_write_is_refused(
    interrupted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _run(interrupted) / "plan.json"
    plan.chmod(0o666)
    _refused(
        interrupted,
        plan,
        "writable by its group or by others (mode 0666)",
        capsys,
        monkeypatch,
        ("status", "rollback", "resume"),
    )


def test_a_link_in_a_records_place_is_refused(
    interrupted: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal = _run(interrupted) / "journal.jsonl"
    elsewhere = tmp_path / "journal.jsonl"
    shutil.move(journal, elsewhere)
    journal.symlink_to(elsewhere)
    _refused(
        interrupted,
        journal,
        "a symbolic link",
        capsys,
        monkeypatch,
        ("status", "rollback", "resume"),
    )


@as_root
def test_a_record_owned_by_another_user_is_refused(
    interrupted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = _run(interrupted) / "backups/index.json"
    os.chown(index, NOBODY, NOBODY)
    _refused(interrupted, index, f"owned by uid {NOBODY}, not by root", capsys, monkeypatch)


@as_root
def test_a_run_planted_in_a_runs_folder_open_to_all_is_never_replayed(
    interrupted: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A local user copies a real run (plan, journal, backups) under a later id, its
    backup of /etc/network/interfaces replaced: replaying it would write their content."""
    runs = interrupted / RUNS
    runs.chmod(0o777)  # the mistake that lets anyone plant a folder there
    real = _run(interrupted)
    planted = runs / "29991231T235959.000000Z-beef"
    shutil.copytree(real, planted)
    (planted / "backups/0001").write_text("the planter's content\n")
    for path in [planted, *planted.rglob("*")]:
        os.lchown(path, NOBODY, NOBODY)
    before = tree(interrupted)
    resume = ["apply", "--resume", planted.name, "--yes"]
    for argv in (["status"], ["rollback", planted.name], resume):
        rc, out, err = cli(capsys, monkeypatch, *argv, "--root", str(interrupted))
        assert rc == 2, out + err
        assert err.startswith(f"virtnet-wizard: cannot use {planted}: owned by uid {NOBODY}")
        assert "move the run folder" in err
        assert tree(interrupted) == before
    assert "planter" not in (interrupted / "etc/network/interfaces").read_text()


def test_a_state_file_others_may_write_is_not_trusted(
    templates: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state is rebuilt from the runs instead: the network someone added is not there."""
    root = tmp_path / "root"
    copy_tree(templates["applied"], root)
    path = root / STATE_DIR.lstrip("/") / "state.json"
    state = json.loads(path.read_text())
    forged = json.loads(json.dumps(state["networks"][0]))
    forged["name"] = "forged"
    state["networks"].append(forged)
    path.write_text(json.dumps(state))
    rc, out, _ = cli(capsys, monkeypatch, "status", "--json", "--root", str(root))
    assert rc == 0 and "forged" in [n["name"] for n in json.loads(out)["networks"]]
    path.chmod(0o666)
    rc, out, err = cli(capsys, monkeypatch, "status", "--json", "--root", str(root))
    assert rc == 0, err
    assert [n["name"] for n in json.loads(out)["networks"]] == ["virbr10"]
