"""A fault before any step of the keyfile stages, on a host that runs NetworkManager.

The bridged conversion and the VM-only bridge (profiles written, loaded, activated) and
the first step after them: a failure there must leave links, addresses, routes, files,
profiles and active connections as they were, with the real NetworkManager taking the
old profile back.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.netns import Netns, netns_unavailable

from e2e.networkmanager import NetworkManager, active_connections, fault_steps, nm_host
from e2e.stack_hosts import files_under
from e2e.topology import full_state, live_processes, settle, state_diff, topology
from e2e.wizard import wizard

ANSWERS = Path(__file__).with_name("answers") / "stack-faults.toml"
WIZARD_DIR = "var/lib/virtnet-wizard"


@dataclass
class NmHost:
    stack: ExitStack
    host: Netns
    root: Path
    daemon: NetworkManager
    before: dict[str, object]
    files: dict[str, tuple[str, int]]
    profiles: list[str]
    active: list[str]


class NmHosts:
    """One NetworkManager host, reused while each case leaves it as it was."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.made: NmHost | None = None
        self.count = 0

    def get(self) -> NmHost:
        if self.made is None:
            stack = ExitStack()
            try:
                topo = stack.enter_context(topology())
                self.count += 1
                root = self.tmp / f"nm{self.count}" / "root"
                root.mkdir(parents=True)
                daemon = stack.enter_context(nm_host(topo, root, root.parent))
                host = topo["host"]
                state, files = full_state(host), files_under(root)
                self.made = NmHost(
                    stack,
                    host,
                    root,
                    daemon,
                    state,
                    files,
                    daemon.profiles(),
                    active_connections(daemon),
                )
            except BaseException:
                stack.close()
                raise
        return self.made

    def discard(self) -> None:
        if self.made is not None:
            self.made.stack.close()
            self.made = None


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NmHosts]:
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    if shutil.which("NetworkManager") is None:
        pytest.skip("NetworkManager is not installed (network-manager)")
    made = NmHosts(tmp_path_factory.mktemp("nm"))
    try:
        yield made
    finally:
        made.discard()


def _as_before(made: NmHost) -> bool:
    return (
        full_state(made.host) == made.before
        and made.daemon.profiles() == made.profiles
        and active_connections(made.daemon) == made.active
    )


@pytest.mark.netns
@pytest.mark.parametrize(
    ("step", "what"), [pytest.param(n, w, id=f"step{n:02d}") for n, w in fault_steps()]
)
def test_a_fault_in_the_keyfile_stages_rolls_back(step: int, what: str, hosts: NmHosts) -> None:
    made = hosts.get()
    passed = False
    try:
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
            env={"VIRTNET_FAULT": f"before-step:{step}:fail"},
        )
        assert result.returncode == 3, str(result)
        assert f"{step:3d}. {what}" in result.stdout + result.stderr, str(result)
        assert "everything it changed was rolled back" in result.stderr, str(result)
        assert "dnsmasq" not in live_processes(made.host)
        settle(made.host)
        deadline = time.monotonic() + 5  # NetworkManager re-activates eth0 a moment later
        while not _as_before(made) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert state_diff(made.before, full_state(made.host)) == []
        assert made.daemon.profiles() == made.profiles
        assert active_connections(made.daemon) == made.active
        assert files_under(made.root) == made.files
        shutil.rmtree(made.root / WIZARD_DIR)  # the next case starts with no run
        passed = True
    finally:
        if not passed:
            hosts.discard()


def test_the_cases_cover_the_keyfilefault_steps() -> None:
    """The sample holds the profiles, their loading and activation, for both bridges."""
    described = " | ".join(what for _, what in fault_steps())
    assert "profile br0: eth0's MAC" in described
    assert "make NetworkManager read the two profiles" in described
    assert "activate br0, which takes eth0 as its port" in described
    assert "profile virbr10: its MAC and addresses" in described
    assert "create virbr10 and give it its addresses" in described
