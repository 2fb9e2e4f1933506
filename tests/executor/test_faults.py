"""VIRTNET_FAULT: what it accepts, and that a bad value stops apply with exit 2 before anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.apply_sandbox import cli, prime, run_ids
from support.paths import EXAMPLES

from virtnet_tui.executor.faults import Fault, FaultError, check_fault_in_plan, parse_fault


def test_the_two_supported_faults_parse() -> None:
    assert parse_fault("before-step:3:fail") == Fault("before", 3, "fail")
    assert parse_fault(" after-step:12:kill ") == Fault("after", 12, "kill")
    fault = parse_fault("before-step:3:fail")
    assert fault is not None and fault.fails_before(3) and not fault.fails_before(4)
    assert not fault.kills_after(3)
    assert str(parse_fault("after-step:12:kill")) == "after-step:12:kill"


@pytest.mark.parametrize("unset", [None, "", "  "])
def test_unset_means_no_fault(unset: str | None) -> None:
    assert parse_fault(unset) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("before-step:x:fail", "expected before-step:N:fail"),
        ("before-step:3", "expected before-step:N:fail"),
        ("during-step:3:fail", "expected before-step:N:fail"),
        ("before-step:3:explode", "expected before-step:N:fail"),
        ("before-step:-1:fail", "expected before-step:N:fail"),
        ("before-step:0:fail", "numbered from 1"),
        ("after-step:2:fail", "not supported"),
        ("before-step:2:kill", "not supported"),
    ],
)
def test_bad_values_are_refused_with_the_reason(value: str, reason: str) -> None:
    with pytest.raises(FaultError) as caught:
        parse_fault(value)
    assert "VIRTNET_FAULT" in str(caught.value) and reason in str(caught.value)


def test_a_step_beyond_the_plan_is_refused() -> None:
    check_fault_in_plan(Fault("before", 3, "fail"), 3)
    with pytest.raises(FaultError, match="only 3 steps"):
        check_fault_in_plan(Fault("before", 4, "fail"), 3)


@pytest.mark.parametrize("value", ["garbage", "before-step:999:fail", "after-step:1:fail"])
def test_apply_exits_2_naming_virtnet_fault_and_changes_nothing(
    value: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prime(tmp_path)
    answers = str(EXAMPLES / "nat.toml")
    rc, _, err = cli(
        capsys,
        monkeypatch,
        "apply",
        "--answers",
        answers,
        "--root",
        str(tmp_path),
        "--yes",
        fault=value,
    )
    assert rc == 2
    assert "VIRTNET_FAULT" in err
    assert "Traceback" not in err
    assert run_ids(tmp_path) == [], "no run was started"
