"""Fault injection in namespaces: a plan failing at any step leaves the host as it was."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.apply_sandbox import Entry, diff, snapshot
from support.netns import Netns, netns_unavailable

from e2e.firewalld_host import Firewalld, firewalld_in
from e2e.nft_host import host_nft_firewall, nft_ruleset, path_without_iptables
from e2e.topology import (
    host_firewall,
    host_state,
    lan_uplink,
    live_processes,
    settle,
    state_diff,
    topology,
)
from e2e.wizard import planned, wizard

ANSWERS = Path(__file__).with_name("answers")
#: Each recipe's answers and whether its host has IPv6 on the uplink.
RECIPES: dict[str, tuple[Path, bool]] = {
    "custom-nat": (ANSWERS / "custom-nat.toml", False),
    "custom-routed": (ANSWERS / "custom-routed.toml", True),
    "bridged": (ANSWERS / "bridged.toml", False),
    # An nftables-only host: the wizard runs with no iptables on its PATH.
    "custom-nat-nft": (ANSWERS / "custom-nat-nftables.toml", False),
    # A real firewalld with a private bus in the host namespace.
    "custom-nat-firewalld": (ANSWERS / "custom-nat-firewalld.toml", False),
}
NFT_RECIPES = frozenset({"custom-nat-nft"})
FIREWALLD_RECIPES = frozenset({"custom-nat-firewalld"})
#: Short: with --yes a risky stage is confirmed by its checks, never by waiting.
CONFIRM_TIMEOUT = "10"
#: Files a host already has, so that undo must put content, mode and owner back
#: rather than delete what the wizard wrote.
SEEDED: dict[str, tuple[bytes, int, int]] = {
    "etc/network/interfaces": (
        b"# seeded by the tests\nauto lo\niface lo inet loopback\n",
        0o640,
        1234,
    ),
    "etc/sysctl.d/90-virtnet-wizard-forwarding.conf": (b"# old forwarding\n", 0o600, 1234),
}
#: Runtime folders under the root: NetnsHost puts ROOT/run in place of /run, with
#: /var/run and /var/lock linked into it as on Debian, so what a run makes there
#: (ifupdown's state folder, /run/dnsmasq) stays, as on a real host. The daemons and
#: ifupdown's records are checked instead.
RUNTIME = ("run", "var/run", "var/lock")
#: The wizard's own folder, made by the first run; its records in it (runs, lock) are
#: left out by ``apply_sandbox.snapshot`` and its state file is compared on its own.
WIZARD_DIR = "var/lib/virtnet-wizard"


def _steps(path: Path) -> int:
    return sum(1 for _ in planned(path).steps())


def _risky_steps(path: Path) -> list[int]:
    """The numbers of the steps of risky stages: the part that can cut a host off."""
    return [n for n, stage, _ in planned(path).steps() if stage.risky]


def _cases() -> list[object]:
    cases: list[object] = []
    for recipe in ("custom-nat", "custom-routed", "custom-nat-nft"):
        count = _steps(RECIPES[recipe][0])
        cases += [pytest.param(recipe, n, id=f"{recipe}-step{n:02d}") for n in range(1, count + 1)]
    # Bridged: a sample, the risky stage (the interfaces file, eth0's addresses off, ifup br0).
    bridged = _risky_steps(RECIPES["bridged"][0])
    cases += [pytest.param("bridged", n, id=f"bridged-step{n:02d}") for n in bridged]
    # firewalld: the firewall stage's steps (zone, reload, rich rules) and the one after.
    steps = _risky_steps(RECIPES["custom-nat-firewalld"][0])
    cases += [
        pytest.param("custom-nat-firewalld", n, id=f"custom-nat-firewalld-step{n:02d}")
        for n in [*steps, steps[-1] + 1]
    ]
    return cases


@dataclass
class Pair:
    """A "host" wired to a "lan", and the host's state before any run."""

    stack: ExitStack
    host: Netns
    before: dict[str, object]
    env: dict[str, str]
    """The wizard's extra environment: a PATH without iptables on an nftables host, the
    private bus of the namespace's firewalld."""
    firewalld: Firewalld | None = None


