"""Real guests on the wizard's own custom NAT and custom routed networks (its dnsmasq)."""

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
#: custom-nat.toml reserves 192.168.100.77 for this MAC and forwards the host's 8080 to its 80.
NAT_MAC, NAT_IP = "52:54:00:be:0a:f3", "192.168.100.77"
ROUTED_MAC = "52:54:00:5e:00:03"
#: What SLAAC makes of ROUTED_MAC in custom-routed.toml's 2001:db8:2::/64 (EUI-64).
ROUTED_V6 = "2001:db8:2::5054:ff:fe5e:3"


@pytest.mark.netns
def test_guest_on_custom_nat_gets_its_reservation_and_is_reached_through_the_forward(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: object,
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        apply_answers(ANSWERS / "custom-nat.toml", host.name, root)
        with guest(conn, root, guest_image, "vnwg-cnat", ("bridge", "virbr10"), NAT_MAC) as vm:
            vm.start()
            assert vm.lease()[0] == f"{NAT_IP}/24"
            record_boot(record_property, "custom-nat", vm)
            # Out through the wizard's masquerade, and in through its port forward.
            assert ask(host, NAT_IP, f"ping+{LAN_ROUTER}") == f"ping {LAN_ROUTER} ok"
            assert lan_asks_back(host, lan, NAT_IP) == f"lan sees {HOST_UPLINK}"
            assert ask(lan, HOST_UPLINK, "who", port=8080) == f"vm sees {LAN_ROUTER}"
            vm.poweroff(host, NAT_IP)


@pytest.mark.netns
def test_guest_on_custom_routed_is_reached_gets_slaac_and_a_live_reservation(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: object,
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo, ipv6=True)
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        applied = apply_answers(ANSWERS / "custom-routed.toml", host.name, root)
        provider_routes(applied, lan)
        name = "vnwg-crouted"
        with guest(conn, root, guest_image, name, ("bridge", "virbr20"), ROUTED_MAC) as vm:
            vm.start()
            address, seen = vm.lease()
            record_boot(record_property, "custom-routed", vm)
            lease = ipaddress.ip_interface(address)
            assert lease.network == ipaddress.ip_network("192.0.2.0/28")
            ip = str(lease.ip)
            assert lan_asks_back(host, lan, ip) == f"lan sees {ip}"
            assert ask(lan, ip, "who") == f"vm sees {LAN_ROUTER}"
            # SLAAC from the wizard's dnsmasq: reachable from the LAN over IPv6 too.
            vm.wait_for_address(f"{ROUTED_V6}/64")
            assert ask(host, ip, "ping+2001:db8:1::2") == "ping 2001:db8:1::2 ok"
            assert ask(lan, ROUTED_V6, "who") == "vm sees 2001:db8:1::1"

            # A reservation for the running guest, through the hosts file and a SIGHUP:
            # the renewal gets it, from the same dnsmasq on the same bridge.
            reserved = "192.0.2.12" if ip != "192.0.2.12" else "192.0.2.11"
            pid_file = root / "run/dnsmasq/virbr20.pid"
            dnsmasq, bridge = daemon(pid_file), ifindex(host, "virbr20")
            dhcp_host("add", "virbr20", host.name, root, "--mac", ROUTED_MAC, "--ip", reserved)
            assert ask(host, ip, "renew") == "renewing"
            assert vm.lease(seconds=30, after=seen)[0] == f"{reserved}/28"
            assert ask(lan, reserved, "who") == f"vm sees {LAN_ROUTER}"
            assert daemon(pid_file) == dnsmasq, "dnsmasq was restarted"
            assert ifindex(host, "virbr20") == bridge, "the bridge was re-created"
            vm.poweroff(host, reserved)
