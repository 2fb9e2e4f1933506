"""The probe reads the wireless uplink's address: the next hop of routes from its LAN."""

from __future__ import annotations

from virtnet_tui.probe.facts import uplink_facts
from virtnet_tui.probe.model import Address, Interface


def test_the_probe_reads_the_wireless_address() -> None:
    eth0 = Interface("eth0", "ethernet", addresses=(Address("192.168.0.10/24", 4),))
    wlan0 = Interface("wlan0", "wireless", addresses=(Address("192.168.1.10/24", 4),))
    up = uplink_facts([eth0, wlan0], [], "eth0", "wlan0")
    assert up.ipv4 == "192.168.0.10/24" and up.wireless_ipv4 == "192.168.1.10/24"
