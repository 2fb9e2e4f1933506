"""NetnsHost: commands run in the namespace, see the root's files, and never touch the machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support.netns import Netns

from e2e.runner import Runner
from e2e.topology import live_processes, machine_snapshot
from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.plan import Plan, Stage, SysctlStep
from virtnet_tui.core.planning import prepare
from virtnet_tui.hosts.netns import NETNS_EXEC, NetnsHost

ANSWERS = Path(__file__).with_name("answers")


def _plan(name: str) -> Plan:
    return prepare(load_answers(ANSWERS / name)).plan


def _stage(plan: Plan, starts: str) -> Stage:
    return next(s for s in plan.stages if s.name.startswith(starts))


@pytest.fixture
def machine() -> dict[str, object]:
    """The machine's side of things before the test (compared again by the test)."""
    return machine_snapshot()


def test_commands_are_wrapped_for_the_namespace(root: Path) -> None:
    plain = NetnsHost("somens")
    assert plain.wrap(["ip", "link"]) == ["ip", "netns", "exec", "somens", "ip", "link"]
    mapped = NetnsHost("somens", root)
    assert mapped.wrap(["ifup", "br0"]) == [
        "ip", "netns", "exec", "somens", sys.executable, "-I", NETNS_EXEC, str(root),
        "--", "ifup", "br0",
    ]  # fmt: skip
    assert mapped.libvirt_uri() == f"qemu:///system?socket={root}/run/libvirt/libvirt-sock"
    assert plain.libvirt_uri() == "qemu:///system"


def test_a_relative_root_is_made_absolute(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root.parent)
    assert NetnsHost("somens", root.name).root == root


@pytest.mark.netns
def test_commands_see_the_roots_files_over_the_machines(
    ns: Netns, root: Path, machine: dict[str, object]
) -> None:
    host = NetnsHost(ns.name, root)
    host.write_text("/etc/network/interfaces", "# the plan's\n")
    host.write_text("/var/lib/dnsmasq/br9/hostsfile", "52:54:00:00:00:01,192.0.2.9\n")
    assert host.run(["cat", "/etc/network/interfaces"]).stdout == "# the plan's\n"
    assert "192.0.2.9" in host.run(["cat", "/var/lib/dnsmasq/br9/hostsfile"]).stdout
    # The machine's files next to them stay visible: ifup still finds bridge-utils' hooks,
    # and /var/lib still holds dpkg's database beside the root's dnsmasq folder.
    hooks = host.run(["ls", "/etc/network/if-pre-up.d"]).stdout.split()
    assert hooks == sorted(os.listdir("/etc/network/if-pre-up.d"))
    var_lib = host.run(["ls", "/var/lib"]).stdout.split()
    assert "dnsmasq" in var_lib and "dpkg" in var_lib
    # ... and they run in the namespace: only its loopback is there.
    assert host.run(["ip", "-o", "link"]).stdout.count("\n") == 1
    assert machine_snapshot() == machine


@pytest.mark.netns
def test_only_the_root_is_writable(ns: Netns, root: Path, machine: dict[str, object]) -> None:
    host = NetnsHost(ns.name, root)
    host.write_text("/var/lib/dnsmasq/br9/leases", "")
    # Writes land in the root's folders ...
    assert host.run(["touch", "/var/lib/dnsmasq/br9/new"]).ok
    assert (root / "var/lib/dnsmasq/br9/new").exists()
    # ... and nowhere else: the machine's files are read-only to the command.
    for path in ("/etc/vnw-probe", "/var/lib/vnw-probe", "/etc/network/vnw-probe"):
        result = host.run(["touch", path])
        assert not result.ok and "Read-only file system" in result.stderr, path
        assert not os.path.exists(path)
    # /tmp and /dev/shm are scratch space: writable, forgotten when the command ends.
    for scratch in ("/tmp/vnw-scratch-probe", "/dev/shm/vnw-scratch-probe"):
        assert host.run(["touch", scratch]).ok
        assert not os.path.exists(scratch)
    assert machine_snapshot() == machine


