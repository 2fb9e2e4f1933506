"""A fault before any step of the stack's stages, on a host that runs systemd-networkd.

The stages that netplan or networkd shape (the bridged conversion, the VM-only bridge)
and the first step after them: a failure there must leave links, addresses, routes and
files as they were, with the real networkd taking the old configuration back.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from support.netns import Netns, netns_unavailable

from e2e.stack_hosts import HOSTS, files_under, stack_host
from e2e.topology import HOST_MAC, full_state, live_processes, settle, state_diff, topology
from e2e.wizard import wizard
from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.model import HostFacts
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.recipes.packages import NEEDS

ANSWERS = Path(__file__).with_name("answers") / "stack-faults.toml"
KINDS = ("netplan", "networkd")
WIZARD_DIR = "var/lib/virtnet-wizard"


def _steps(kind: str) -> list[tuple[int, str]]:
    """The plan's steps in the stack's stages and the one after: (number, description).

    The plan apply makes after probing the namespace: the stack, the file that
    configures eth0 and the uplink's addresses are what the probe finds there.
    """
    release, path, text = HOSTS[kind]
    answers = load_answers(ANSWERS)
    host = HostFacts(
        distro="ubuntu" if "ubuntu" in release else "debian",
        netconfig=kind,  # type: ignore[arg-type]
        systemd=False,
        uplink_interface="eth0",
        mac=HOST_MAC,
        ipv4="198.51.100.2/24",
        gateway4="198.51.100.1",
        dummy_supported=False,
        default_network_active=False,
        installed=NEEDS,
        files=((f"/{path}", text),),
    )
    plan = prepare(replace(answers, host=host)).plan
    numbered = list(plan.steps())
    shaped = [n for n, stage, _ in numbered if "bridge" in stage.name and stage.network]
    last = max(shaped)
    return [(n, step.describe()) for n, _, step in numbered if n in shaped or n == last + 1]


def _cases() -> list[object]:
    return [
        pytest.param(kind, n, what, id=f"{kind}-step{n:02d}")
        for kind in KINDS
        for n, what in _steps(kind)
    ]


@dataclass
class StackHost:
    stack: ExitStack
    host: Netns
    root: Path
    before: dict[str, object]
    files: dict[str, tuple[str, int]]


class StackHosts:
    """One networkd host per stack, reused while each case leaves it as it was."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.made: dict[str, StackHost] = {}

    def get(self, kind: str) -> StackHost:
        if kind not in self.made:
            stack = ExitStack()
            try:
                topo = stack.enter_context(topology())
                root = self.tmp / kind / "root"
                root.mkdir(parents=True)
                stack.enter_context(stack_host(kind, topo, root, root.parent))
                host = topo["host"]
                self.made[kind] = StackHost(stack, host, root, full_state(host), files_under(root))
            except BaseException:
                stack.close()
                raise
        return self.made[kind]

    def discard(self, kind: str) -> None:
        made = self.made.pop(kind, None)
        if made is not None:
            made.stack.close()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackHosts]:
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    if shutil.which("netplan") is None:
        pytest.skip("netplan is not installed (netplan.io)")
    made = StackHosts(tmp_path_factory.mktemp("stacks"))
    try:
        yield made
    finally:
        for kind in list(made.made):
            made.discard(kind)


@pytest.mark.netns
@pytest.mark.parametrize(("kind", "step", "what"), _cases())
def test_a_fault_in_the_stacks_stages_rolls_back(
    kind: str, step: int, what: str, hosts: StackHosts
) -> None:
    made = hosts.get(kind)
    passed = False
    try:
        fault = f"before-step:{step}:fail"
        result = wizard(
            "apply",
            "--answers",
            str(ANSWERS),
            "--root",
            str(made.root),
            "--netns",
            made.host.name,
            "--yes",
            "--confirm-timeout",
            "10",
            env={"VIRTNET_FAULT": fault},
        )
        assert result.returncode == 3, str(result)
        assert f"{step:3d}. {what}" in result.stdout + result.stderr, str(result)
        assert "everything it changed was rolled back" in result.stderr, str(result)
        assert "dnsmasq" not in live_processes(made.host)
        settle(made.host)
        deadline = time.monotonic() + 5  # networkd configures eth0 again a moment later
        while full_state(made.host) != made.before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert state_diff(made.before, full_state(made.host)) == []
        assert files_under(made.root) == made.files
        shutil.rmtree(made.root / WIZARD_DIR)  # the next case starts with no run
        passed = True
    finally:
        if not passed:
            hosts.discard(kind)


def test_the_cases_cover_the_stacks_own_commands() -> None:
    """The sample holds each stack's bridge creation, reloads and files."""
    for kind in KINDS:
        described = " | ".join(what for _, what in _steps(kind))
        assert "create bridge br0" in described
        assert "make systemd-networkd put eth0 into br0" in described
        assert "make systemd-networkd create virbr10" in described
    assert "turn the YAML into systemd-networkd units" in " ".join(w for _, w in _steps("netplan"))
