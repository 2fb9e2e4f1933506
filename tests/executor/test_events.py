"""Journal events: every kind round-trips through JSON and a real journal; bad records are safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.journal_events import EVERY_KIND, run_start, step_done, step_start

from virtnet_tui.core.plan import FileStep, Plan, Stage
from virtnet_tui.executor import events as ev
from virtnet_tui.executor.journal import RunDir, runs_status
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.hosts.sandbox import SandboxHost

#: Lines as the journal held them before the events were typed (written by
#: ``RunDir.append(name, **fields)``): they must read back and write out unchanged.
OLD_LINES = (
    '{"event": "run-start", "time": "2026-11-28T10:00:00.000Z", "run_id": "20261128T100000.'
    '000000Z-ab12", "pid": 4242, "token": "9f8e7d6c5b4a", "host": {"kind": "sandbox", "root":'
    ' "/tmp/r", "netns": "", "describe": "sandbox /tmp/r"}, "stages": 2, "steps": 3, "yes": '
    'true, "confirm_timeout": 60.0, "fault": ""}',
    '{"event": "stage-start", "time": "2026-11-28T10:00:00.001Z", "stage": 0, "name": "files",'
    ' "risky": false, "steps": [1, 2]}',
    '{"event": "step-failed", "time": "2026-11-28T10:00:00.002Z", "step": 1, "stage": 0, '
    '"kind": "file", "what": "write /etc/a", "ran": false, "error": "injected by '
    'VIRTNET_FAULT=before-step:1:fail"}',
    '{"event": "check-ok", "time": "2026-11-28T10:00:00.003Z", "stage": 0, "check": {"what": '
    '"link-up", "target": "br0", "detail": ""}, "what": "link br0 is up", "detail": ""}',
    '{"event": "stage-failed", "time": "2026-11-28T10:00:00.004Z", "stage": 0, "step": null, '
    '"reason": "check failed"}',
    '{"event": "undo-done", "time": "2026-11-28T10:00:00.005Z", "step": 2, "stage": 1, "what":'
    ' "ifup br0", "notes": [], "by": "guard"}',
    '{"event": "run-rollback-incomplete", "time": "2026-11-28T10:00:00.006Z", "reason": "x", '
    '"leftovers": [{"stage": 0, "step": null, "what": "after undoing stage 1", "error": '
    '"exit 1", "manual": ["ifup eth0"]}]}',
    '{"event": "rollback-done", "time": "2026-11-28T10:00:00.007Z"}',
)


def test_every_kind_of_event_is_in_the_sample_and_names_are_unique() -> None:
    assert {type(e) for e in EVERY_KIND} == set(ev.EVENT_TYPES)
    names = [cls.EVENT for cls in ev.EVENT_TYPES]
    assert len(names) == len(set(names)) and all(names)


@pytest.mark.parametrize("event", EVERY_KIND, ids=lambda e: f"{e.event}")
def test_every_event_round_trips_through_json(event: ev.Event) -> None:
    record = json.loads(json.dumps(event.to_json()))
    assert list(record)[:2] == ["event", "time"] and record["event"] == event.event
    again = ev.event_from_json(record)
    assert again == event and type(again) is type(event)
    assert again.to_json() == record


def test_every_event_round_trips_through_a_real_journal(tmp_path: Path) -> None:
    run = RunDir.create(SandboxHost(tmp_path), Plan(stages=()), "")
    written = [run.append(event) for event in EVERY_KIND]
    assert all(w.time.endswith("Z") for w in written), "append stamps the time"
    assert [ev.event_from_json({**w.to_json(), "time": ""}) for w in written] == list(EVERY_KIND)
    assert run.events() == written
    lines = run.journal_path.read_text().splitlines()
    assert lines == [json.dumps(w.to_json()) for w in written]


@pytest.mark.parametrize("line", OLD_LINES, ids=lambda line: json.loads(line)["event"])
def test_lines_of_the_old_journal_read_and_write_back_byte_for_byte(line: str) -> None:
    event = ev.event_from_json(json.loads(line))
    assert not isinstance(event, ev.UnknownEvent)
    assert json.dumps(event.to_json()) == line


def test_optional_keys_are_left_out_or_kept_as_before() -> None:
    not_run = ev.StepFailed(step=1, stage=0, kind="file", what="w", ran=False, error="e")
    assert "output" not in not_run.to_json(), "a step that did not run has no output key"
    ran = ev.StepFailed(step=1, stage=0, kind="file", what="w", ran=True, error="e", output={})
    assert list(ran.to_json())[-3:] == ["ran", "error", "output"]
    assert ev.StageFailed(stage=0, step=None, reason="r").to_json()["step"] is None
    assert list(ev.UndoDone(step=1, stage=0, what="w", notes=(), by="guard").to_json())[-1] == "by"
    assert "by" not in ev.UndoDone(step=1, stage=0, what="w", notes=()).to_json()


def test_a_float_field_written_as_an_int_stays_an_int() -> None:
    line = json.dumps(run_start("t").to_json()).replace(
        '"confirm_timeout": 60.0', '"confirm_timeout": 5'
    )
    event = ev.event_from_json(json.loads(line))
    assert isinstance(event, ev.RunStart) and event.confirm_timeout == 5
    assert json.dumps(event.to_json()) == line


def test_an_unknown_event_is_kept_as_it_was_read() -> None:
    record = {"event": "from-the-future", "time": "t", "stage": 3, "by": "guard"}
    event = ev.event_from_json(record)
    assert isinstance(event, ev.UnknownEvent) and event.event == "from-the-future"
    assert event.to_json() == record and event.by == "guard" and not event.problem


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (["not", "an", "object"], "must be a JSON object"),
        ({"time": "t"}, "without an event name"),
        ({"event": "checkpoint", "time": "t", "name": "files"}, "without its 'stage' field"),
        ({"event": "checkpoint", "time": "t", "stage": "0", "name": "x"}, "bad 'stage' field"),
        (
            {
                "event": "step-failed",
                "step": 1,
                "stage": 0,
                "kind": "file",
                "what": "w",
                "ran": "no",
                "error": "",
            },
            "bad 'ran' field",
        ),
        (
            {"event": "run-rollback-incomplete", "reason": "r", "leftovers": [{"stage": 0}]},
            "bad 'leftovers' field",
        ),
        (
            {"event": "rollback-start", "pid": 1, "token": "t", "host": "sandbox"},
            "bad 'host' field",
        ),
    ],
)
def test_a_malformed_record_is_a_clear_error(record: object, message: str) -> None:
    with pytest.raises(ev.BadRecord, match=message):
        ev.event_from_json(record)


def test_a_damaged_journal_line_is_passed_over_not_a_traceback(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    plan = Plan(stages=(Stage("files", (FileStep("/etc/a", "a\n"),)),))
    run = RunDir.create(host, plan, "")
    run.append(run_start("dead"))
    run.append(step_start(1))
    with run.journal_path.open("a") as handle:
        handle.write('{"event": "checkpoint", "time": "t"}\n')  # no stage
        handle.write("[1, 2]\n")  # JSON, but not an event
        handle.write('{"event": "step-done", "time": "t", "step": "one"}\n')
    events = run.events()
    assert [e.event for e in events] == ["run-start", "step-start", "checkpoint", "step-done"]
    damaged = events[2:]
    assert all(isinstance(e, ev.UnknownEvent) and e.problem for e in damaged)
    assert isinstance(damaged[0], ev.UnknownEvent) and "'stage'" in damaged[0].problem
    state = run.state()
    assert state.checkpoints == [] and state.step(1).status == "started"
    [info] = runs_status(host)
    assert info.state == "interrupted" and info.steps_applied == 0


def test_the_recorder_stamps_its_writer_and_tells_the_listener_what_it_wrote(
    tmp_path: Path,
) -> None:
    run = RunDir.create(SandboxHost(tmp_path), Plan(stages=()), "")
    heard: list[ev.Event] = []
    rec = Recorder(run, heard.append, by="guard")
    written = rec.emit(step_done(1))
    assert written.by == "guard" and written.time
    assert heard == [written] == run.events()
    assert json.loads(run.journal_path.read_text())["by"] == "guard"
    assert rec.state.step(1).status == "done"
