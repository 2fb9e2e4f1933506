"""Real guests on the libvirt NAT and routed networks the wizard defined (libvirt's dnsmasq)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from e2e.guest.checks import (
    HOST_UPLINK,
    LAN_ROUTER,
    ifindex,
    lan_asks_back,
    provider_routes,
    record_boot,
)
from e2e.guest.domain import ask, guest
from e2e.guest.image import GuestImage
from e2e.libvirtd import libvirtd_in
from e2e.topology import Topology, daemon, lan_uplink
from e2e.wizard import apply_answers, dhcp_host

ANSWERS = Path(__file__).with_name("answers")
NAT_MAC, ROUTED_MAC = "52:54:00:5e:00:01", "52:54:00:5e:00:02"
#: Reserved for the NAT guest while it runs (the test checks its first lease differs).
RESERVED = "192.168.130.200"
#: What SLAAC makes of ROUTED_MAC in the routed network's 2001:db8:31::/64 (EUI-64).
ROUTED_V6 = "2001:db8:31::5054:ff:fe5e:2"


@pytest.mark.netns
def test_guest_on_libvirt_nat_gets_a_lease_reaches_the_lan_and_a_live_reservation(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: object,
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        apply_answers(ANSWERS / "libvirt-nat.toml", host.name, root)
        with guest(conn, root, guest_image, "vnwg-nat", ("network", "vnwnat"), NAT_MAC) as vm:
            vm.start()
            address, seen = vm.lease()
            record_boot(record_property, "nat", vm)
            lease = ipaddress.ip_interface(address)
            assert lease.network == ipaddress.ip_network("192.168.130.0/24")
            ip = str(lease.ip)
            # Out through libvirt's masquerade: the LAN sees the host's address.
            assert ask(host, ip, f"ping+{LAN_ROUTER}") == f"ping {LAN_ROUTER} ok"
            assert lan_asks_back(host, lan, ip) == f"lan sees {HOST_UPLINK}"
            # Reached from the host, which is the NAT network's gateway.
            assert ask(host, ip, "who") == "vm sees 192.168.130.1"

            # A reservation for the running guest's MAC, made live: at its next renewal
            # dnsmasq refuses the old address and hands out the reserved one; neither
            # dnsmasq nor the bridge was restarted for it.
            pid_file = root / "run/libvirt/network/vnwnat.pid"
            dnsmasq, bridge = daemon(pid_file), ifindex(host, "virbr30")
            assert ip != RESERVED
            dhcp_host("add", "vnwnat", host.name, root, "--mac", NAT_MAC, "--ip", RESERVED)
            assert ask(host, ip, "renew") == "renewing"
            renewed, _ = vm.lease(seconds=30, after=seen)
            assert renewed == f"{RESERVED}/24"
            assert ask(host, RESERVED, "who") == "vm sees 192.168.130.1"
            assert daemon(pid_file) == dnsmasq, "dnsmasq was restarted"
            assert ifindex(host, "virbr30") == bridge, "the bridge was re-created"
            vm.poweroff(host, RESERVED)


@pytest.mark.netns
def test_guest_on_libvirt_routed_is_reached_at_its_address_and_gets_slaac(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: object,
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo, ipv6=True)
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        applied = apply_answers(ANSWERS / "libvirt-routed.toml", host.name, root)
        provider_routes(applied, lan)  # the IPv4 /28 and the IPv6 /64
        name = "vnwg-routed"
        with guest(conn, root, guest_image, name, ("network", "vnwrouted"), ROUTED_MAC) as vm:
            vm.start()
            address, _ = vm.lease()
            record_boot(record_property, "routed", vm)
            lease = ipaddress.ip_interface(address)
            assert lease.network == ipaddress.ip_network("192.0.2.32/28")
            ip = str(lease.ip)
            # Routed, not masqueraded: the LAN sees the guest's own address and reaches it.
            assert lan_asks_back(host, lan, ip) == f"lan sees {ip}"
            assert ask(lan, ip, "who") == f"vm sees {LAN_ROUTER}"

            # IPv6 by SLAAC from libvirt's router advertisements: the EUI-64 address,
            # reported on the console, and through it the host's uplink side and the LAN.
            vm.wait_for_address(f"{ROUTED_V6}/64")
            assert ask(host, ip, "ping+2001:db8:1::2") == "ping 2001:db8:1::2 ok"
            assert ask(host, ip, "ping+2001:db8:1::1") == "ping 2001:db8:1::1 ok"
            assert ask(lan, ROUTED_V6, "who") == "vm sees 2001:db8:1::1"
            vm.poweroff(host, ip)
