"""A real guest on the bridge the wizard made of the uplink, leasing from the LAN's DHCP server."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from support.netns import stop

from e2e.guest.checks import LAN_ROUTER, lan_asks_back, record_boot
from e2e.guest.domain import ask, guest
from e2e.guest.image import GuestImage
from e2e.libvirtd import libvirtd_in
from e2e.topology import Topology, lan_uplink
from e2e.wizard import apply_answers

ANSWERS = Path(__file__).with_name("answers") / "bridged.toml"
MAC = "52:54:00:5e:00:04"
#: What the provider's (the LAN's) DHCP server hands out on the host's segment.
LAN_POOL = ("198.51.100.100", "198.51.100.150")


@pytest.mark.netns
def test_guest_on_bridged_uplink_leases_from_the_lan_and_is_reached_there(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: object,
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    # The LAN side's DHCP server: a bridged guest is a machine on the provider's segment.
    server = lan.popen(
        "dnsmasq", "--keep-in-foreground", "--port=0", "--no-resolv", "--no-hosts",
        "--user=root", "--bind-interfaces", "--interface=eth0",
        f"--dhcp-range={LAN_POOL[0]},{LAN_POOL[1]},255.255.255.0,1h",
        f"--dhcp-option=option:router,{LAN_ROUTER}",
        f"--dhcp-leasefile={tmp_path / 'lan.leases'}", f"--pid-file={tmp_path / 'lan.pid'}",
    )  # fmt: skip
    try:
        with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
            apply_answers(ANSWERS, host.name, root)
            with guest(conn, root, guest_image, "vnwg-bridged", ("bridge", "br0"), MAC) as vm:
                vm.start()
                address, _ = vm.lease()
                record_boot(record_property, "bridged", vm)
                lease = ipaddress.IPv4Interface(address)
                low, high = (ipaddress.IPv4Address(a) for a in LAN_POOL)
                assert low <= lease.ip <= high and lease.network.prefixlen == 24
                ip = str(lease.ip)
                # On the LAN itself: no NAT either way, the host only switches its frames.
                assert ask(lan, ip, f"ping+{LAN_ROUTER}") == f"ping {LAN_ROUTER} ok"
                assert lan_asks_back(lan, lan, ip) == f"lan sees {ip}"
                assert ask(lan, ip, "who") == f"vm sees {LAN_ROUTER}"
                assert MAC in (tmp_path / "lan.leases").read_text()
                vm.poweroff(lan, ip)
    finally:
        stop(server)
