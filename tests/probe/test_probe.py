"""The host probe against sandboxes: empty, odd, the seeded demo host, and a host that hangs."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from virtnet_tui.core.answers import parse_answers
from virtnet_tui.core.errors import AnswersError
from virtnet_tui.core.model import HostFacts
from virtnet_tui.core.planning import prepare
from virtnet_tui.hosts.base import CommandResult
from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import (
    SANDBOX_COMMAND_LOG,
    SANDBOX_ENVIRON,
    SANDBOX_RESPONSES,
    SandboxHost,
)
from virtnet_tui.probe import run as probe_module
from virtnet_tui.probe.commands import IP_ADDRESS, IP_LINK, IP_ROUTES4, UNAME_RELEASE
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.probe.run import facts_for_uplink, merge_facts, probe, suggest_situation


class BareHost(RealHost):
    """A machine with nothing at all: no files, no programs, no libvirtd."""

    def __init__(self, root: Path, delay: float = 0.0, slow: Sequence[str] = ()) -> None:
        super().__init__(root)
        self.delay = delay
        self.slow = tuple(slow)
        self.ran: list[tuple[str, ...]] = []

    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        self.ran.append(tuple(argv))
        time.sleep(self.delay)
        if tuple(argv) == self.slow:
            time.sleep(3)
        return CommandResult(tuple(argv), 127, "", f"{argv[0]}: No such file or directory")

    @property
    def environ(self) -> dict[str, str]:
        return {}

    def libvirt_uri(self) -> str:
        return f"qemu+unix:///system?socket={self.root}/no/such/libvirt-sock"


def _responses(root: Path) -> dict[str, object]:
    data = json.loads((root / SANDBOX_RESPONSES).read_text())
    assert isinstance(data, dict)
    return data


def _write_responses(root: Path, data: dict[str, object]) -> None:
    (root / SANDBOX_RESPONSES).parent.mkdir(parents=True, exist_ok=True)
    (root / SANDBOX_RESPONSES).write_text(json.dumps(data))


def test_a_host_with_nothing_gives_problems_not_exceptions(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    host = BareHost(tmp_path)
    result = probe(host)
    problems = "\n".join(result.problems)
    assert "distribution not recognised" in problems
    assert "`ip -j -d link show` failed (not installed)" in problems
    assert "dnsmasq: `dnsmasq --version` failed (not installed)" in problems
    assert "kernel: `uname -r` failed (not installed)" in problems
    assert "no uplink interface found" in problems
    assert "libvirt unreachable:" in problems
    assert "modprobe: not installed; assuming the kernel has no dummy links" in problems
    assert not result.libvirt_reachable and result.libvirt_networks == ()
    assert result.interfaces == () and result.ssh is None
    facts = result.facts
    assert facts.uplink_interface == "" and facts.ipv4 == "" and facts.mac == ""
    assert not facts.default_network_active and not facts.systemd and not facts.dummy_supported
    assert facts.files == () and facts.used_bridges == () and facts.used_subnets == ()
    # the fall-backs are the model's defaults, and each one is named in the problems
    assert facts.kernel == HostFacts().kernel and facts.dnsmasq_version == "2.90"
    assert suggest_situation(result) == {}
    # libvirt's own error printer is silenced: a TUI's screen must not get stray text
    assert "libvirt:" not in capfd.readouterr().err


def test_an_empty_sandbox_runs_no_command_and_logs_none(tmp_path: Path) -> None:
    result = probe(SandboxHost(tmp_path))
    assert result.commands == ()
    assert not (tmp_path / SANDBOX_COMMAND_LOG).exists(), "probing must not look like a change"
    assert (
        "`ip -j -d link show` failed (no canned answer in the sandbox): interfaces read from /sys"
        in result.problems
    )
    # the sandbox's libvirt is the test driver, which starts with libvirt's default network
    assert result.libvirt_reachable
    assert result.facts.used_networks == ("default",)
    assert result.facts.default_network_active
    assert result.facts.used_bridges == ("virbr0",)


def test_odd_output_becomes_a_problem(tmp_path: Path) -> None:
    _write_responses(
        tmp_path,
        {
            " ".join(IP_LINK): "this is not json",
            " ".join(IP_ADDRESS): json.dumps({"not": "a list"}),
            " ".join(IP_ROUTES4): json.dumps([{}, {"dst": "default"}, {"dst": "bogus/99"}]),
            " ".join(UNAME_RELEASE): "who knows\n",
            "dnsmasq --version": "Dnsmasq, no number here\n",
        },
    )
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text('ID="arch"\nVERSION_ID="rolling release!"\n')
    (tmp_path / "etc/hostname").write_text("not a valid_name!\n")
    result = probe(SandboxHost(tmp_path))
    problems = "\n".join(result.problems)
    assert "`ip -j -d link show` printed something that is not JSON" in problems
    assert "`ip -j address show` printed JSON that is not a list" in problems
    assert "kernel: `uname -r` failed (odd release 'who knows')" in problems
    assert "dnsmasq: no version number" in problems
    assert "distribution not recognised" in problems
    assert "odd distribution release 'rolling release!'" in problems
    assert "odd host name 'not a valid_name!'" in problems
    assert result.facts.hostname == "host" and result.facts.distro_version == ""
    assert result.default_routes == (), "a default route without a device is ignored"


def test_demo_sandbox_gives_the_demo_host(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    result = probe(SandboxHost(tmp_path))
    interfaces = (tmp_path / "etc/network/interfaces").read_text()
    assert result.facts == HostFacts(
        distro="debian",
        distro_version="12",
        network_manager=False,
        netconfig="ifupdown",
        systemd=True,
        uplink_interface="eth0",
        wireless_interface="",
        mac="0c:c4:7a:92:ec:ee",
        ipv4="203.0.113.10/24",
        gateway4="203.0.113.1",
        ipv6="2001:db8:5::2/64",
        gateway6="fe80::1",
        dnsmasq_version="2.89",
        kernel="6.1.0-18-amd64",
        dummy_supported=True,
        ssh_port=22,
        hostname="demo",
        files=(("/etc/network/interfaces", interfaces),),
        used_bridges=("eth0", "lo", "virbr0"),
        # eth0's own subnets are the uplink's (host.ipv4/ipv6), not "used" ones
        used_subnets=("192.168.122.0/24",),
        used_networks=("default",),
        system_dnsmasq=False,
        default_network_active=True,
        # libvirt brought dnsmasq and iptables along, and nft is there; no bridge-utils,
        # no radvd.
        installed=("dnsmasq", "libvirt", "iptables", "nftables"),
    )
    assert result.problems == ()
    assert [(i.name, i.kind, i.state) for i in result.interfaces] == [
        ("lo", "loopback", "unknown"),
        ("eth0", "ethernet", "up"),
    ]
    assert result.ssh is not None
    assert (result.ssh.client, result.ssh.server_port, result.ssh.interface) == (
        "198.51.100.23",
        22,
        "eth0",
    )
    assert result.firewalls.nftables_installed and not result.firewalls.docker_installed
    assert suggest_situation(result) == {
        "uplink": "ethernet",
        "ipv6_prefix": 64,
        "site": "dedicated",
    }
    # every canned answer is used, and no command ran without one
    assert {" ".join(c) for c in result.commands} == set(_responses(tmp_path))
    assert not (tmp_path / SANDBOX_COMMAND_LOG).exists()


def test_demo_host_plans_with_the_probed_facts(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    result = probe(SandboxHost(tmp_path))
    situation = suggest_situation(result)
    answers = parse_answers(
        '[situation]\nsite = "dedicated"\nuplink = "ethernet"\nbridging_allowed = true\n'
        f"ipv6_prefix = {situation['ipv6_prefix']}\n"
    )
    prepared = prepare(merge_facts(result.facts, answers))
    assert [n.type for n in prepared.answers.networks] == ["bridged"]
    written = {path: step.content for path, step in prepared.plan.files().items()}
    # the bridge takes over eth0's addresses, read from the demo's interfaces file
    assert "bridge_ports eth0" in written["/etc/network/interfaces"]
    assert "203.0.113.10" in written["/etc/network/interfaces"]


def test_seeding_twice_keeps_what_the_sandbox_holds(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    (tmp_path / "etc/network/interfaces").write_text("# changed by an apply\n")
    seed_demo_host(tmp_path)
    assert (tmp_path / "etc/network/interfaces").read_text() == "# changed by an apply\n"


def test_sysfs_stands_in_when_ip_is_missing(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    data = _responses(tmp_path)
    del data[" ".join(IP_LINK)]
    _write_responses(tmp_path, data)
    wlan = tmp_path / "sys/class/net/wlan0"
    (wlan / "wireless").mkdir(parents=True)
    (wlan / "type").write_text("1\n")
    (wlan / "address").write_text("a4:34:d9:00:00:01\n")
    (wlan / "operstate").write_text("up\n")
    result = probe(SandboxHost(tmp_path))
    assert any("interfaces read from /sys" in p for p in result.problems)
    assert [(i.name, i.kind, i.mac) for i in result.interfaces] == [
        ("eth0", "ethernet", "0c:c4:7a:92:ec:ee"),
        ("lo", "loopback", ""),
        ("wlan0", "wireless", "a4:34:d9:00:00:01"),
    ]
    assert result.wireless
    assert result.facts.uplink_interface == "eth0"
    assert result.facts.wireless_interface == "wlan0"
    assert suggest_situation(result)["uplink"] == "both"


def test_sandbox_environ_file_decides_the_ssh_session(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    (tmp_path / SANDBOX_ENVIRON.lstrip("/")).write_text(
        json.dumps({"SSH_CONNECTION": "::ffff:198.51.100.23 50522 203.0.113.10 2222"})
    )
    result = probe(SandboxHost(tmp_path))
    assert result.ssh is not None and result.ssh.client == "198.51.100.23"
    assert result.facts.ssh_port == 2222
    (tmp_path / SANDBOX_ENVIRON.lstrip("/")).unlink()
    (tmp_path / "etc/ssh").mkdir(parents=True)
    (tmp_path / "etc/ssh/sshd_config").write_text("# Port 22\nPort 2200\n")
    result = probe(SandboxHost(tmp_path))
    assert result.ssh is None and result.facts.ssh_port == 2200


def test_merge_facts_gives_the_answers_file_the_last_word(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    probed = probe(SandboxHost(tmp_path)).facts
    answers = parse_answers(
        '[situation]\nsite = "dedicated"\nuplink = "ethernet"\n'
        '[host]\nuplink_interface = "eno1"\nssh_port = 2222\nnetwork_manager = false\n'
    )
    merged = merge_facts(probed, answers)
    assert merged.host_given == ("network_manager", "uplink_interface", "ssh_port")
    assert merged.host.uplink_interface == "eno1"
    assert merged.host.ssh_port == 2222
    assert merged.host.network_manager is False
    # everything the file did not say comes from the probe, files included
    assert merged.host.ipv4 == "203.0.113.10/24" and merged.host.hostname == "demo"
    assert merged.host.files == probed.files and merged.host.files
    assert merged.situation == answers.situation
    # without a [host] table the probe decides everything
    bare = parse_answers('[situation]\nsite = "dedicated"\nuplink = "ethernet"\n')
    assert merge_facts(probed, bare).host == probed


def test_facts_for_another_uplink(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    result = probe(SandboxHost(tmp_path))
    other = facts_for_uplink(result, "lo")
    assert (other.uplink_interface, other.mac, other.ipv4, other.gateway4) == ("lo", "", "", "")
    assert facts_for_uplink(result, "eth0") == result.facts
    assert replace(other, uplink_interface="eth0") != result.facts


def test_commands_run_side_by_side(tmp_path: Path) -> None:
    host = BareHost(tmp_path, delay=0.4)
    began = time.monotonic()
    probe(host)
    took = time.monotonic() - began
    assert len(host.ran) >= 6
    # one after another they would take 0.4 s each
    assert took < 0.4 * len(host.ran) / 2, f"{len(host.ran)} commands took {took:.2f} s"


def test_a_hung_command_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe_module, "PROBE_DEADLINE", 0.5)
    host = BareHost(tmp_path, slow=("dnsmasq", "--version"))
    began = time.monotonic()
    result = probe(host)
    assert time.monotonic() - began < 2.5
    assert any("dnsmasq --version` failed (no answer within 0.5 s)" in p for p in result.problems)


def test_the_probe_never_writes_through_the_host(tmp_path: Path) -> None:
    class Watching(BareHost):
        def write_bytes(
            self,
            path: str,
            content: bytes,
            mode: int = 0o644,
            uid: int = -1,
            gid: int = -1,
            *,
            replace_link: bool = False,
        ) -> None:
            raise AssertionError(f"the probe wrote {path}")

        def remove(self, path: str) -> None:
            raise AssertionError(f"the probe removed {path}")

    probe(Watching(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_probed_host_accepts_a_routed_slice_of_its_own_block(tmp_path: Path) -> None:
    # The handbook's routed networks cut the VM subnet out of the host's own block.
    seed_demo_host(tmp_path)
    facts = probe(SandboxHost(tmp_path)).facts
    answers = parse_answers(
        '[situation]\nsite = "dedicated"\nuplink = "ethernet"\npublic_ipv4 = 6\nvms = 4\n'
        'firewall = "manual"\n\n[[network]]\ntype = "custom-routed"\nname = "virbr10"\n'
        'ipv4 = "203.0.113.88/29"\ndhcp4 = ["203.0.113.89", "203.0.113.94"]\n'
    )
    prepared = prepare(merge_facts(facts, answers))
    assert "/etc/virtnet-wizard/firewall/virbr10.v4" in prepared.plan.files()
    # ...but not one that holds the host's own address
    clash = parse_answers(
        '[situation]\nsite = "dedicated"\nuplink = "ethernet"\nfirewall = "manual"\n\n'
        '[[network]]\ntype = "custom-routed"\nname = "virbr10"\nipv4 = "203.0.113.8/29"\n'
    )
    with pytest.raises(AnswersError):
        prepare(merge_facts(facts, clash))


def test_what_is_installed_is_told_by_the_programs(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    assert probe(host).facts.installed == ()
    for program in ("/usr/sbin/brctl", "/usr/bin/virsh", "/sbin/iptables-restore"):
        host.write_text(program, "#!/bin/sh\n", mode=0o755)
    # virsh alone is not libvirt (no daemon), iptables-restore alone not iptables (no v6).
    assert probe(host).facts.installed == ("bridge-utils",)
    host.write_text("/usr/sbin/virtnetworkd", "#!/bin/sh\n", mode=0o755)
    host.write_text("/usr/sbin/ip6tables-restore", "#!/bin/sh\n", mode=0o755)
    assert set(probe(host).facts.installed) == {"bridge-utils", "libvirt", "iptables"}
