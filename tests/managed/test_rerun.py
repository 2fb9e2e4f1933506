"""Re-run changes as runs: rollback order and dependencies, resume, and the plan's new steps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import cli_process, fast_root, journal, run_ids
from support.rerun_util import FORWARD_80, NAT, Sandbox, answers_text, custom_nat

from virtnet_tui.core.plan import LibvirtStep, Plan, Stage
from virtnet_tui.executor.replay import plan_from_json


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def _add(sandbox: Sandbox, network: str, mac: str, ip: str) -> str:
    return sandbox.change("dhcp-host", "add", "--network", network, "--mac", mac, "--ip", ip)


def test_a_run_a_later_run_depends_on_cannot_be_rolled_back_first(sandbox: Sandbox) -> None:
    made = sandbox.apply(answers_text(NAT))
    lease = _add(sandbox, "nat1", "52:54:00:00:00:01", "192.168.100.5")
    rc, _, err = sandbox.run("rollback", made)
    assert rc == 2
    assert f"run {lease}" in err and "libvirt network nat1" in err
    assert f"virtnet-wizard rollback {lease}" in err
    assert journal(sandbox.root, made)[-1]["event"] == "run-done", "the refusal wrote nothing"

    sandbox.ok("rollback", lease)
    sandbox.ok("rollback", made)
    assert not sandbox.host.exists("/var/lib/virtnet-wizard/state.json")


def test_changes_to_a_custom_network_depend_on_the_run_that_made_it(sandbox: Sandbox) -> None:
    made = sandbox.apply(answers_text(custom_nat(FORWARD_80)))
    forward = sandbox.change(
        "forward",
        "add",
        "--network",
        "virbr10",
        "--proto",
        "udp",
        "--port",
        "5353",
        "--to",
        "192.168.110.77",
    )
    rc, _, err = sandbox.run("rollback", made)
    assert rc == 2 and f"run {forward}" in err and "virbr10" in err


def test_changes_on_other_networks_do_not_block_each_other(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(NAT + custom_nat()))
    on_nat = _add(sandbox, "nat1", "52:54:00:00:00:01", "192.168.100.5")
    _add(sandbox, "virbr10", "52:54:00:00:00:02", "192.168.110.5")
    # The later change is on virbr10 only: the nat1 lease rolls back on its own.
    sandbox.ok("rollback", on_nat)
    hosts = {n["name"]: n["dhcp_hosts"] for n in sandbox.state()["networks"]}
    assert hosts["nat1"] == [] and [h["ip"] for h in hosts["virbr10"]] == ["192.168.110.5"]


def test_an_interrupted_dhcp_host_run_resumes_or_rolls_back(tmp_path: Path) -> None:
    with fast_root(tmp_path) as root:
        answers = tmp_path / "nat.toml"
        answers.write_text(answers_text(NAT))
        rc, out, err = cli_process("apply", "--answers", str(answers), "--root", str(root), "--yes")
        assert rc == 0, err
        add = (
            "dhcp-host",
            "add",
            "--network",
            "nat1",
            "--mac",
            "52:54:00:00:00:01",
            "--ip",
            "192.168.100.5",
            "--root",
            str(root),
        )
        rc, _, _ = cli_process(*add, fault="after-step:1:kill")
        assert rc == -9
        run_id = run_ids(root)[-1]
        rc, out, _ = cli_process("status", "--root", str(root), "--json")
        info = json.loads(out)["runs"][-1]
        assert info["state"] == "interrupted" and info["steps_applied"] == 1

        # Another change waits for the interrupted run to be settled.
        rc, _, err = cli_process(
            "dhcp-host",
            "add",
            "--network",
            "nat1",
            "--mac",
            "52:54:00:00:00:02",
            "--ip",
            "192.168.100.6",
            "--root",
            str(root),
        )
        assert rc == 2 and f"apply --resume {run_id}" in err

        # Resuming finishes the run (its one step was done); the state then has the lease.
        rc, out, err = cli_process("apply", "--resume", run_id, "--root", str(root), "--yes")
        assert rc == 0, out + err
        events = [e["event"] for e in journal(root, run_id)]
        assert events[events.index("resume") :] == [
            "resume",
            "stage-start",
            "checkpoint",
            "run-done",
        ]
        rc, out, _ = cli_process("status", "--root", str(root), "--json")
        [net] = json.loads(out)["networks"]
        assert [h["ip"] for h in net["dhcp_hosts"]] == ["192.168.100.5"]
        assert net["drift"] == []

        rc, _, err = cli_process("rollback", run_id, "--root", str(root))
        assert rc == 0, err
        rc, out, _ = cli_process("status", "--root", str(root), "--json")
        assert json.loads(out)["networks"][0]["dhcp_hosts"] == []


def test_new_libvirt_steps_round_trip_through_plan_json() -> None:
    plan = Plan(
        stages=(
            Stage(
                name="s",
                steps=(
                    LibvirtStep(
                        "net-update",
                        "nat1",
                        xml='<host mac="52:54:00:00:00:01" ip="192.168.100.5" />',
                        command="add-last",
                        section="ip-dhcp-host",
                        parent_index=1,
                        description="add a lease",
                    ),
                    LibvirtStep(
                        "domain-define", "nat1", xml="<domain/>", domain="web1", description="d"
                    ),
                ),
                network="nat1",
            ),
        )
    )
    data = json.loads(plan.to_json_text())
    assert plan_from_json(data) == plan
    update = data["stages"][0]["steps"][0]
    assert update["virsh"] == [
        "virsh",
        "net-update",
        "nat1",
        "add-last",
        "ip-dhcp-host",
        '<host mac="52:54:00:00:00:01" ip="192.168.100.5" />',
        "--live",
        "--config",
        "--parent-index",
        "1",
    ]
    assert data["stages"][0]["steps"][1]["virsh"] == ["virsh", "define", "/tmp/web1.xml"]


def test_net_update_is_idempotent_so_a_step_done_twice_changes_nothing(sandbox: Sandbox) -> None:
    from virtnet_tui.executor.libvirt_live import capture_update, inverse_update, update

    sandbox.apply(answers_text(NAT))
    step = LibvirtStep(
        "net-update",
        "nat1",
        xml='<host mac="52:54:00:00:00:01" ip="192.168.100.5" />',
        command="add-last",
        section="ip-dhcp-host",
        parent_index=0,
    )
    conn = sandbox.host.connect_libvirt()
    try:
        before = capture_update(conn, step)
        assert before == {"exists": True, "active": True}
        assert "no restart" in update(conn, step)
        assert update(conn, step) == "the entry is already there"
        undo = inverse_update(step, before)
        assert undo is not None and undo.command == "delete"
        update(conn, undo)
        assert update(conn, undo) == "the entry is already gone"
    finally:
        conn.close()


def test_the_change_builders_are_pure() -> None:
    """``virtnet_tui.core.changes`` plans without libvirt, subprocess, Textual or netaddr."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import virtnet_tui.core.changes.attach, virtnet_tui.core.changes.dhcp\n"
        "import virtnet_tui.core.changes.forward, virtnet_tui.core.changes.records\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'libvirt', 'subprocess', 'textual', 'rich', 'netaddr'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