class Pairs:
    """One namespace pair per recipe, reused while each case leaves it as it was.

    A case that fails discards its pair (killing what still runs there), so the next
    case starts from a fresh one and cannot inherit the leftovers.
    """

    def __init__(self) -> None:
        self._pairs: dict[str, Pair] = {}

    def get(self, recipe: str) -> Pair:
        if recipe not in self._pairs:
            self._pairs[recipe] = _build(
                RECIPES[recipe][1], recipe in NFT_RECIPES, recipe in FIREWALLD_RECIPES
            )
        return self._pairs[recipe]

    def discard(self, recipe: str) -> None:
        pair = self._pairs.pop(recipe, None)
        if pair is not None:
            pair.stack.close()

    def close(self) -> None:
        for recipe in list(self._pairs):
            self.discard(recipe)


def _state(host: Netns, nft: bool, firewalld: Firewalld | None = None) -> dict[str, object]:
    """``host_state``, with the nftables rule set on an nftables host, and firewalld's
    runtime and permanent configuration on a firewalld host."""
    state = host_state(host)
    if nft:
        state["nft"] = nft_ruleset(host).splitlines()
    if firewalld is not None:
        state.update({key: text.splitlines() for key, text in firewalld.config().items()})
    return state


def _pair_state(pair: Pair, recipe: str) -> dict[str, object]:
    return _state(pair.host, recipe in NFT_RECIPES, pair.firewalld)


def _build(ipv6: bool, nft: bool, firewalld: bool = False) -> Pair:
    stack = ExitStack()
    try:
        topo = stack.enter_context(topology())
        host = topo.add("host")
        topo.add("lan")
        lan_uplink(topo, ipv6=ipv6)
        env: dict[str, str] = {}
        if nft:
            host_nft_firewall(host)
            bin_dir = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "bin"
            env["PATH"] = path_without_iptables(bin_dir)
        else:
            host_firewall(host)
        fw = None
        if firewalld:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            fw = stack.enter_context(firewalld_in(host, work / "run", work))
            env.update(fw.env)
        return Pair(stack, host, _state(host, nft, fw), env, fw)
    except BaseException:
        stack.close()
        raise


@pytest.fixture(scope="module")
def pairs() -> Iterator[Pairs]:
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    made = Pairs()
    try:
        yield made
    finally:
        made.close()


def seed(root: Path) -> None:
    """The files in SEEDED, and /var/lib, which every host has."""
    (root / "var/lib").mkdir(parents=True)
    for rel, (content, mode, uid) in SEEDED.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.chmod(path, mode)
        os.chown(path, uid, uid)


def tree(root: Path) -> dict[str, Entry]:
    """The root's files as ``apply_sandbox.snapshot`` sees them, runtime folders left out."""
    return {
        rel: entry
        for rel, entry in snapshot(root).items()
        if rel != WIZARD_DIR and not any(rel == top or rel.startswith(f"{top}/") for top in RUNTIME)
    }


def runtime_leftovers(root: Path) -> list[str]:
    """Files a run left in the root's /run: folders may stay, and ifupdown's state and lock
    files (its state blank once every interface is down, as interfaces_up checks); a pid
    file, a lease or a socket may not."""
    run = root / "run"
    return sorted(
        str(path.relative_to(root))
        for path in (run.rglob("*") if run.is_dir() else [])
        if not path.is_dir()
        and not (path.parent.name == "network" and path.name.lstrip(".").startswith("ifstate"))
    )


def journal(root: Path) -> list[dict[str, Any]]:
    """The events of the one run in ``root``."""
    runs = sorted((root / WIZARD_DIR / "runs").glob("*/journal.jsonl"))
    assert len(runs) == 1, f"expected one run, found {runs}"
    return [json.loads(line) for line in runs[0].read_text().splitlines()]


