"""Answers that leave [host] out: plan and apply probe the namespace, as the wizard does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from e2e.topology import Topology, dhcp_lease, lan_uplink, net_state, plug_vm
from e2e.wizard import apply_answers, wizard

ANSWERS = Path(__file__).with_name("answers")
VM_MAC = "52:54:00:be:0a:f3"


def plan_json(answers: Path, netns: str, root: Path) -> dict[str, object]:
    result = wizard(
        "plan", "--answers", str(answers), "--root", str(root), "--netns", netns, "--json"
    )
    assert result.returncode == 0, str(result)
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.mark.netns
def test_a_custom_nat_network_on_probed_facts_applies_and_rolls_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    answers = ANSWERS / "custom-nat-probed.toml"

    facts = plan_json(answers, host.name, root)["host"]
    assert isinstance(facts, dict) and facts["given"] == {}
    probed = facts["probed"]
    # What this namespace really is: eth0 to the lan, no systemd, no libvirtd, and a
    # kernel without the dummy link type (the answers would otherwise assume all three).
    assert probed["uplink_interface"] == "eth0", facts["problems"]
    assert probed["ipv4"] == "198.51.100.2/24" and probed["gateway4"] == "198.51.100.1"
    assert probed["mac"] == "02:00:00:00:00:02"
    assert probed["systemd"] is False
    assert probed["default_network_active"] is False
    assert probed["dummy_supported"] is False

    before = net_state(host)
    applied = apply_answers(answers, host.name, root)
    port = plug_vm(topo, "vm", "virbr10", VM_MAC)
    assert dhcp_lease(topo["vm"], tmp_path) == "192.168.100.77/24"
    host.run("ip", "link", "delete", port)
    applied.rollback()
    assert net_state(host) == before


@pytest.mark.netns
def test_a_bridged_network_takes_the_probed_uplink(topo: Topology, root: Path) -> None:
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    # What configures eth0 is probed too: here ifupdown, with a stanza for it.
    (root / "etc/network").mkdir(parents=True)
    (root / "etc/network/interfaces").write_text(
        "auto eth0\niface eth0 inet static\n    address 198.51.100.2/24\n    gateway 198.51.100.1\n"
    )
    data = plan_json(ANSWERS / "bridged-probed.toml", host.name, root)
    assert data["host"]["probed"]["netconfig"] == "ifupdown"  # type: ignore[index]
    files = {
        step["path"]: step["content"]
        for stage in data["stages"]  # type: ignore[attr-defined]
        for step in stage["steps"]
        if step["kind"] == "file"
    }
    interfaces = files["/etc/network/interfaces"]
    # The bridge takes over eth0's address and gateway, with eth0's MAC.
    assert "iface br0 inet static" in interfaces
    assert "address 198.51.100.2\n    netmask 255.255.255.0\n    gateway 198.51.100.1" in interfaces
    assert "bridge_ports eth0" in interfaces
    assert "02:00:00:00:00:02" in interfaces
