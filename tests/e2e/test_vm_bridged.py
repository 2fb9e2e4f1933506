"""A real guest on the bridge the wizard made of the uplink, leasing from the LAN's DHCP server."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from support.netns import stop

from e2e.guest.checks import LAN_ROUTER, lan_asks_back
from e2e.guest.domain import ask
from e2e.guest.lab import Lab

MAC = "52:54:00:5e:00:04"
#: What the provider's (the LAN's) DHCP server hands out on the host's segment.
LAN_POOL = ("198.51.100.100", "198.51.100.150")


@pytest.mark.netns
def test_guest_on_bridged_uplink_leases_from_the_lan_and_is_reached_there(
    vm_lab: Lab, tmp_path: Path
) -> None:
    lan = vm_lab.lan
    # The LAN side's DHCP server: a bridged guest is a machine on the provider's segment.
    server = lan.popen(
        "dnsmasq", "--keep-in-foreground", "--port=0", "--no-resolv", "--no-hosts",
        "--user=root", "--bind-interfaces", "--interface=eth0",
        f"--dhcp-range={LAN_POOL[0]},{LAN_POOL[1]},255.255.255.0,1h",
        f"--dhcp-option=option:router,{LAN_ROUTER}",
        f"--dhcp-leasefile={tmp_path / 'lan.leases'}", f"--pid-file={tmp_path / 'lan.pid'}",
    )  # fmt: skip
    try:
        vm_lab.apply("bridged.toml")
        with vm_lab.boot("vnwg-bridged", ("bridge", "br0"), MAC) as vm:
            ip = vm_lab.leased(vm, "bridged", "198.51.100.0/24").ip
            low, high = (ipaddress.IPv4Address(a) for a in LAN_POOL)
            assert low <= ipaddress.IPv4Address(ip) <= high
            # On the LAN itself: no NAT either way, the host only switches its frames.
            assert ask(lan, ip, f"ping+{LAN_ROUTER}") == f"ping {LAN_ROUTER} ok"
            assert lan_asks_back(lan, lan, ip) == f"lan sees {ip}"
            assert ask(lan, ip, "who") == f"vm sees {LAN_ROUTER}"
            assert MAC in (tmp_path / "lan.leases").read_text()
            vm.poweroff(lan, ip)
    finally:
        stop(server)
