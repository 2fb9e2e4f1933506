"""systemd-networkd units: the uplink's unit found in networkd's order, the bridge's own units."""

from __future__ import annotations

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.networkd import (
    find_uplink_unit,
    own_path,
    parse_unit,
    render_bridge_netdev,
    render_bridged_network,
    render_port_network,
    render_virtual_bridge_network,
)

MAC = "02:00:00:00:00:02"
FACTS = HostFacts(
    netconfig="networkd",
    uplink_interface="eth0",
    mac=MAC,
    ipv4="198.51.100.2/24",
    gateway4="198.51.100.1",
)
STATIC = """\
# the provider's
[Match]
Name=eth0

[Network]
Address=198.51.100.2/24
Gateway=198.51.100.1
DNS=198.51.100.53
IPv6AcceptRA=no

[Route]
Destination=203.0.113.0/24
Gateway=198.51.100.254
"""


def _sections(text: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for name, pairs in parse_unit(text):
        out.setdefault(name, []).extend(pairs)
    return out


def test_the_first_matching_unit_by_name_is_the_uplinks_and_etc_hides_lib() -> None:
    files = [
        ("/usr/lib/systemd/network/20-wired.network", "[Match]\nName=eth0\n[Network]\nDHCP=yes\n"),
        ("/etc/systemd/network/20-wired.network", "[Match]\nName=eth1\n"),
        ("/etc/systemd/network/30-eth.network", "[Match]\nName=e* !eth9\n[Network]\nDHCP=no\n"),
        ("/etc/systemd/network/10-other.network", "[Match]\nMACAddress=02:00:00:00:00:99\n"),
    ]
    found = find_uplink_unit(files, "eth0", MAC)
    assert found is not None and found.path == "/etc/systemd/network/30-eth.network"
    assert find_uplink_unit(files, "eth9", MAC) is None
    by_mac = [("/run/systemd/network/5.network", f"[Match]\nMACAddress={MAC}\n")]
    assert find_uplink_unit(by_mac, "eno1", MAC) is not None
    assert find_uplink_unit(by_mac, "eno1", "02:00:00:00:00:03") is None


def test_the_bridge_takes_the_uplinks_ip_configuration_as_written() -> None:
    found = find_uplink_unit([("/etc/systemd/network/10-eth0.network", STATIC)], "eth0", MAC)
    bridge = _sections(render_bridged_network(found, FACTS, "br0"))
    assert bridge["Match"] == [("Name", "br0")]
    assert ("Address", "198.51.100.2/24") in bridge["Network"]
    assert ("DNS", "198.51.100.53") in bridge["Network"]
    assert ("IPv6AcceptRA", "no") in bridge["Network"]
    assert bridge["Route"] == [("Destination", "203.0.113.0/24"), ("Gateway", "198.51.100.254")]
    port = _sections(render_port_network(found, "eth0", "br0"))
    assert port["Match"] == [("Name", "eth0")]
    assert port["Network"] == [("Bridge", "br0"), ("LinkLocalAddressing", "no")]
    netdev = _sections(render_bridge_netdev("br0", MAC))
    assert ("MACAddress", MAC) in netdev["NetDev"] and ("Kind", "bridge") in netdev["NetDev"]


def test_without_a_unit_the_probed_addresses_stand_in() -> None:
    bridge = _sections(render_bridged_network(None, FACTS, "br0"))
    assert bridge["Network"] == [("Address", "198.51.100.2/24"), ("Gateway", "198.51.100.1")]
    assert _sections(render_port_network(None, "eth0", "br0"))["Match"] == [("Name", "eth0")]


def test_a_vm_only_bridge_is_configured_without_carrier_and_takes_no_router_adverts() -> None:
    spec = NetworkSpec("custom-routed", "virbr10", "virbr10", ipv4="203.0.113.89/29")
    network = _sections(render_virtual_bridge_network(spec))["Network"]
    assert ("ConfigureWithoutCarrier", "yes") in network and ("IPv6AcceptRA", "no") in network
    assert ("Address", "203.0.113.89/29") in network


def test_the_wizards_units_sort_before_the_usual_names() -> None:
    assert own_path("br0", ".network") < "/etc/systemd/network/10-netplan-eth0.network"
    assert own_path("eth0", ".network").rpartition("/")[2] < "05-eth0.network"
