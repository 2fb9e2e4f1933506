"""``dhcp-host add|modify|delete``: live libvirt updates and dnsmasq hostsfiles, one run each."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import diff, fast_root, journal, run_ids, snapshot
from support.rerun_util import FORWARD_80, NAT, NAT_DHCPV6, Sandbox, answers_text, custom_nat

from virtnet_tui.core.changes.dhcp import hostsfile_path
from virtnet_tui.core.changes.dhcp_entries import edit_hostsfile, host_xml, parse_hostsfile
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.core.render.dnsmasq import dnsmasq_paths, render_dnsmasq_host_line
from virtnet_tui.core.render.libvirt_xml import render_dhcp_host_xml


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def _hosts(xml: str) -> list[tuple[str, str]]:
    root = ET.fromstring(xml)
    return [(h.get("mac") or h.get("id") or "", h.get("ip") or "") for h in root.iter("host")]


def test_hundred_hosts_added_one_by_one_are_live_persistent_and_each_its_own_run(
    sandbox: Sandbox,
) -> None:
    created = sandbox.apply(answers_text(NAT))
    commands_before = sandbox.commands()
    wanted = [(f"52:54:00:00:01:{i:02x}", f"192.168.100.{i + 10}") for i in range(100)]
    runs = []
    for mac, ip in wanted:
        runs.append(
            sandbox.change("dhcp-host", "add", "--network", "nat1", "--mac", mac, "--ip", ip)
        )
    assert len(set(runs)) == 100 and run_ids(sandbox.root) == [created, *runs]
    # Live (a new connection asks libvirt) and persistent (what a later process loads).
    assert _hosts(sandbox.live_network_xml("nat1")) == wanted
    assert _hosts(sandbox.saved_network_xml("nat1")) == wanted
    # Never restarted: each run is one net-update step, and nothing else touched libvirt.
    for run_id in runs:
        events = journal(sandbox.root, run_id)
        steps = [e for e in events if e["event"] == "step-done"]
        assert [(e["kind"], e["step"]) for e in steps] == [("libvirt", 1)]
        assert "no restart" in steps[0]["output"]["note"] and "live" in steps[0]["output"]["note"]
        plan = json.loads(
            (sandbox.root / "var/lib/virtnet-wizard/runs" / run_id / "plan.json").read_text()
        )
        [step] = [s for stage in plan["stages"] for s in stage["steps"]]
        assert (step["op"], step["command"], step["parent_index"]) == ("net-update", "add-last", 0)
        assert events[-1]["event"] == "run-done"
    assert sandbox.commands() == commands_before, "a DHCP host change ran a command"
    state = sandbox.network_state("nat1")
    assert [(h["mac"], h["ip"]) for h in state["dhcp_hosts"]] == wanted
    assert state["runs"] == [created, *runs]

    # Each add rolls back on its own, latest first; the others stay live meanwhile.
    for count, run_id in enumerate(reversed(runs), start=1):
        sandbox.ok("rollback", run_id)
        if count in (1, 50):
            assert _hosts(sandbox.live_network_xml("nat1")) == wanted[:-count]
            assert _hosts(sandbox.saved_network_xml("nat1")) == wanted[:-count]
            assert len(sandbox.network_state("nat1")["dhcp_hosts"]) == 100 - count
    assert _hosts(sandbox.saved_network_xml("nat1")) == []
    assert sandbox.network_state("nat1")["runs"] == [created]
    assert sandbox.commands() == commands_before


def test_modify_and_delete_by_mac_and_their_rollback(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(NAT))
    mac = "52:54:00:6f:78:f3"
    sandbox.change("dhcp-host", "add", "--network", "nat1", "--mac", mac, "--ip", "192.168.100.22")
    modified = sandbox.change(
        "dhcp-host",
        "modify",
        "--network",
        "nat1",
        "--mac",
        mac,
        "--ip",
        "192.168.100.33",
        "--name",
        "web",
    )
    root = ET.fromstring(sandbox.live_network_xml("nat1"))
    [entry] = root.iter("host")
    assert entry.attrib == {"mac": mac, "name": "web", "ip": "192.168.100.33"}
    assert sandbox.network_state("nat1")["dhcp_hosts"] == [
        {"ip": "192.168.100.33", "mac": mac, "id": "", "name": "web"}
    ]
    sandbox.ok("rollback", modified)
    assert _hosts(sandbox.live_network_xml("nat1")) == [(mac, "192.168.100.22")]
    assert sandbox.network_state("nat1")["dhcp_hosts"][0]["ip"] == "192.168.100.22"

    deleted = sandbox.change("dhcp-host", "delete", "--network", "nat1", "--mac", mac.upper())
    assert _hosts(sandbox.live_network_xml("nat1")) == []
    assert sandbox.network_state("nat1")["dhcp_hosts"] == []
    sandbox.ok("rollback", deleted)
    assert _hosts(sandbox.saved_network_xml("nat1")) == [(mac, "192.168.100.22")]


def test_ipv6_leases_by_duid_use_the_ipv6_parent_and_modify_as_delete_plus_add(
    sandbox: Sandbox,
) -> None:
    sandbox.apply(answers_text(NAT_DHCPV6))
    duid = "00:01:00:01:1a:ff:2b:ff:52:54:00:8a:11:4c"
    added = sandbox.change(
        "dhcp-host", "add", "--network", "nat1", "--id", duid, "--ip", "2001:db8:0:aa::1222"
    )
    root = ET.fromstring(sandbox.live_network_xml("nat1"))
    ips = root.findall("ip")
    assert ips[1].get("family") == "ipv6"
    assert [h.attrib for h in ips[1].iter("host")] == [{"id": duid, "ip": "2001:db8:0:aa::1222"}]
    assert list(ips[0].iter("host")) == []
    plan = json.loads(
        (sandbox.root / "var/lib/virtnet-wizard/runs" / added / "plan.json").read_text()
    )
    assert plan["stages"][0]["steps"][0]["parent_index"] == 1

    modified = sandbox.change(
        "dhcp-host", "modify", "--network", "nat1", "--id", duid, "--ip", "2001:db8:0:aa::1333"
    )
    plan = json.loads(
        (sandbox.root / "var/lib/virtnet-wizard/runs" / modified / "plan.json").read_text()
    )
    assert [s["command"] for s in plan["stages"][0]["steps"]] == ["delete", "add-last"]
    assert _hosts(sandbox.live_network_xml("nat1")) == [(duid, "2001:db8:0:aa::1333")]
    sandbox.ok("rollback", modified)
    assert _hosts(sandbox.live_network_xml("nat1")) == [(duid, "2001:db8:0:aa::1222")]
    sandbox.change("dhcp-host", "delete", "--network", "nat1", "--id", duid)
    assert _hosts(sandbox.saved_network_xml("nat1")) == []


REFUSALS = [
    # argv after "dhcp-host", the option named, a piece of the reason
    (
        ["add", "--network", "nope", "--mac", "52:54:00:00:00:09", "--ip", "192.168.100.9"],
        "--network",
        "not a network virtnet-wizard manages",
    ),
    (
        ["add", "--network", "nat1", "--mac", "52:54:00:00:00:01", "--ip", "192.168.100.50"],
        "--mac",
        "already has a fixed lease",
    ),
    (
        ["add", "--network", "nat1", "--mac", "52:54:00:00:00:09", "--ip", "192.168.100.40"],
        "--ip",
        "already reserved",
    ),
    (
        ["add", "--network", "nat1", "--mac", "52:54:00:00:00:09", "--ip", "10.1.2.3"],
        "--ip",
        "outside nat1's subnet",
    ),
    (
        ["add", "--network", "nat1", "--mac", "52:54:00:00:00:09", "--ip", "192.168.100.1"],
        "--ip",
        "host's own address",
    ),
    (
        ["add", "--network", "nat1", "--mac", "52:54:00:00:00:09", "--ip", "192.168.100.255"],
        "--ip",
        "broadcast",
    ),
    (["add", "--network", "nat1", "--mac", "52:54:00:00:00:09"], "--ip", "missing"),
    (
        ["add", "--network", "nat1", "--mac", "zz:54:00:00:00:09", "--ip", "192.168.100.9"],
        "--mac",
        "MAC address",
    ),
    (
        ["add", "--network", "nat1", "--mac", "52:54:00:00:00:09", "--ip", "2001:db8::9"],
        "--ip",
        "IPv4",
    ),
    (
        ["add", "--network", "nat1", "--id", "00:01:00:01:aa:bb", "--ip", "2001:db8:0:aa::9"],
        "--id",
        "DHCPv6",
    ),
    (
        [
            "add",
            "--network",
            "nat1",
            "--mac",
            "52:54:00:00:00:09",
            "--ip",
            "192.168.100.9",
            "--name",
            "bad_name",
        ],
        "--name",
        "host name",
    ),
    (
        ["modify", "--network", "nat1", "--mac", "52:54:00:00:00:09", "--ip", "192.168.100.9"],
        "--mac",
        "no fixed lease",
    ),
    (["delete", "--network", "nat1", "--mac", "52:54:00:00:00:09"], "--mac", "no fixed lease"),
    (
        ["delete", "--network", "nat1", "--mac", "52:54:00:00:00:01", "--ip", "192.168.100.41"],
        "--ip",
        "is 192.168.100.40",
    ),
    (
        ["modify", "--network", "nat1", "--mac", "52:54:00:00:00:01", "--ip", "192.168.100.40"],
        "--ip",
        "nothing to change",
    ),
]


@pytest.mark.parametrize(("argv", "option", "reason"), REFUSALS)
def test_refusals_name_the_option_exit_2_and_change_nothing(
    sandbox: Sandbox, argv: list[str], option: str, reason: str
) -> None:
    sandbox.apply(answers_text(NAT))
    sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:01",
        "--ip",
        "192.168.100.40",
    )
    before, runs = snapshot(sandbox.root), run_ids(sandbox.root)
    rc, out, err = sandbox.run("dhcp-host", *argv)
    assert rc == 2, out + err
    assert f"\n{option}" in err and reason in err, err
    assert "nothing was changed" in err and "Traceback" not in err
    assert run_ids(sandbox.root) == runs and diff(before, snapshot(sandbox.root)) == []


def test_a_bridged_network_has_no_leases_to_fix(sandbox: Sandbox) -> None:
    bridged = '\n[[network]]\ntype = "bridged"\nname = "br0"\nbridge = "br0"\nuplink = "eth0"\n'
    sandbox.apply(
        answers_text(bridged).replace("bridging_allowed = false", "bridging_allowed = true")
    )
    rc, _, err = sandbox.run(
        "dhcp-host", "add", "--network", "br0", "--mac", "52:54:00:00:00:09", "--ip", "203.0.113.9"
    )
    assert rc == 2 and "--network = 'br0': is a bridged network" in err


def test_a_network_removed_behind_the_wizards_back_is_refused_not_trusted(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(NAT))
    conn = sandbox.host.connect_libvirt()
    net = conn.networkLookupByName("nat1")
    net.destroy()
    net.undefine()
    sandbox.host.libvirt_saved(conn)
    conn.close()
    rc, _, err = sandbox.run(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:09",
        "--ip",
        "192.168.100.9",
    )
    assert rc == 2 and "libvirt has no such network" in err


@pytest.mark.parametrize(
    ("systemd", "hup"),
    [
        (True, ["systemctl", "kill", "--signal=HUP", "dnsmasq@virbr10.service"]),
        (False, ["pkill", "-HUP", "-F", "/var/run/dnsmasq/virbr10.pid"]),
    ],
)
def test_custom_network_rewrites_the_hostsfile_and_sighups_only_its_dnsmasq(
    sandbox: Sandbox, systemd: bool, hup: list[str]
) -> None:
    sandbox.apply(answers_text(custom_nat(FORWARD_80), systemd=systemd))
    path = hostsfile_path("virbr10")
    assert path == dnsmasq_paths("virbr10").hostsfile
    assert hup[-1] == dnsmasq_paths("virbr10").pidfile or systemd
    # A line written by hand survives every edit.
    original = sandbox.host.read_text(path)
    assert original == "52:54:00:be:0a:f3,192.168.110.77\n"
    sandbox.host.write_text(path, "# the operator's note\n" + original)
    commands = len(sandbox.commands())

    added = sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "virbr10",
        "--mac",
        "52:54:00:3B:9A:2B",
        "--ip",
        "192.168.110.90",
        "--name",
        "db",
    )
    text = sandbox.host.read_text(path)
    assert text == (
        "# the operator's note\n52:54:00:be:0a:f3,192.168.110.77\n"
        "52:54:00:3b:9a:2b,192.168.110.90,db\n"
    )
    meta = sandbox.host.stat(path)
    assert meta is not None and meta.mode == 0o644
    assert sandbox.commands()[commands:] == [hup]

    sandbox.change(
        "dhcp-host",
        "modify",
        "--network",
        "virbr10",
        "--mac",
        "52:54:00:be:0a:f3",
        "--ip",
        "192.168.110.78",
    )
    assert sandbox.host.read_text(path) == (
        "# the operator's note\n52:54:00:be:0a:f3,192.168.110.78\n"
        "52:54:00:3b:9a:2b,192.168.110.90,db\n"
    )
    last = sandbox.change(
        "dhcp-host", "delete", "--network", "virbr10", "--mac", "52:54:00:3b:9a:2b"
    )
    assert (
        sandbox.host.read_text(path) == "# the operator's note\n52:54:00:be:0a:f3,192.168.110.78\n"
    )
    assert [h["ip"] for h in sandbox.network_state("virbr10")["dhcp_hosts"]] == ["192.168.110.78"]
    assert sandbox.commands()[commands:] == [hup, hup, hup]

    # Rollback puts the file back and makes dnsmasq read it again.
    sandbox.ok("rollback", last)
    assert "52:54:00:3b:9a:2b,192.168.110.90,db" in (sandbox.host.read_text(path) or "")
    assert sandbox.commands()[-1] == hup
    assert added


def test_custom_network_ipv6_lease_is_written_in_dnsmasq_syntax(sandbox: Sandbox) -> None:
    v6 = custom_nat('ipv6 = "2001:db8:0:ab::1/64"\nipv6_mode = "dhcpv6"\n')
    sandbox.apply(answers_text(v6, systemd=False))
    duid = "00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b"
    sandbox.change(
        "dhcp-host", "add", "--network", "virbr10", "--id", duid, "--ip", "2001:db8:0:ab::1010"
    )
    assert sandbox.host.read_text(hostsfile_path("virbr10")) == f"id:{duid},[2001:db8:0:ab::1010]\n"


def test_json_outcome(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(NAT))
    out = sandbox.ok(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:07",
        "--ip",
        "192.168.100.7",
        "--json",
    )
    data = json.loads(out)
    assert data["status"] == "applied" and data["exit_code"] == 0 and data["error"] == ""
    assert data["run_id"] == run_ids(sandbox.root)[-1]
    assert data["change"] == {
        "kind": "dhcp-host",
        "action": "add",
        "network": "nat1",
        "host": {"ip": "192.168.100.7", "mac": "52:54:00:00:00:07", "id": "", "name": ""},
        "old": None,
    }


@pytest.mark.parametrize(
    "host",
    [
        DhcpHost(ip="192.168.100.5", mac="52:54:00:00:00:05"),
        DhcpHost(ip="192.168.100.6", mac="52:54:00:00:00:06", name="web"),
        DhcpHost(ip="2001:db8::1222", id="00:01:00:01:1a:ff:2b:ff:52:54:00:8a:11:4c"),
        DhcpHost(ip="2001:db8::1333", id="00:01:00:01:aa:bb", name="db"),
    ],
)
def test_host_xml_matches_the_renderer_and_hostsfile_lines_read_back(host: DhcpHost) -> None:
    assert host_xml(host) == render_dhcp_host_xml(host)
    line = render_dnsmasq_host_line(host)
    assert parse_hostsfile(line + "\n") == (host,)
    edited = edit_hostsfile("", None, host, render_dnsmasq_host_line)
    assert edited == line + "\n"
    assert edit_hostsfile(edited, host, None, render_dnsmasq_host_line) == ""


def test_dhcp_host_on_a_libvirt_network_imports_neither_textual_nor_netaddr(tmp_path: Path) -> None:
    """The command stays lean: a NAT network's add needs libvirt and the standard library."""
    root = tmp_path / "root"
    answers = tmp_path / "a.toml"
    answers.write_text(answers_text(NAT))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "virtnet_tui.cli.main",
            "apply",
            "--answers",
            str(answers),
            "--root",
            str(root),
            "--yes",
        ],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    code = (
        "import sys, json\n"
        "from virtnet_tui.cli.main import main\n"
        f"rc = main(['dhcp-host', 'add', '--network', 'nat1', '--mac', '52:54:00:00:00:05',"
        f" '--ip', '192.168.100.5', '--root', {str(root)!r}])\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "heavy = sorted(top & {'textual', 'rich', 'netaddr', 'tomli_w'})\n"
        "print(json.dumps([rc, heavy]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rc, heavy = json.loads(proc.stdout.splitlines()[-1])
    assert rc == 0 and heavy == []


def test_a_lease_moved_or_deleted_warns_of_forwards_left_on_its_old_address(
    sandbox: Sandbox,
) -> None:
    sandbox.apply(answers_text(custom_nat(FORWARD_80)))
    mac = "52:54:00:be:0a:f3"
    # Another lease: no forward goes to it, nothing to warn of.
    rc, _, err = sandbox.run(
        "dhcp-host", "add", "--network", "virbr10", "--mac", "52:54:00:00:00:09", "--ip",
        "192.168.110.9",
    )  # fmt: skip
    assert rc == 0 and "warning" not in err
    rc, _, err = sandbox.run(
        "dhcp-host", "modify", "--network", "virbr10", "--mac", mac, "--ip", "192.168.110.78"
    )
    assert rc == 0, err
    assert (
        "warning: port forwards of virbr10 (tcp 80, tcp 443) still go to 192.168.110.77: "
        f"the lease of {mac} moves to 192.168.110.78"
    ) in err
    assert "--to 192.168.110.78" in err
    # The forwards themselves are as they were: the operator moves them.
    [forward] = sandbox.network_state("virbr10")["forwards"]
    assert forward["to"] == "192.168.110.77"
    # Back on 192.168.110.77 nothing is stranded; deleting the lease strands them again.
    rc, _, err = sandbox.run(
        "dhcp-host", "modify", "--network", "virbr10", "--mac", mac, "--ip", "192.168.110.77"
    )
    assert rc == 0 and "warning" not in err
    rc, _, err = sandbox.run("dhcp-host", "delete", "--network", "virbr10", "--mac", mac)
    assert rc == 0 and f"the lease of {mac} is deleted" in err
