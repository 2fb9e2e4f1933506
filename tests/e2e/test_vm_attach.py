"""`attach` on a real guest: moved from libvirt's default network to the wizard's, and back."""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET
from pathlib import Path

import libvirt
import pytest

from e2e.guest.checks import record_boot
from e2e.guest.domain import guest
from e2e.guest.image import GuestImage
from e2e.libvirtd import libvirtd_in
from e2e.topology import Topology, lan_uplink
from e2e.wizard import apply_answers, rollback, run_id_of, wizard

ANSWERS = Path(__file__).with_name("answers") / "libvirt-nat.toml"
MAC = "52:54:00:5e:00:05"
#: libvirt's own default network, as libvirt-daemon-config-network installs it.
DEFAULT_NETWORK = """\
<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
  </ip>
</network>
"""


def _nics(dom: libvirt.virDomain) -> list[tuple[str, str, str]]:
    """(type, network, MAC) of each interface of the domain's persistent definition."""
    root = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    return [
        (
            iface.get("type", ""),
            iface.find("source").get("network", ""),  # type: ignore[union-attr]
            iface.find("mac").get("address", ""),  # type: ignore[union-attr]
        )
        for iface in root.iter("interface")
    ]


@pytest.mark.netns
def test_attach_moves_a_real_guest_keeping_its_mac_and_rollback_moves_it_back(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: object,
) -> None:
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        default = conn.networkDefineXML(DEFAULT_NETWORK)
        default.create()
        apply_answers(ANSWERS, host.name, root)
        with guest(conn, root, guest_image, "vnwg-attach", ("network", "default"), MAC) as vm:
            defined = vm.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            vm.start()
            first, _ = vm.lease()
            record_boot(record_property, "default", vm)
            assert ipaddress.ip_interface(first).network == ipaddress.ip_network("192.168.122.0/24")

            # Attached while it runs: the definition changes, the running guest does not.
            attached = wizard(
                "attach", "--domain", vm.name, "--network", "vnwnat", "--mac", MAC,
                "--root", str(root), "--netns", host.name,
            )  # fmt: skip
            assert attached.returncode == 0, str(attached)
            assert _nics(vm.dom) == [("network", "vnwnat", MAC)]
            vm.poweroff(host, first.split("/")[0])

            # The next boot leases on the wizard's network, with the same MAC.
            vm.start()
            moved, _ = vm.lease()
            record_boot(record_property, "attached", vm)
            assert ipaddress.ip_interface(moved).network == ipaddress.ip_network("192.168.130.0/24")
            assert vm.said().count(f"vnw-guest: mac {MAC}") == 1
            vm.poweroff(host, moved.split("/")[0])

            # Rolled back: the definition libvirt had before the attach, and the boot after
            # it leases on default again.
            rollback(run_id_of(attached), host.name, root)
            assert vm.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) == defined
            vm.start()
            again, _ = vm.lease()
            assert ipaddress.ip_interface(again).network == ipaddress.ip_network("192.168.122.0/24")
            vm.poweroff(host, again.split("/")[0])