@pytest.mark.netns
def test_run_is_the_roots_and_lasts_between_commands(
    ns: Netns, root: Path, machine: dict[str, object]
) -> None:
    host = NetnsHost(ns.name, root)
    assert host.run(["mkdir", "-p", "/var/run/dnsmasq"]).ok  # /var/run is /run, as on Debian
    assert host.run(["touch", "/run/dnsmasq/br9.pid"]).ok
    assert host.run(["ls", "/var/run/dnsmasq"]).stdout.split() == ["br9.pid"]
    assert (root / "run/dnsmasq/br9.pid").exists()
    # The machine's /run is out of sight, so systemctl finds no systemd to act on.
    for name in set(os.listdir("/run")) - set(os.listdir(root / "run")):
        assert not host.run(["test", "-e", f"/run/{name}"]).ok, name
    # A file the plan writes under /var/run is where commands look for it.
    host.write_text("/var/run/vnw/marker", "x")
    assert host.run(["cat", "/run/vnw/marker"]).stdout == "x"
    assert machine_snapshot() == machine


@pytest.mark.netns
def test_ifup_reads_the_plans_interfaces_and_keeps_its_state_under_the_root(
    ns: Netns, root: Path, machine: dict[str, object]
) -> None:
    # The Debian stanza of a custom network without a dummy link type (the bridge's MAC is
    # set on the bridge), with IPv6 and no DAD, brought up by the real ifup.
    stage = _stage(_plan("custom-routed.toml"), "Create virtual bridge")
    runner = Runner(NetnsHost(ns.name, root))
    for step in stage.steps:
        runner.apply_step(step)
    link = ns.run("ip", "-o", "link", "show", "virbr20").stdout
    assert "52:54:00:7e:27:b0" in link and ",UP" in link
    addrs = ns.run("ip", "-o", "address", "show", "dev", "virbr20").stdout
    assert "192.0.2.1/28" in addrs and "2001:db8:2::1/64" in addrs
    assert "virbr20" in (root / "run/network/ifstate.virbr20").read_text()
    runner.undo()
    assert runner.undo_failures == []
    assert "virbr20" not in ns.run("ip", "-o", "link").stdout
    assert not (root / "etc/network/interfaces").exists()
    assert machine_snapshot() == machine


@pytest.mark.netns
def test_a_daemon_keeps_the_roots_files(ns: Netns, root: Path, machine: dict[str, object]) -> None:
    # dnsmasq without systemd: started directly, its pid file under /var/run/dnsmasq.
    plan = _plan("custom-nat.toml")
    runner = Runner(NetnsHost(ns.name, root))
    for stage in (_stage(plan, "Create virtual bridge"), _stage(plan, "Run dnsmasq")):
        for step in stage.steps:
            runner.apply_step(step)
    pid = (root / "run/dnsmasq/virbr10.pid").read_text().strip()
    assert "dnsmasq" in live_processes(ns)
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "dnsmasq"
    # It lives on in its own mount namespace, where /var/lib/dnsmasq is the root's folder
    # (/proc/PID/root shows the files as the daemon sees them).
    seen = Path(f"/proc/{pid}/root/var/lib/dnsmasq/virbr10/leases").stat()
    ours = (root / "var/lib/dnsmasq/virbr10/leases").stat()
    assert (seen.st_dev, seen.st_ino) == (ours.st_dev, ours.st_ino)
    runner.undo()
    assert runner.undo_failures == []
    assert "dnsmasq" not in live_processes(ns)
    assert machine_snapshot() == machine


@pytest.mark.netns
def test_sysctl_changes_only_the_namespace(ns: Netns, root: Path) -> None:
    plan = _plan("custom-routed.toml")
    step = next(s for _, _, s in plan.steps() if isinstance(s, SysctlStep))
    machine_v4 = Path("/proc/sys/net/ipv4/ip_forward").read_text()
    machine_v6 = Path("/proc/sys/net/ipv6/conf/all/forwarding").read_text()
    ns.run("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1")
    host = NetnsHost(ns.name, root)
    assert host.run(step.argv()).ok
    assert ns.run("sysctl", "-n", "net.ipv4.ip_forward").stdout.strip() == "1"
    assert ns.run("sysctl", "-n", "net.ipv6.conf.all.forwarding").stdout.strip() == "1"
    assert ns.run("sysctl", "-n", "net.ipv6.conf.eth0.accept_ra").stdout.strip() == "2"
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text() == machine_v4
    assert Path("/proc/sys/net/ipv6/conf/all/forwarding").read_text() == machine_v6


@pytest.mark.netns
def test_exit_status_and_a_missing_program(ns: Netns, root: Path) -> None:
    host = NetnsHost(ns.name, root)
    assert host.run(["true"]).ok
    assert host.run(["false"]).returncode == 1
    missing = host.run(["virtnet-no-such-program"])
    assert missing.returncode == 127 and "virtnet-no-such-program" in missing.stderr
