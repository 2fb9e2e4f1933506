"""Re-run adding a second custom NAT network: both serve at once; its rollback spares the first."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.netns import Netns, stop

from e2e.topology import (
    Topology,
    daemon,
    dhcp_lease,
    host_firewall,
    lan_uplink,
    net_state,
    plug_vm,
    settle,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers, status_networks

ANSWERS = Path(__file__).with_name("answers")
#: The first run's reserved VM (custom-nat.toml), and a VM on the second network.
FIRST_MAC, FIRST_IP = "52:54:00:be:0a:f3", "192.168.100.77/24"
SECOND_MAC = "52:54:00:be:0b:01"
#: The first network's files, which the re-run and its rollback must leave as they were.
FIRST_FILES = (
    "etc/virtnet-wizard/firewall/virbr10.v4",
    "var/lib/dnsmasq/virbr10/dnsmasq.conf",
    "var/lib/dnsmasq/virbr10/hostsfile",
)
SECOND_FILES = (
    "etc/virtnet-wizard/firewall/virbr11.v4",
    "var/lib/dnsmasq/virbr11/dnsmasq.conf",
    "var/lib/dnsmasq/virbr11/hostsfile",
)


def _files(root: Path, names: tuple[str, ...]) -> dict[str, bytes | None]:
    return {n: (root / n).read_bytes() if (root / n).exists() else None for n in names}


def _reaches_lan(vm: Netns, lan: Netns) -> None:
    """The VM reaches the LAN's server, which sees the host's address (masqueraded)."""
    vm.run("ping", "-c", "1", "-W", "2", "198.51.100.1")
    server = tcp_server(lan, "198.51.100.1", 7000, "lan")
    try:
        assert tcp_ask(vm, "198.51.100.1", 7000) == "lan sees 198.51.100.2"
    finally:
        stop(server)


def _managed(host: Netns, root: Path, *names: str) -> None:
    """``status --json`` lists exactly ``names``, each with its bridge up, dnsmasq running."""
    networks = status_networks(host.name, root)
    assert sorted(networks) == list(names)
    for name, net in networks.items():
        assert net["live"]["bridge_up"] and net["live"]["dnsmasq_running"], name
        assert net["drift"] == [], name


def _stanzas(root: Path) -> list[str]:
    text = (root / "etc/network/interfaces").read_text()
    return [line.split()[1] for line in text.splitlines() if line.startswith("iface ")]


@pytest.mark.netns
def test_second_network_works_beside_the_first_and_rolls_back_alone(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    host_firewall(host)
    apply_answers(ANSWERS / "custom-nat.toml", host.name, root)
    plug_vm(topo, "vm1", "virbr10", FIRST_MAC)
    vm1 = topo["vm1"]
    assert dhcp_lease(vm1, tmp_path) == FIRST_IP
    settle(host)
    first_state, first_files = net_state(host), _files(root, FIRST_FILES)
    interfaces = (root / "etc/network/interfaces").read_bytes()
    first_dnsmasq = daemon(root / "run/dnsmasq/virbr10.pid")

    second = apply_answers(ANSWERS / "rerun-second-nat.toml", host.name, root)
    assert _stanzas(root) == ["virbr10", "virbr11"], "the re-run keeps virbr10's stanza"
    assert _files(root, FIRST_FILES) == first_files
    second_dnsmasq = daemon(root / "run/dnsmasq/virbr11.pid")
    assert daemon(root / "run/dnsmasq/virbr10.pid") == first_dnsmasq
    rules = host.run("iptables-save").stdout
    assert "-A FORWARD -j VNW-virbr10-FWD" in rules and "-A FORWARD -j VNW-virbr11-FWD" in rules
    assert rules.index("-A FORWARD -j VNW-virbr11-FWD") < rules.index("-A FORWARD -s 10.255")

    _managed(host, root, "virbr10", "virbr11")

    # Both at once: a VM on each network gets its lease and reaches the LAN.
    second_port = plug_vm(topo, "vm2", "virbr11", SECOND_MAC)
    vm2 = topo["vm2"]
    assert dhcp_lease(vm2, tmp_path).startswith("192.168.101.")
    assert dhcp_lease(vm1, tmp_path) == FIRST_IP
    _reaches_lan(vm1, lan)
    _reaches_lan(vm2, lan)

    # Rolling back the second run takes virbr11 away and nothing of virbr10.
    host.run("ip", "link", "delete", second_port)
    second.rollback()
    assert "virbr11" not in host.run("ip", "-o", "link", "show").stdout
    assert second_dnsmasq[0] not in _pids(host)
    assert _files(root, SECOND_FILES) == dict.fromkeys(SECOND_FILES)
    assert (root / "etc/network/interfaces").read_bytes() == interfaces
    assert _files(root, FIRST_FILES) == first_files
    assert daemon(root / "run/dnsmasq/virbr10.pid") == first_dnsmasq
    assert dhcp_lease(vm1, tmp_path) == FIRST_IP, "a fresh lease on virbr10 still works"
    _reaches_lan(vm1, lan)
    _managed(host, root, "virbr10")
    # Links, addresses, routes, iptables chains and settings: as after the first run.
    assert net_state(host) == first_state


def _pids(ns: Netns) -> list[int]:
    return [int(p) for p in ns.run("ip", "netns", "pids", ns.name).stdout.split()]
