"""``status``: managed networks with their live state, drift and history, as text and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import fast_root
from support.capability_hosts import QuietMachine
from support.netns import Netns
from support.rerun_util import FORWARD_80, NAT, Sandbox, answers_text, custom_nat

from virtnet_tui.core.changes.managed import ManagedNetwork
from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.managed.drift import network_status, parse_dnsmasq_leases
from virtnet_tui.probe.demo import DEMO_VMS, seed_demo_host

DUID = "00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b"
LEASES = f"""\
1718000000 52:54:00:be:0a:f3 192.168.110.77 web 01:52:54:00:be:0a:f3
1718000100 52:54:00:aa:aa:aa 192.168.110.80 * *
duid 00:01:00:01:2c:2c:2c:2c:52:54:00:7e:27:af
1718000200 1234567 2001:db8:0:ab::1010 db {DUID}
"""


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def _drift(data: dict[str, object]) -> list[tuple[str, str]]:
    items = data["drift"]
    assert isinstance(items, list)
    return [(d["network"], d["what"]) for d in items]


def test_json_lists_each_network_with_live_state_history_and_no_drift(sandbox: Sandbox) -> None:
    made = sandbox.apply(answers_text(NAT))
    lease = sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:01",
        "--ip",
        "192.168.100.5",
        "--name",
        "web",
    )
    data = sandbox.status()
    assert set(data) == {"runs", "applied", "networks", "drift"}
    assert [r["id"] for r in data["runs"]] == [made, lease]
    [net] = data["networks"]
    assert {k: net[k] for k in ("name", "type", "bridge", "ipv4", "created_by", "runs")} == {
        "name": "nat1",
        "type": "nat",
        "bridge": "virbr1",
        "ipv4": "192.168.100.1/24",
        "created_by": made,
        "runs": [made, lease],
    }
    assert net["dhcp_hosts"] == [
        {"ip": "192.168.100.5", "mac": "52:54:00:00:00:01", "id": "", "name": "web"}
    ]
    assert net["live"] == {
        "libvirt_active": True,
        "libvirt_autostart": True,
        "bridge_up": None,
        "dnsmasq_running": None,
        "leases": None,
        "lease_count": None,
        "notes": ["links and processes are not checked in a sandbox"],
    }
    assert net["drift"] == [] and data["drift"] == []
    text = sandbox.ok("status")
    assert "nat1: nat, bridge virbr1, 192.168.100.1/24" in text
    assert "52:54:00:00:00:01 -> 192.168.100.5 (web)" in text
    assert f"made by run {made}; changed by 1 run(s), last {lease}" in text
    assert "DRIFT" not in text


def test_changes_behind_the_wizards_back_show_as_drift(sandbox: Sandbox) -> None:
    import libvirt

    sandbox.apply(
        answers_text(
            NAT
            + NAT.replace("nat1", "nat2")
            .replace("virbr1", "virbr2")
            .replace("192.168.100", "192.168.102")
        )
    )
    sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:01",
        "--ip",
        "192.168.100.5",
    )
    conn = sandbox.host.connect_libvirt()
    net1 = conn.networkLookupByName("nat1")
    flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    section = libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST
    net1.update(
        libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
        section,
        0,
        "<host mac='52:54:00:00:00:01' ip='192.168.100.5'/>",
        flags,
    )
    net1.update(
        libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
        section,
        0,
        "<host mac='52:54:00:00:00:09' ip='192.168.100.9'/>",
        flags,
    )
    net2 = conn.networkLookupByName("nat2")
    net2.destroy()
    net2.undefine()
    sandbox.host.libvirt_saved(conn)
    conn.close()

    data = sandbox.status()
    assert _drift(data) == [
        ("nat1", "dhcp-host-missing"),
        ("nat1", "dhcp-host-unrecorded"),
        ("nat2", "libvirt-missing"),
    ]
    # The state still says what the wizard did; it is not rewritten from the host.
    assert [h["mac"] for h in data["networks"][0]["dhcp_hosts"]] == ["52:54:00:00:00:01"]
    text = sandbox.ok("status")
    assert "DRIFT libvirt-missing: libvirt has no network nat2" in text
    assert "DRIFT dhcp-host-unrecorded: 52:54:00:00:00:09 -> 192.168.100.9" in text


def test_custom_network_leases_list_duids_and_file_drift(sandbox: Sandbox) -> None:
    v6 = custom_nat('ipv6 = "2001:db8:0:ab::1/64"\nipv6_mode = "dhcpv6"\n' + FORWARD_80)
    sandbox.apply(answers_text(v6))
    sandbox.host.write_text("/var/lib/dnsmasq/virbr10/leases", LEASES)
    data = sandbox.status()
    [net] = data["networks"]
    assert net["live"]["lease_count"] == 3
    assert net["live"]["leases"][2] == {
        "ip": "2001:db8:0:ab::1010",
        "mac": "",
        "duid": DUID,
        "hostname": "db",
        "expiry": 1718000200,
    }
    assert data["drift"] == []
    text = sandbox.ok("status")
    assert (
        f"DHCPv6 clients (for dhcp-host --id):\n      {DUID} has 2001:db8:0:ab::1010 (db)" in text
    )
    assert "forward tcp 80,443 -> 192.168.110.77" in text

    sandbox.host.write_text("/var/lib/dnsmasq/virbr10/hostsfile", "")
    sandbox.host.remove("/etc/virtnet-wizard/firewall/virbr10.v6")
    assert _drift(sandbox.status()) == [
        ("virbr10", "file-missing"),
        ("virbr10", "dhcp-host-missing"),
    ]


@pytest.fixture
def demo_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    """The demo host (with its VMs), primed as the other sandboxes are."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        seed_demo_host(root)
        yield Sandbox(root, capsys, monkeypatch)


