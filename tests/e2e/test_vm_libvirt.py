"""Real guests on the libvirt NAT and routed networks the wizard defined (libvirt's dnsmasq)."""

from __future__ import annotations

import pytest

from e2e.guest.checks import (
    HOST_UPLINK,
    LAN_ROUTER,
    assert_reserved_at_renewal,
    lan_asks_back,
)
from e2e.guest.domain import ask
from e2e.guest.lab import Lab
from e2e.topology import provider_routes

NAT_MAC, ROUTED_MAC = "52:54:00:5e:00:01", "52:54:00:5e:00:02"
#: What SLAAC makes of ROUTED_MAC in the routed network's 2001:db8:31::/64 (EUI-64).
ROUTED_V6 = "2001:db8:31::5054:ff:fe5e:2"


@pytest.mark.netns
def test_guest_on_libvirt_nat_gets_a_lease_reaches_the_lan_and_a_live_reservation(
    vm_lab: Lab,
) -> None:
    host, lan = vm_lab.host, vm_lab.lan
    vm_lab.apply("libvirt-nat.toml")
    with vm_lab.boot("vnwg-nat", ("network", "vnwnat"), NAT_MAC) as vm:
        leased = vm_lab.leased(vm, "nat", "192.168.130.0/24")
        ip = leased.ip
        # Out through libvirt's masquerade: the LAN sees the host's address.
        assert ask(host, ip, f"ping+{LAN_ROUTER}") == f"ping {LAN_ROUTER} ok"
        assert lan_asks_back(host, lan, ip) == f"lan sees {HOST_UPLINK}"
        # Reached from the host, which is the NAT network's gateway.
        assert ask(host, ip, "who") == "vm sees 192.168.130.1"

        # A reservation for the running guest's MAC, made live through libvirt.
        pid_file = vm_lab.root / "run/libvirt/network/vnwnat.pid"
        reserved = assert_reserved_at_renewal(
            vm_lab, vm, NAT_MAC, "vnwnat", "virbr30", pid_file, leased
        )
        assert ask(host, reserved, "who") == "vm sees 192.168.130.1"
        vm.poweroff(host, reserved)


@pytest.mark.netns
def test_guest_on_libvirt_routed_is_reached_at_its_address_and_gets_slaac(vm_lab: Lab) -> None:
    host, lan = vm_lab.host, vm_lab.lan
    provider_routes(vm_lab.apply("libvirt-routed.toml").plan, lan)  # the IPv4 /28 and the IPv6 /64
    with vm_lab.boot("vnwg-routed", ("network", "vnwrouted"), ROUTED_MAC) as vm:
        ip = vm_lab.leased(vm, "routed", "192.0.2.32/28").ip
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