def interfaces_up(root: Path) -> list[str]:
    """The interfaces ifupdown records as up in the root's /run (ifdown leaves a blank file)."""
    return [
        f"{path.name}: {line}"
        for path in sorted((root / "run/network").glob("ifstate*"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def _state_file(root: Path) -> bytes | None:
    path = root / WIZARD_DIR / "state.json"
    return path.read_bytes() if path.exists() else None


@pytest.mark.netns
@pytest.mark.parametrize(("recipe", "step"), _cases())
def test_a_failing_step_leaves_the_namespace_and_root_as_before(
    recipe: str, step: int, pairs: Pairs, root: Path
) -> None:
    pair = pairs.get(recipe)
    passed = False
    try:
        seed(root)
        files_before, state_file_before = tree(root), _state_file(root)
        fault = f"before-step:{step}:fail"
        result = wizard(
            "apply",
            "--answers",
            str(RECIPES[recipe][0]),
            "--root",
            str(root),
            "--netns",
            pair.host.name,
            "--yes",
            "--confirm-timeout",
            CONFIRM_TIMEOUT,
            env={**pair.env, "VIRTNET_FAULT": fault},
        )
        assert result.returncode == 3, str(result)
        assert f"VIRTNET_FAULT={fault}" in result.stderr, str(result)

        events = journal(root)
        assert events[-1]["event"] == "run-rolled-back", events[-1]
        failed = [(e["step"], e["ran"]) for e in events if e["event"] == "step-failed"]
        assert failed == [(step, False)]
        done: list[int] = [e["step"] for e in events if e["event"] == "step-done"]
        undone: list[int] = [e["step"] for e in events if e["event"] == "undo-done"]
        assert done == list(range(1, step)), "every step before the fault ran"
        assert undone == sorted(done, reverse=True), "and was undone, last first"

        assert "dnsmasq" not in live_processes(pair.host)
        assert interfaces_up(root) == []
        if recipe == "bridged":
            # Undoing the bridge gives eth0 its link-local address back a moment later.
            settle(pair.host)
        assert state_diff(pair.before, _pair_state(pair, recipe)) == []
        assert "\n".join(diff(files_before, tree(root))) == ""
        assert runtime_leftovers(root) == []
        assert _state_file(root) == state_file_before
        passed = True
    finally:
        if not passed:
            pairs.discard(recipe)


@pytest.mark.netns
@pytest.mark.parametrize("recipe", ["custom-nat", "custom-routed"])
def test_a_run_killed_after_its_last_step_rolls_back_to_as_before(
    recipe: str, pairs: Pairs, root: Path
) -> None:
    """The fault cases above never undo the last step (starting dnsmasq); this one does."""
    pair = pairs.get(recipe)
    answers = RECIPES[recipe][0]
    passed = False
    try:
        seed(root)
        files_before, state_file_before = tree(root), _state_file(root)
        fault = f"after-step:{_steps(answers)}:kill"
        result = wizard(
            "apply",
            "--answers",
            str(answers),
            "--root",
            str(root),
            "--netns",
            pair.host.name,
            "--yes",
            "--confirm-timeout",
            CONFIRM_TIMEOUT,
            env={"VIRTNET_FAULT": fault},
        )
        assert result.returncode == -9, str(result)
        # Everything is in place, the daemon included, and the snapshot sees it.
        assert "dnsmasq" in live_processes(pair.host)
        assert interfaces_up(root) != []
        assert state_diff(pair.before, host_state(pair.host)) != []
        assert diff(files_before, tree(root)) != []

        back = wizard("rollback", "--root", str(root), "--netns", pair.host.name)
        assert back.returncode == 0, str(back)
        assert journal(root)[-1]["event"] == "rollback-done"
        assert "dnsmasq" not in live_processes(pair.host)
        assert interfaces_up(root) == []
        assert state_diff(pair.before, host_state(pair.host)) == []
        assert "\n".join(diff(files_before, tree(root))) == ""
        assert runtime_leftovers(root) == []
        assert _state_file(root) == state_file_before
        passed = True
    finally:
        if not passed:
            pairs.discard(recipe)
