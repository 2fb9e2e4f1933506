"""`attach` on a real guest: moved from libvirt's default network to the wizard's, and back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import libvirt
import pytest

from e2e.guest.domain import ask
from e2e.guest.lab import Lab
from e2e.wizard import rollback, run_id_of, wizard

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
    vm_lab: Lab,
) -> None:
    host, root = vm_lab.host, vm_lab.root
    vm_lab.conn.networkDefineXML(DEFAULT_NETWORK).create()
    vm_lab.apply("libvirt-nat.toml")
    with vm_lab.boot("vnwg-attach", ("network", "default"), MAC) as vm:
        defined = vm.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        first_ip = vm_lab.leased(vm, "default", "192.168.122.0/24").ip

        # Attached while it runs: the definition changes, the running guest does not.
        attached = wizard(
            "attach", "--domain", vm.name, "--network", "vnwnat", "--mac", MAC,
            "--root", str(root), "--netns", host.name,
        )  # fmt: skip
        assert attached.returncode == 0, str(attached)
        assert _nics(vm.dom) == [("network", "vnwnat", MAC)]
        assert ask(host, first_ip, "who") == "vm sees 192.168.122.1"
        vm.poweroff(host, first_ip)

        # The next boot leases on the wizard's network, with the same MAC.
        vm.start()
        moved = vm_lab.leased(vm, "attached", "192.168.130.0/24").ip
        assert vm.said().count(f"vnw-guest: mac {MAC}") == 1
        vm.poweroff(host, moved)

        # Rolled back: the definition libvirt had before the attach, and the boot after
        # it leases on default again.
        rollback(run_id_of(attached), host.name, root)
        assert vm.dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) == defined
        vm.start()
        again = vm_lab.leased(vm, "default", "192.168.122.0/24").ip
        vm.poweroff(host, again)
