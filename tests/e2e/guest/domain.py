"""Real libvirt domains booting the test guest, and the test's side of talking to one."""

from __future__ import annotations

import ipaddress
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import libvirt
from support.netns import Netns

from e2e.guest.image import GuestImage

#: Kernel options: the serial console, no waiting on things a tiny guest lacks, and a
#: panic that ends the domain at once (on_reboot below) instead of hanging the test.
CMDLINE = "console=ttyS0 panic=-1 loglevel=3 edd=off mitigations=off tsc=reliable"
#: Where qemu writes the serial console, as libvirtd (inside the test's root) sees it.
SERIAL_DIR = "/var/log/libvirt/qemu"

_ASK = """\
import sys, urllib.request

url = f"http://{sys.argv[1]}:{sys.argv[2]}/cgi-bin/vm?{sys.argv[3]}"
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
try:
    with direct.open(url, timeout=float(sys.argv[4])) as answer:
        print(answer.read().decode().strip())
except OSError as exc:
    print(f"no answer: {exc}")
"""


def domain_xml(name: str, image: GuestImage, interface: tuple[str, str], mac: str) -> str:
    """A qemu (TCG) domain that boots ``image`` directly, with one virtio NIC.

    ``interface`` is ``("network", NAME)`` for a libvirt network or ``("bridge", BRIDGE)``
    for a bridge the host made itself, as the wizard's networks are attached.
    """
    dom = ET.Element("domain", type="qemu")  # TCG: KVM guests stall on these machines
    ET.SubElement(dom, "name").text = name
    ET.SubElement(dom, "memory", unit="MiB").text = "128"
    ET.SubElement(dom, "vcpu").text = "1"
    os_ = ET.SubElement(dom, "os")
    ET.SubElement(os_, "type", arch="x86_64", machine="pc").text = "hvm"
    ET.SubElement(os_, "kernel").text = str(image.kernel)
    ET.SubElement(os_, "initrd").text = str(image.initrd)
    ET.SubElement(os_, "cmdline").text = CMDLINE
    # ACPI lets the guest's `poweroff -f` end the domain; without it qemu only halts.
    ET.SubElement(ET.SubElement(dom, "features"), "acpi")
    for event, action in (("on_poweroff", "destroy"), ("on_reboot", "destroy")):
        ET.SubElement(dom, event).text = action
    ET.SubElement(dom, "on_crash").text = "destroy"
    devices = ET.SubElement(dom, "devices")
    kind, source = interface
    nic = ET.SubElement(devices, "interface", type=kind)
    ET.SubElement(nic, "mac", address=mac)
    ET.SubElement(nic, "source", {kind: source})
    ET.SubElement(nic, "model", type="virtio")
    ET.SubElement(nic, "rom", enabled="no")  # no iPXE: the kernel is booted directly
    serial = ET.SubElement(devices, "serial", type="file")
    ET.SubElement(serial, "source", path=f"{SERIAL_DIR}/{name}.serial")
    ET.SubElement(devices, "controller", type="usb", model="none")
    ET.SubElement(devices, "memballoon", model="none")
    return ET.tostring(dom, encoding="unicode")


@dataclass
class Guest:
    """A defined domain of the test guest and its serial console."""

    dom: libvirt.virDomain
    root: Path
    started: float = 0.0
    timed: bool = False
    boots: list[float] = field(default_factory=list)
    """Seconds from each start to its first lease."""

    @property
    def name(self) -> str:
        return str(self.dom.name())

    @property
    def console(self) -> Path:
        """The serial log from the test's side (under the root libvirtd uses)."""
        return self.root / SERIAL_DIR.lstrip("/") / f"{self.name}.serial"

    def start(self) -> None:
        """Boot it; what the console said before goes, so waits see only this boot."""
        if self.console.exists():
            self.console.write_text("")
        self.started, self.timed = time.monotonic(), False
        self.dom.create()

    def said(self) -> str:
        try:
            return self.console.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, pattern: str, seconds: float = 60, after: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` in the console output past offset ``after``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.compile(pattern).search(self.said(), after)
            if found:
                return found
            if not self.dom.isActive():
                break
            time.sleep(0.1)
        state = "running" if self.dom.isActive() else "shut off"
        raise AssertionError(
            f"{self.name} ({state}) did not print /{pattern}/ within {seconds:g} s; "
            f"its console:\n{self.said()[-3000:]}"
        )

    def lease(self, seconds: float = 60, after: int = 0) -> tuple[str, int]:
        """The address of the next DHCP lease the guest reports, and where that line ends."""
        found = self.wait_for(r"vnw-guest: lease (\S+)", seconds, after)
        if not self.timed:  # the first lease of this boot
            self.boots.append(time.monotonic() - self.started)
            self.timed = True
        return found.group(1), found.end()

    def reported(self) -> set[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
        """The global addresses of the guest's last "addresses" report."""
        lines = re.findall(r"vnw-guest: addresses ([^\n]*)", self.said())
        return {ipaddress.ip_interface(a) for a in (lines[-1].split() if lines else [])}

    def wait_for_address(self, address: str, seconds: float = 30) -> None:
        """Until the guest reports ``address`` (a/nn, in any spelling) as one of its own."""
        wanted = ipaddress.ip_interface(address)
        deadline = time.monotonic() + seconds
        while wanted not in self.reported():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} did not report {address} within {seconds:g} s; "
                    f"its console:\n{self.said()[-3000:]}"
                )
            time.sleep(0.1)

    def poweroff(self, ns: Netns, address: str, seconds: float = 30) -> None:
        """Ask the guest to power off and wait until libvirt reports it shut off."""
        assert ask(ns, address, "poweroff") == "powering off"
        deadline = time.monotonic() + seconds
        while self.dom.isActive():
            assert time.monotonic() < deadline, f"{self.name} did not power off"
            time.sleep(0.1)


def ask(ns: Netns, address: str, command: str, port: int = 80, seconds: float = 10) -> str:
    """Send ``command`` (words joined by ``+``) to the guest's HTTP port from ``ns``."""
    host = f"[{address}]" if ":" in address else address
    argv = [sys.executable, "-c", _ASK, host, str(port), command, str(seconds)]
    return ns.run(*argv, timeout=seconds + 10).stdout.strip()


@contextmanager
def guest(
    conn: libvirt.virConnect,
    root: Path,
    image: GuestImage,
    name: str,
    interface: tuple[str, str],
    mac: str,
) -> Iterator[Guest]:
    """A persistent domain defined for the ``with`` block; destroyed and undefined after."""
    dom = conn.defineXML(domain_xml(name, image, interface, mac))
    try:
        yield Guest(dom, root)
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
