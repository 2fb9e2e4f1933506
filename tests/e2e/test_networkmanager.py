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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from e2e.networkmanager import (
    ALMA,
    FAULT_ANSWERS,
    KEYFILES,
    UPLINK_KEYFILE,
    NetworkManager,
    fault_steps,
    networkmanager_in,
)
from e2e.test_bridged import MAX_OUTAGE
from e2e.test_stacks import (
    EXPECTED,
    _apply_while_pinging,
    _bridged_state,
    _configured,
    _wait_for,
    files_under,
)
from e2e.topology import (
    Topology,
    dhcp_lease,
    full_state,
    lan_uplink,
    plug_vm,
    settle,
    state_diff,
    wait_until,
)
from e2e.wizard import wizard

RUNS = "var/lib/virtnet-wizard/runs"


@contextmanager
def nm_host(topo: Topology, root: Path, logs: Path) -> Iterator[NetworkManager]:
    """A "host" whose eth0 (to a "lan") NetworkManager configures from its keyfile."""
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    # NetworkManager configures eth0 itself, as at boot, rather than adopting what
    # `ip` set by hand.
    host.run("ip", "address", "flush", "dev", "eth0", "scope", "global")
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/os-release").write_text(ALMA)
    keyfile = root / KEYFILES / "eth0.nmconnection"
    keyfile.parent.mkdir(parents=True, exist_ok=True)
    keyfile.write_text(UPLINK_KEYFILE)
    keyfile.chmod(0o600)
    with networkmanager_in(host, root, logs) as daemon:
        wait_until("NetworkManager to configure eth0", lambda: _configured(host), seconds=20)
        settle(host)
        yield daemon


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


def _active(daemon: NetworkManager) -> list[str]:
    return sorted(
        daemon.nmcli(
            "-t", "-f", "NAME,DEVICE", "connection", "show", "--active"
        ).stdout.splitlines()
    )


@pytest.mark.netns
def test_bridges_on_a_networkmanager_host_apply_survive_a_restart_and_roll_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    if shutil.which("NetworkManager") is None:
        pytest.skip("NetworkManager is not installed (network-manager)")
    with nm_host(topo, root, tmp_path) as daemon:
        host, lan = topo["host"], topo["lan"]
        before, files_before = full_state(host), files_under(root, "etc")
        profiles_before, active_before = daemon.profiles(), _active(daemon)
        assert active_before == ["eth0:eth0", "lo:lo"]

        applied, lost = _apply_while_pinging(host, lan, root)
        print(f"networkmanager: bridging the uplink lost {lost:.2f} s of replies")
        assert lost <= MAX_OUTAGE, f"{lost:.2f} s of replies lost while bridging"
        written = {s.path for _, _, s in applied.plan.steps() if s.kind == "file"}
        assert f"/{KEYFILES}/br0.nmconnection" in written
        assert not any("network-scripts" in p or "interfaces" in p for p in written)
        for name in ("br0", "br0-port-eth0", "virbr10", "virbr20"):
            assert (root / KEYFILES / f"{name}.nmconnection").stat().st_mode & 0o777 == 0o600
        assert _bridged_state(host) == EXPECTED
        assert _active(daemon) == ["br0-port-eth0:eth0", "br0:br0", "lo:lo", "virbr10:virbr10",
                                   "virbr20:virbr20"]  # fmt: skip
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

        ports = [plug_vm(topo, "vm1", "virbr10", "52:54:00:be:0a:f3")]
        assert dhcp_lease(topo["vm1"], tmp_path) == "192.168.100.77/24"
        ports.append(plug_vm(topo, "vm2", "virbr20", "52:54:00:be:0a:f4"))
        assert dhcp_lease(topo["vm2"], tmp_path) == "192.0.2.7/28"
        for port in ports:
            host.run("ip", "link", "delete", port)

        # A restart of NetworkManager (what a reboot would do to it) keeps all of it.
        daemon.restart()
        time.sleep(1.0)  # time to (wrongly) reconfigure anything
        _wait_for(lambda: _bridged_state(host) == EXPECTED, seconds=10)
        assert _bridged_state(host) == EXPECTED, daemon.logs()[-3000:]

        applied.rollback()
        settle(host)
        _wait_for(lambda: full_state(host) == before, seconds=10)
        assert state_diff(before, full_state(host)) == [], (
            "\n".join(state_diff(before, full_state(host))) + daemon.logs()[-3000:]
        )
        assert files_under(root, "etc") == files_before
        assert daemon.profiles() == profiles_before
        assert _active(daemon) == active_before


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
            _active(daemon),
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
        assert "br0-port-eth0:eth0" in _active(daemon)
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
                and _active(daemon) == active_before
            )

        _wait_for(restored, seconds=20)
        assert state_diff(network(before), network(full_state(host))) == [], daemon.logs()[-3000:]
        # The new profiles are deleted (their keyfiles too), the old one is active again.
        assert daemon.profiles() == profiles_before
        assert _active(daemon) == active_before
        assert sorted(p.name for p in (root / KEYFILES).iterdir()) == ["eth0.nmconnection"]
        assert checkpoints(daemon) == []
        assert "rollback of /org/freedesktop/NetworkManager/Checkpoint/" in daemon.logs()
        assert "guard-reverted" not in (run / "journal.jsonl").read_text()
