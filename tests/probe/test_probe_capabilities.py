"""The probe follows the host's capabilities, whatever kind of host it is."""

from __future__ import annotations

import json
from pathlib import Path

from support.capability_hosts import QuietMachine

from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.commands import MISSING, ReadOnlyRunner
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.probe.files import SafeFiles, session_environ
from virtnet_tui.probe.readings import read_interfaces


def test_a_host_that_runs_nothing_is_asked_only_its_canned_commands(tmp_path: Path) -> None:
    host = QuietMachine(tmp_path, {"uname -r": "6.1.0-13-amd64\n"})
    runner = ReadOnlyRunner(host)
    assert runner.run(["uname", "-r"]).stdout == "6.1.0-13-amd64\n"
    assert runner.run(["ip", "-j", "link", "show"]).returncode == MISSING
    assert host.ran == [("uname", "-r")]


def test_the_session_environment_comes_from_the_host_file_when_it_has_one(
    tmp_path: Path,
) -> None:
    class EnvironFromFile(RealHost):
        session_environ_file = "/session.json"

    (tmp_path / "session.json").write_text(json.dumps({"SSH_CONNECTION": "a 1 b 22"}))
    assert session_environ(SafeFiles(EnvironFromFile(tmp_path))) == {"SSH_CONNECTION": "a 1 b 22"}
    (tmp_path / "session.json").write_text("{not json")
    files = SafeFiles(EnvironFromFile(tmp_path))
    assert session_environ(files) == {}
    assert files.problems == ["/session.json is not JSON; the sandbox has no SSH session"]


def test_interfaces_come_from_sys_only_where_it_shows_the_host_links(tmp_path: Path) -> None:
    class HiddenLinks(SandboxHost):
        sysfs_shows_links = False

    seed_demo_host(tmp_path)
    problems: list[str] = []
    assert read_interfaces(SafeFiles(SandboxHost(tmp_path)), None, None, problems)
    assert problems == ["`ip -j -d link show` failed (not run): interfaces read from /sys"]
    problems = []
    assert read_interfaces(SafeFiles(HiddenLinks(tmp_path)), None, None, problems) == ()
    assert problems == ["`ip -j -d link show` failed (not run): no interfaces known"]
