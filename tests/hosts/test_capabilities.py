"""Each kind of host answers every capability question, and its answers match what it does."""

from __future__ import annotations

import json
import os
import typing
from pathlib import Path

import pytest
from support.netns import Netns

from virtnet_tui.hosts.base import Host, HostKind
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import SANDBOX_ENVIRON, SANDBOX_RESPONSES, SandboxHost
from virtnet_tui.probe.commands import IP_LINK
from virtnet_tui.probe.demo import seed_demo_host

#: What each kind of host answers; a new capability must be added here for every kind.
EXPECTED: dict[HostKind, dict[str, object]] = {
    "real": {
        "runs_commands": True,
        "sysfs_shows_links": True,
        "needs_root": True,
        "session_environ_file": None,
    },
    "sandbox": {
        "runs_commands": False,
        "sysfs_shows_links": True,
        "needs_root": False,
        "session_environ_file": SANDBOX_ENVIRON,
    },
    "netns": {
        "runs_commands": True,
        "sysfs_shows_links": False,
        "needs_root": True,
        "session_environ_file": None,
    },
}


def _host(kind: HostKind, tmp_path: Path) -> Host:
    hosts: dict[HostKind, Host] = {
        "real": RealHost(),
        "sandbox": SandboxHost(tmp_path / "sandbox"),
        # Made, never run: no namespace is needed to read its answers.
        "netns": NetnsHost("somens", tmp_path / "netns"),
    }
    return hosts[kind]


def _link_names(ip_link_json: str) -> set[str]:
    return {str(link["ifname"]) for link in json.loads(ip_link_json)}


def test_the_table_covers_every_capability_and_every_kind() -> None:
    declared = set(typing.get_type_hints(Host)) - {"kind"}
    assert declared == {"runs_commands", "sysfs_shows_links", "needs_root", "session_environ_file"}
    assert set(EXPECTED) == set(typing.get_args(HostKind))
    for answers in EXPECTED.values():
        assert set(answers) == declared


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_host_answers_its_capabilities(kind: HostKind, tmp_path: Path) -> None:
    host = _host(kind, tmp_path)
    assert host.kind == kind
    assert {name: getattr(host, name) for name in EXPECTED[kind]} == EXPECTED[kind]


@pytest.mark.parametrize("kind", ["real", "sandbox"])
def test_runs_commands_says_whether_run_really_runs(kind: HostKind, tmp_path: Path) -> None:
    host = _host(kind, tmp_path)
    marker = tmp_path / "ran"
    assert host.run(["touch", str(marker)]).ok
    assert marker.exists() == host.runs_commands


@pytest.mark.netns
def test_a_namespace_runs_its_commands(ns: Netns, tmp_path: Path) -> None:
    host = NetnsHost(ns.name)
    marker = tmp_path / "ran"
    assert host.run(["touch", str(marker)]).ok
    assert host.runs_commands and marker.exists()


def test_the_machine_shows_its_links_in_sys() -> None:
    host = RealHost()
    assert host.sysfs_shows_links
    links = host.run(list(IP_LINK))
    assert links.ok, links.stderr
    assert set(host.list_dir("/sys/class/net")) == _link_names(links.stdout)


def test_the_sandbox_shows_its_links_in_its_own_sys(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    host = SandboxHost(tmp_path)
    assert host.sysfs_shows_links
    names = set(host.list_dir("/sys/class/net"))
    assert names and names == _link_names(host.run(list(IP_LINK)).stdout)


@pytest.mark.netns
def test_a_namespace_links_are_not_in_the_sys_its_host_reads(ns: Netns) -> None:
    ns.add_bridge("vnwcap0")
    host = NetnsHost(ns.name)
    assert not host.sysfs_shows_links
    assert "vnwcap0" in _link_names(host.run(list(IP_LINK)).stdout)
    assert "vnwcap0" not in host.list_dir("/sys/class/net")


def test_the_sandbox_keeps_the_session_environment_in_its_file(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    host = SandboxHost(tmp_path)
    assert host.session_environ_file is not None
    data = json.loads(host.read_text(host.session_environ_file) or "")
    assert "SSH_CONNECTION" in data


def test_the_machine_session_environment_is_the_process_environment() -> None:
    host = RealHost()
    assert host.session_environ_file is None and host.environ is os.environ


def test_the_sandbox_answers_canned_commands_without_recording_them(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    assert host.canned_commands() == frozenset()
    responses = tmp_path / SANDBOX_RESPONSES
    responses.parent.mkdir(parents=True)
    responses.write_text(json.dumps({"uname -r": "6.1.0-13-amd64\n", "ip -j link show": "[]"}))
    assert host.canned_commands() == {"uname -r", "ip -j link show"}
    assert host.run(["uname", "-r"]).stdout == "6.1.0-13-amd64\n"
    assert host.recorded.commands == []
    responses.write_text("{not json")
    assert host.canned_commands() == frozenset()


@pytest.mark.parametrize("kind", ["real", "netns"])
def test_hosts_that_run_commands_have_none_canned(kind: HostKind, tmp_path: Path) -> None:
    assert _host(kind, tmp_path).canned_commands() == frozenset()


def test_programs_are_found_where_commands_run(tmp_path: Path) -> None:
    # The machine's python runs in a namespace with a root (the root lies over the
    # machine), but not in a sandbox, whose commands are only recorded.
    import sys

    python = os.path.realpath(sys.executable)
    assert NetnsHost("somens", tmp_path / "netns").has_program(python)
    assert not SandboxHost(tmp_path / "sbx").has_program(python)
    SandboxHost(tmp_path / "sbx").write_text("/usr/sbin/brctl", "#!/bin/sh\n", mode=0o755)
    assert SandboxHost(tmp_path / "sbx").has_program("/usr/sbin/brctl")
    assert not NetnsHost("somens", tmp_path / "netns").has_program("/usr/sbin/no-such-tool")


def test_a_root_prepared_by_commands_side_by_side_is_prepared_once(tmp_path: Path) -> None:
    # The probe starts its commands at once; each prepares the root it runs over.
    from concurrent.futures import ThreadPoolExecutor

    from virtnet_tui.hosts.netns_exec import ROOT_SYMLINKS, prepare_root

    for attempt in range(5):
        root = tmp_path / f"root{attempt}"
        root.mkdir()
        with ThreadPoolExecutor(8) as pool:
            for future in [pool.submit(prepare_root, str(root)) for _ in range(8)]:
                future.result()
        made = [link for link in ROOT_SYMLINKS if os.path.islink(f"{root}{link}")]
        assert made == [link for link in ROOT_SYMLINKS if os.path.islink(link)]
