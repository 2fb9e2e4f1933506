"""A host whose uplink NetworkManager configures from its keyfile, with a real NetworkManager.

The namespace "host" runs NetworkManager (and a private system bus) as its network
service, as Alma/RHEL 9 and Fedora do; the wizard finds the stack by probing, writes
keyfiles, loads them with `nmcli connection load` and activates the bridges.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from e2e.networkmanager import (
    FAULT_ANSWERS,
    KEYFILES,
    NetworkManager,
    active_connections,
    fault_steps,
    nm_host,
)
from e2e.pinging import MAX_OUTAGE
from e2e.stack_hosts import (
    EXPECTED,
    apply_while_pinging,
    assert_vm_bridges_lease,
    bridged_state,
    files_under,
    wait_for,
)
from e2e.topology import (
    Topology,
    full_state,
    settle,
    state_diff,
)
from e2e.wizard import wizard

RUNS = "var/lib/virtnet-wizard/runs"


def checkpoints(daemon: NetworkManager) -> list[str]:
    """The checkpoints NetworkManager holds (their D-Bus paths)."""
    got = daemon.command(
        "busctl", "--system", "get-property", "org.freedesktop.NetworkManager",
        "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager", "Checkpoints",
    )  # fmt: skip
    assert got.returncode == 0, got.stderr
    return re.findall(r'"(/[^"]+)"', got.stdout)


def _journal(root: Path, run: Path | None = None) -> list[dict[str, object]]:
    """The events of the only (or the given) run under ROOT."""
    if run is None:
        (run,) = (root / RUNS).iterdir()
    lines = (run / "journal.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.netns
def test_bridges_on_a_networkmanager_host_apply_survive_a_restart_and_roll_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    if shutil.which("NetworkManager") is None:
        pytest.skip("NetworkManager is not installed (network-manager)")
    with nm_host(topo, root, tmp_path) as daemon:
        host, lan = topo["host"], topo["lan"]
        before, files_before = full_state(host), files_under(root, "etc")
        profiles_before, active_before = daemon.profiles(), active_connections(daemon)
        assert active_before == ["eth0:eth0", "lo:lo"]

        applied, lost = apply_while_pinging(host, lan, root)
        print(f"networkmanager: bridging the uplink lost {lost:.2f} s of replies")
        assert lost <= MAX_OUTAGE, f"{lost:.2f} s of replies lost while bridging"
        written = {s.path for _, _, s in applied.plan.steps() if s.kind == "file"}
        assert f"/{KEYFILES}/br0.nmconnection" in written
        assert not any("network-scripts" in p or "interfaces" in p for p in written)
        for name in ("br0", "br0-port-eth0", "virbr10", "virbr20"):
            assert (root / KEYFILES / f"{name}.nmconnection").stat().st_mode & 0o777 == 0o600
        assert bridged_state(host) == EXPECTED
        assert active_connections(daemon) == [
            "br0-port-eth0:eth0", "br0:br0", "lo:lo", "virbr10:virbr10", "virbr20:virbr20"
        ]  # fmt: skip
        # The old profile is kept, inactive, for rollback.
        assert any(p.startswith("eth0:8a1d3e52") for p in daemon.profiles())
        # NetworkManager's checkpoint was taken before the conversion and destroyed on
        # confirmation: nothing is left for it to roll back.
        events = _journal(root)
        made = [e for e in events if e["event"] == "nm-checkpoint"]
        assert [e["stage"] for e in made] == [1], events
        assert {"event": "nm-checkpoint-destroyed", "reason": "confirmed"}.items() <= next(
            e for e in events if e["event"] == "nm-checkpoint-destroyed"
        ).items()
        assert checkpoints(daemon) == []

        assert_vm_bridges_lease(topo, tmp_path)

        # A restart of NetworkManager (what a reboot would do to it) keeps all of it.
        daemon.restart()
        time.sleep(1.0)  # time to (wrongly) reconfigure anything
        wait_for(lambda: bridged_state(host) == EXPECTED, seconds=10)
        assert bridged_state(host) == EXPECTED, daemon.logs()[-3000:]

        applied.rollback()
        settle(host)
        wait_for(lambda: full_state(host) == before, seconds=10)
        assert state_diff(before, full_state(host)) == [], (
            "\n".join(state_diff(before, full_state(host))) + daemon.logs()[-3000:]
        )
        assert files_under(root, "etc") == files_before
        assert daemon.profiles() == profiles_before
        assert active_connections(daemon) == active_before


@pytest.mark.netns
def test_networkmanager_rolls_back_by_itself_when_the_wizard_and_guard_die(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    """The checkpoint outlives both: its timeout passes, NetworkManager restores the uplink."""
    if shutil.which("NetworkManager") is None:
        pytest.skip("NetworkManager is not installed (network-manager)")
    with nm_host(topo, root, tmp_path) as daemon:
        host = topo["host"]
        before, profiles_before, active_before = (
            full_state(host),
            daemon.profiles(),
            active_connections(daemon),
        )
        up = next(n for n, what in fault_steps() if what.startswith("activate br0"))
        result = wizard(
            "apply", "--answers", str(FAULT_ANSWERS), "--root", str(root), "--netns", host.name,
            "--yes", "--confirm-timeout", "4",
            env={"VIRTNET_FAULT": f"after-step:{up}:kill"},
        )  # fmt: skip
        assert result.returncode == -signal.SIGKILL, str(result)
        (run,) = (root / RUNS).iterdir()
        guard_pid = int((run / "guard-1.pid").read_text())
        os.kill(guard_pid, signal.SIGKILL)  # the guard this test's wizard started
        # Converted, and left to NetworkManager alone.
        assert "br0-port-eth0:eth0" in active_connections(daemon)
        assert [e["stage"] for e in _journal(root) if e["event"] == "nm-checkpoint"] == [1]
        assert len(checkpoints(daemon)) == 1

        # NetworkManager restores what it owns: links, addresses, routes, profiles. (The
        # stage before, bridge netfilter settings in sysctl, is not its business.)
        def network(state: dict[str, object]) -> dict[str, object]:
            return {k: v for k, v in state.items() if k != "sysctl"}

        def restored() -> bool:
            return (
                network(full_state(host)) == network(before)
                and daemon.profiles() == profiles_before
                and active_connections(daemon) == active_before
            )

        wait_for(restored, seconds=20)
        assert state_diff(network(before), network(full_state(host))) == [], daemon.logs()[-3000:]
        # The new profiles are deleted (their keyfiles too), the old one is active again.
        assert daemon.profiles() == profiles_before
        assert active_connections(daemon) == active_before
        assert sorted(p.name for p in (root / KEYFILES).iterdir()) == ["eth0.nmconnection"]
        assert checkpoints(daemon) == []
        assert "rollback of /org/freedesktop/NetworkManager/Checkpoint/" in daemon.logs()
        assert "guard-reverted" not in (run / "journal.jsonl").read_text()
