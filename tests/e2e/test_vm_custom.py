"""Real guests on the wizard's own custom NAT and custom routed networks (its dnsmasq)."""

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

#: custom-nat.toml reserves 192.168.100.77 for this MAC and forwards the host's 8080 to its 80.
NAT_MAC, NAT_IP = "52:54:00:be:0a:f3", "192.168.100.77"
ROUTED_MAC = "52:54:00:5e:00:03"
#: What SLAAC makes of ROUTED_MAC in custom-routed.toml's 2001:db8:2::/64 (EUI-64).
ROUTED_V6 = "2001:db8:2::5054:ff:fe5e:3"


@pytest.mark.netns
def test_guest_on_custom_nat_gets_its_reservation_and_is_reached_through_the_forward(
    vm_lab: Lab,
) -> None:
    host, lan = vm_lab.host, vm_lab.lan
    vm_lab.apply("custom-nat.toml")
    with vm_lab.boot("vnwg-cnat", ("bridge", "virbr10"), NAT_MAC) as vm:
        assert vm_lab.leased(vm, "custom-nat", "192.168.100.0/24").ip == NAT_IP
        # Out through the wizard's masquerade, and in through its port forward.
        assert ask(host, NAT_IP, f"ping+{LAN_ROUTER}") == f"ping {LAN_ROUTER} ok"
        assert lan_asks_back(host, lan, NAT_IP) == f"lan sees {HOST_UPLINK}"
        assert ask(lan, HOST_UPLINK, "who", port=8080) == f"vm sees {LAN_ROUTER}"
        vm.poweroff(host, NAT_IP)


@pytest.mark.netns
def test_guest_on_custom_routed_is_reached_gets_slaac_and_a_live_reservation(
    vm_lab: Lab,
) -> None:
    host, lan = vm_lab.host, vm_lab.lan
    provider_routes(vm_lab.apply("custom-routed.toml").plan, lan)
    with vm_lab.boot("vnwg-crouted", ("bridge", "virbr20"), ROUTED_MAC) as vm:
        leased = vm_lab.leased(vm, "custom-routed", "192.0.2.0/28")
        ip = leased.ip
        assert lan_asks_back(host, lan, ip) == f"lan sees {ip}"
        assert ask(lan, ip, "who") == f"vm sees {LAN_ROUTER}"
        # SLAAC from the wizard's dnsmasq: reachable from the LAN over IPv6 too.
        vm.wait_for_address(f"{ROUTED_V6}/64")
        assert ask(host, ip, "ping+2001:db8:1::2") == "ping 2001:db8:1::2 ok"
        assert ask(lan, ROUTED_V6, "who") == "vm sees 2001:db8:1::1"

        # A reservation for the running guest, through the hosts file and a SIGHUP.
        pid_file = vm_lab.root / "run/dnsmasq/virbr20.pid"
        reserved = assert_reserved_at_renewal(
            vm_lab, vm, ROUTED_MAC, "virbr20", "virbr20", pid_file, leased
        )
        assert ask(lan, reserved, "who") == f"vm sees {LAN_ROUTER}"
        vm.poweroff(host, reserved)
