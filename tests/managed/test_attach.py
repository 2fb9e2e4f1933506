"""``attach``: list VMs, move or add an interface on a managed network, keeping its MAC."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import cli_process, diff, fast_root, run_ids, snapshot, start_vm
from support.rerun_util import NAT, Sandbox, answers_text, custom_nat

from virtnet_tui.core.changes.attach import move_interface, new_mac
from virtnet_tui.core.changes.managed import ManagedNetwork
from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import DEMO_VMS, seed_demo_host

WEB1_MAC = DEMO_VMS[0][2]
DB1_MAC = DEMO_VMS[1][2]


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        seed_demo_host(root)
        box = Sandbox(root, capsys, monkeypatch)
        box.apply(answers_text(NAT + custom_nat()))
        yield box


def _interfaces(root: Path, domain: str) -> list[dict[str, str]]:
    """The VM's interfaces in its persistent definition, through a fresh connection."""
    import libvirt

    conn = SandboxHost(root).connect_libvirt()
    try:
        xml = conn.lookupByName(domain).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        conn.close()
    out = []
    for iface in ET.fromstring(xml).iter("interface"):
        source = iface.find("source")
        model = iface.find("model")
        mac = iface.find("mac")
        assert source is not None and mac is not None
        out.append(
            {
                "type": iface.get("type", ""),
                "source": source.get("network") or source.get("bridge") or "",
                "mac": mac.get("address", ""),
                "model": model.get("type", "") if model is not None else "",
            }
        )
    return out


def test_list_shows_every_vm_with_its_interfaces(sandbox: Sandbox) -> None:
    out = sandbox.ok("attach", "--list")
    assert "web1 (shut off)" in out and "db1 (shut off)" in out
    assert f"{WEB1_MAC} on network default, virtio" in out
    data = json.loads(sandbox.ok("attach", "--json"))
    assert [d["name"] for d in data["domains"]] == ["db1", "web1"]
    assert data["domains"][1]["interfaces"] == [
        {
            "type": "network",
            "source": "default",
            "mac": WEB1_MAC,
            "model": "virtio",
            "managed_network": "",
        }
    ]


def test_moving_an_interface_keeps_its_mac_and_model_and_rolls_back(sandbox: Sandbox) -> None:
    start_vm(sandbox.root, "web1")  # a running VM: the move takes effect at its next start
    out = sandbox.ok("attach", "--domain", "web1", "--network", "nat1", "--mac", WEB1_MAC)
    assert "shut it down and start it again" in out and "virsh start web1" in out
    assert _interfaces(sandbox.root, "web1") == [
        {"type": "network", "source": "nat1", "mac": WEB1_MAC, "model": "virtio"}
    ]
    state = sandbox.network_state("nat1")
    run_id = run_ids(sandbox.root)[-1]
    assert state["attachments"] == [{"domain": "web1", "mac": WEB1_MAC, "run": run_id}]
    assert "[managed network nat1]" in sandbox.ok("attach", "--list")
    # Another process sees the new definition: the sandbox keeps its VMs on disk.
    rc, listed, err = cli_process("attach", "--json", "--root", str(sandbox.root))
    assert rc == 0, err
    web1 = next(d for d in json.loads(listed)["domains"] if d["name"] == "web1")
    assert web1["interfaces"][0]["managed_network"] == "nat1"

    sandbox.ok("rollback", run_id)
    assert _interfaces(sandbox.root, "web1") == [
        {"type": "network", "source": "default", "mac": WEB1_MAC, "model": "virtio"}
    ]
    assert sandbox.network_state("nat1")["attachments"] == []


def test_a_new_mac_adds_an_interface_on_a_custom_networks_bridge(sandbox: Sandbox) -> None:
    out = sandbox.ok(
        "attach", "--domain", "db1", "--network", "virbr10", "--mac", "52:54:00:AA:BB:CC"
    )
    assert "db1 is shut off" in out
    assert _interfaces(sandbox.root, "db1") == [
        {"type": "network", "source": "default", "mac": DB1_MAC, "model": "virtio"},
        {"type": "bridge", "source": "virbr10", "mac": "52:54:00:aa:bb:cc", "model": ""},
    ]


def test_without_a_mac_a_fresh_kvm_mac_is_chosen(sandbox: Sandbox) -> None:
    sandbox.ok("attach", "--domain", "web1", "--network", "virbr10")
    [old, new] = _interfaces(sandbox.root, "web1")
    assert old["mac"] == WEB1_MAC
    assert new["mac"] == new_mac("web1", "virbr10", {WEB1_MAC, DB1_MAC})
    assert new["mac"].startswith("52:54:00:") and (new["type"], new["source"]) == (
        "bridge",
        "virbr10",
    )


REFUSALS = [
    (["--domain", "nope", "--network", "nat1"], "--domain", "libvirt has no such VM"),
    (["--domain", "web1", "--network", "nope"], "--network", "not a network"),
    (
        ["--domain", "web1", "--network", "nat1", "--mac", DB1_MAC],
        "--mac",
        "belongs to an interface of VM db1",
    ),
    (["--domain", "web1", "--network", "nat1", "--mac", "01:54:00:00:00:01"], "--mac", "multicast"),
    (["--domain", "web1"], "--network", "missing"),
]


@pytest.mark.parametrize(("argv", "option", "reason"), REFUSALS)
def test_refusals_name_the_option_exit_2_and_change_nothing(
    sandbox: Sandbox, argv: list[str], option: str, reason: str
) -> None:
    before, runs = snapshot(sandbox.root), run_ids(sandbox.root)
    rc, out, err = sandbox.run("attach", *argv)
    assert rc == 2, out + err
    assert f"\n{option}" in err and reason in err, err
    assert run_ids(sandbox.root) == runs and diff(before, snapshot(sandbox.root)) == []


def test_attaching_where_it_already_is_is_refused(sandbox: Sandbox) -> None:
    sandbox.ok("attach", "--domain", "web1", "--network", "nat1", "--mac", WEB1_MAC)
    rc, _, err = sandbox.run("attach", "--domain", "web1", "--network", "nat1", "--mac", WEB1_MAC)
    assert rc == 2 and "is already on it" in err


def test_move_keeps_the_vms_own_settings_and_namespaces() -> None:
    xml = """<domain type="kvm" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
  <name>vm</name>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
  </metadata>
  <devices>
    <interface type="direct">
      <mac address="52:54:00:12:34:56"/>
      <source dev="eth0" mode="bridge"/>
      <target dev="macvtap0"/>
      <model type="virtio"/>
      <address type="pci" domain="0x0000" bus="0x01" slot="0x00" function="0x0"/>
    </interface>
  </devices>
  <qemu:commandline><qemu:arg value="-nodefaults"/></qemu:commandline>
</domain>"""
    spec = NetworkSpec(type="custom-routed", name="virbr10", bridge="virbr10")
    moved, previous = move_interface(xml, "52:54:00:12:34:56", ManagedNetwork(spec, HostFacts()))
    assert previous == "direct eth0"
    assert "libosinfo:os" in moved and "qemu:commandline" in moved and "ns0:" not in moved
    iface = ET.fromstring(moved).find("devices/interface")
    assert iface is not None and iface.get("type") == "bridge"
    assert [child.tag for child in iface] == ["mac", "source", "model", "address"]
    source = iface.find("source")
    assert source is not None and source.attrib == {"bridge": "virbr10"}