def test_an_attached_vm_moved_elsewhere_is_drift(demo_sandbox: Sandbox) -> None:
    import libvirt

    sandbox = demo_sandbox
    sandbox.apply(answers_text(NAT))
    mac = DEMO_VMS[0][2]
    sandbox.ok("attach", "--domain", "web1", "--network", "nat1", "--mac", mac)
    assert sandbox.status()["drift"] == []
    conn = sandbox.host.connect_libvirt()
    dom = conn.lookupByName("web1")
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).replace(
        "network='nat1'", "network='default'"
    )
    conn.defineXML(xml)
    sandbox.host.libvirt_saved(conn)
    conn.close()
    data = sandbox.status()
    assert _drift(data) == [("nat1", "attachment-moved")]
    assert "is on network default" in data["drift"][0]["detail"]


def test_dnsmasq_leases_file_parsing() -> None:
    leases = parse_dnsmasq_leases(LEASES + "garbage line\n")
    assert [(x.ip, x.mac, x.duid, x.hostname) for x in leases] == [
        ("192.168.110.77", "52:54:00:be:0a:f3", "", "web"),
        ("192.168.110.80", "52:54:00:aa:aa:aa", "", ""),
        ("2001:db8:0:ab::1010", "", DUID, "db"),
    ]


@pytest.mark.netns
def test_live_state_of_a_real_bridge_in_a_namespace(ns: Netns, tmp_path: Path) -> None:
    """Outside the sandbox the bridge and dnsmasq are really looked at."""
    spec = NetworkSpec(
        type="custom-routed",
        name="vnwbr0",
        bridge="vnwbr0",
        ipv4="192.0.2.1/24",
        dhcp4=("192.0.2.10", "192.0.2.20"),
    )
    net = ManagedNetwork(spec, HostFacts(systemd=False))
    host = NetnsHost(ns.name, tmp_path / "root")
    missing = network_status(host, net)
    assert missing.bridge_up is False
    assert "bridge-missing" in [d.what for d in missing.drift]
    ns.add_bridge("vnwbr0", "192.0.2.1/24")
    up = network_status(host, net)
    assert up.bridge_up is True and up.dnsmasq_running is False
    assert [d.what for d in up.drift] == [
        "file-missing",
        "file-missing",
        "file-missing",
        "dnsmasq-stopped",
    ]
    assert json.dumps(up.to_json())


def test_links_and_processes_are_not_checked_on_a_host_that_runs_nothing(tmp_path: Path) -> None:
    spec = NetworkSpec(
        type="custom-routed",
        name="vnwbr0",
        bridge="vnwbr0",
        ipv4="192.0.2.1/24",
        dhcp4=("192.0.2.10", "192.0.2.20"),
    )
    host = QuietMachine(tmp_path)
    status = network_status(host, ManagedNetwork(spec, HostFacts(systemd=False)))
    assert status.notes == ("links and processes are not checked in a sandbox",)
    assert status.bridge_up is None and status.dnsmasq_running is None
    assert host.ran == []
