"""The guard in namespaces: the wizard dies inside a risky stage, the guard undoes it alone.

The wizard is SIGKILLed as a dropped SSH session would leave it: once while it waits for
the operator to confirm the risky stage (on a terminal, as an operator runs it), once
right after the step of the stage that cuts the host off or loads the rules. Nobody
touches the namespace afterwards: the guard process must put it back by itself, in time.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support.netns import Netns
from support.terminal import Terminal

from e2e.topology import (
    Topology,
    full_state,
    host_firewall,
    lan_uplink,
    live_processes,
    settle,
    state_diff,
)
from e2e.wizard import planned, wizard
from virtnet_tui.core.plan import Plan
from virtnet_tui.executor.apply import CONFIRM_GRACE

ANSWERS = Path(__file__).with_name("answers")
RUNS = "var/lib/virtnet-wizard/runs"
#: Short, so that the guard acts soon after the wizard dies.
CONFIRM_TIMEOUT = 2.0
#: What the guard may take past its deadline: its 0.1 s look at the clock, the lock,
#: its imports, and the undo commands, each through ``ip netns exec`` and the namespace
#: helper, on two shared cores. Measured: ``guard-timeout`` 0.1 to 0.3 s past the
#: deadline, ``guard-reverted`` 0.3 to 0.4 s (bridged: 3 undo steps, 5 commands) or 0.8 to
#: 2.2 s (custom NAT: 7 undo steps, 15 commands) after that.
MARGIN = 5.0
LAN_ROUTER = "198.51.100.1"
HOST = "198.51.100.2"


def _bridge_in_place(host: Netns) -> bool:
    return "master br0" in host.run("ip", "-o", "link", "show", "eth0").stdout


def _eth0_without_address(host: Netns) -> bool:
    return not host.run("ip", "-o", "-4", "address", "show", "dev", "eth0").stdout


def _rules_in_place(host: Netns) -> bool:
    return "-A FORWARD -j VNW-virbr10-FWD" in host.run("iptables-save").stdout


def _rules_loaded(host: Netns) -> bool:
    return ":VNW-virbr10-FWD" in host.run("iptables-save").stdout


@dataclass(frozen=True)
class Case:
    """A plan with a risky stage, and how to see that the stage is in effect."""

    answers: Path
    in_place: Callable[[Netns], bool]
    """The whole stage is in effect (the wizard waits for the operator)."""
    cut_step: int
    """The step of the stage after which the wizard is killed mid-stage."""
    cut: Callable[[Netns], bool]
    """What that step did is in effect."""

    def plan(self) -> Plan:
        return planned(self.answers)

    def risky_stage(self) -> int:
        [index] = [i for i, stage in enumerate(self.plan().stages) if stage.risky]
        return index

    def risky_steps(self) -> list[int]:
        return [n for n, stage, _ in self.plan().steps() if stage.risky]


CASES = {
    # Step 5 takes eth0's addresses off before ifup br0 gives them to the bridge: the
    # moment the host is cut off from its LAN.
    "bridged": Case(ANSWERS / "bridged.toml", _bridge_in_place, 5, _eth0_without_address),
    # Step 6 loads the wizard's chains; the jumps into them follow.
    "custom-nat": Case(ANSWERS / "custom-nat.toml", _rules_in_place, 6, _rules_loaded),
}


def _journal(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "journal.jsonl").read_text().splitlines()]


def _runs(root: Path) -> set[Path]:
    folder = root / RUNS
    return set(folder.iterdir()) if folder.is_dir() else set()


def _events(run: Path, name: str) -> list[dict[str, Any]]:
    return [e for e in _journal(run) if e["event"] == name]


def _seconds_between(earlier: dict[str, Any], later: dict[str, Any]) -> float:
    start = datetime.fromisoformat(earlier["time"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(later["time"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def _guard_processes(run: Path) -> list[int]:
    """Live processes running the guard of ``run`` (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"virtnet_tui.executor.guard" in argv and str(run).encode() in argv and state != "Z":
            found.append(int(entry.name))
    return found


@contextmanager
def _guards_stopped(root: Path) -> Iterator[None]:
    """On the way out, kill the guards of this test's runs still alive (a failed test's)."""
    try:
        yield
    finally:
        for run in _runs(root):
            for pid in _guard_processes(run):
                os.kill(pid, 9)


def _wait_for_revert(run: Path, seconds: float) -> float:
    """Seconds until the journal says the guard reverted; fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if _events(run, "guard-reverted"):
            return time.monotonic() - started
        time.sleep(0.05)
    tail = "\n".join(json.dumps(e) for e in _journal(run)[-8:])
    raise AssertionError(f"the guard did not revert within {seconds:g} s:\n{tail}")


def _reachable(a: Netns, address: str) -> bool:
    return a.run("ping", "-c", "1", "-W", "2", address, check=False).returncode == 0


def _before_the_risky_stage(case: Case, host: Netns, root: Path) -> dict[str, object]:
    """The host's state with every stage before the risky one applied.

    A run the wizard applies up to the last step before the risky stage (and is then
    killed) shows it; ``rollback`` then takes the host back to where it started.
    """
    start = full_state(host)
    last_safe = min(case.risky_steps()) - 1
    result = wizard(
        "apply",
        "--answers",
        str(case.answers),
        "--root",
        str(root),
        "--netns",
        host.name,
        "--yes",
        env={"VIRTNET_FAULT": f"after-step:{last_safe}:kill"},
    )
    assert result.returncode == -9, str(result)
    settle(host)
    state = full_state(host)
    assert state != start, "the stages before the risky one change the host"
    back = wizard("rollback", "--root", str(root), "--netns", host.name)
    assert back.returncode == 0, str(back)
    settle(host)
    assert state_diff(start, full_state(host)) == []
    return state


def _assert_reverted(
    case: Case, host: Netns, lan: Netns, run: Path, expected: dict[str, object]
) -> None:
    """The risky stage is undone by the guard alone; what came before it stays."""
    stage = case.risky_stage()
    [timeout] = _events(run, "guard-timeout")
    [reverted] = _events(run, "guard-reverted")
    assert timeout["by"] == reverted["by"] == "guard"
    assert timeout["stage"] == reverted["stage"] == stage
    undone = [e["step"] for e in _events(run, "undo-done") if e.get("by") == "guard"]
    done = [e["step"] for e in _events(run, "step-done") if e["step"] in case.risky_steps()]
    assert undone == sorted(done, reverse=True), "the guard undid the stage's steps, last first"
    assert _journal(run)[-1]["event"] == "guard-reverted", "nothing ran after the guard"

    deadline = time.monotonic() + 10
    while _guard_processes(run) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _guard_processes(run) == [], "the guard exits once it has reverted"
    assert "dnsmasq" not in live_processes(host)
    settle(host)  # eth0 gets its link-local address back a moment after leaving the bridge
    assert state_diff(expected, full_state(host)) == []
    assert _reachable(host, LAN_ROUTER) and _reachable(lan, HOST)


def _rollback_to_start(host: Netns, root: Path, start: dict[str, object]) -> None:
    """``rollback`` of the run the guard left interrupted takes the host back to the start."""
    back = wizard("rollback", "--root", str(root), "--netns", host.name)
    assert back.returncode == 0, str(back)
    settle(host)
    assert state_diff(start, full_state(host)) == []


def _pair(topo: Topology) -> tuple[Netns, Netns]:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    host_firewall(host)
    return host, lan


@pytest.mark.netns
@pytest.mark.parametrize("recipe", sorted(CASES))
def test_the_guard_reverts_a_risky_stage_whose_wizard_died_waiting_for_the_operator(
    recipe: str, topo: Topology, root: Path
) -> None:
    case = CASES[recipe]
    host, lan = _pair(topo)
    start = full_state(host)
    expected = _before_the_risky_stage(case, host, root)
    earlier_runs = _runs(root)

    with _guards_stopped(root):
        term = Terminal(
            "apply",
            "--answers",
            str(case.answers),
            "--root",
            str(root),
            "--netns",
            host.name,
            "--confirm-timeout",
            f"{CONFIRM_TIMEOUT:g}",
        )
        term.expect(f"Apply {len(case.plan().stages)} stages? [y/N]", timeout=60)
        term.type("y\n")
        term.expect("if you can still see this", timeout=60)
        [run] = _runs(root) - earlier_runs
        [asked] = _events(run, "confirm-asked")
        assert asked["stage"] == case.risky_stage()
        [armed] = _events(run, "guard-armed")
        guard = int(armed["pid"])
        assert os.getsid(guard) == guard, "the guard has a session of its own"
        assert case.in_place(host), "the stage is in effect while the wizard waits"

        assert term.kill() == -9
        # The wizard set the guard's deadline to the timeout plus its grace as it asked.
        within = CONFIRM_TIMEOUT + CONFIRM_GRACE + MARGIN
        after_kill = _wait_for_revert(run, within)
        print(f"{recipe}: the guard reverted {after_kill:.2f} s after the kill")

        [timeout] = _events(run, "guard-timeout")
        waited = _seconds_between(asked, timeout)
        assert waited >= CONFIRM_TIMEOUT + CONFIRM_GRACE - 0.2, "the guard kept to its deadline"
        [reverted] = _events(run, "guard-reverted")
        assert _seconds_between(asked, reverted) <= within
        _assert_reverted(case, host, lan, run, expected)
    _rollback_to_start(host, root, start)


@pytest.mark.netns
@pytest.mark.parametrize("recipe", sorted(CASES))
def test_the_guard_reverts_a_risky_stage_whose_wizard_died_half_way_through_it(
    recipe: str, topo: Topology, root: Path
) -> None:
    case = CASES[recipe]
    host, lan = _pair(topo)
    start = full_state(host)
    expected = _before_the_risky_stage(case, host, root)
    earlier_runs = _runs(root)

    with _guards_stopped(root):
        result = wizard(
            "apply",
            "--answers",
            str(case.answers),
            "--root",
            str(root),
            "--netns",
            host.name,
            "--yes",
            "--confirm-timeout",
            f"{CONFIRM_TIMEOUT:g}",
            env={"VIRTNET_FAULT": f"after-step:{case.cut_step}:kill"},
        )
        assert result.returncode == -9, str(result)
        [run] = _runs(root) - earlier_runs
        assert case.cut(host), "the wizard died with the step in effect"
        assert _events(run, "step-done")[-1]["step"] == case.cut_step

        # Each step pushes the deadline CONFIRM_TIMEOUT ahead; the last one came just
        # before the kill.
        after_kill = _wait_for_revert(run, CONFIRM_TIMEOUT + MARGIN)
        print(f"{recipe}: the guard reverted {after_kill:.2f} s after the kill")
        _assert_reverted(case, host, lan, run, expected)
    _rollback_to_start(host, root, start)
