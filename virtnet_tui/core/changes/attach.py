"""Attaching a VM's interface to a managed network by editing its persistent domain XML."""

# An interface found by its MAC moves (keeping its MAC, model and PCI address); with
# a MAC no interface has, a new interface is added. The domain is redefined with
# ``defineXML``: the change takes effect the next time the VM starts.

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from virtnet_tui.core.changes.common import PlannedChange, managed_network, refuse, refuse_all
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.changes.records import AttachChange
from virtnet_tui.core.plan import LibvirtStep, Plan, Stage
from virtnet_tui.core.validate.fields import check_mac

KVM_OUI = "52:54:00"
#: Interface children that belong to the old connection and would confuse the new one.
_CONNECTION_CHILDREN = ("source", "target", "virtualport", "vlan")


@dataclass(frozen=True)
class DomainInterface:
    """One ``<interface>`` of a VM."""

    type: str
    """``network``, ``bridge``, ``direct``, ``user``..."""
    source: str
    """The network or bridge (or device) it connects to."""
    mac: str
    model: str = ""

    def describe(self) -> str:
        where = f"{self.type} {self.source}" if self.source else self.type
        model = f", {self.model}" if self.model else ""
        return f"{self.mac or '(no MAC yet)'} on {where}{model}"


@dataclass(frozen=True)
class DomainInfo:
    """A VM libvirt knows, with its persistent definition."""

    name: str
    active: bool
    persistent: bool
    interfaces: tuple[DomainInterface, ...]
    xml: str


@dataclass(frozen=True)
class AttachRequest:
    """``attach --domain NAME --network NAME [--mac MAC]``."""

    domain: str
    network: str
    mac: str = ""


def parse_interfaces(xml: str) -> tuple[DomainInterface, ...]:
    """The ``<interface>`` devices of a domain definition.

    Raises:
        ValueError: the text is not XML.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"the domain definition is not XML: {exc}") from None
    out = []
    for iface in root.findall("devices/interface"):
        source = iface.find("source")
        where = ""
        if source is not None:
            where = source.get("network") or source.get("bridge") or source.get("dev") or ""
        mac = iface.find("mac")
        model = iface.find("model")
        out.append(
            DomainInterface(
                type=iface.get("type", ""),
                source=where,
                mac=(mac.get("address", "") if mac is not None else "").lower(),
                model=model.get("type", "") if model is not None else "",
            )
        )
    return tuple(out)


def domain_info(name: str, active: bool, persistent: bool, xml: str) -> DomainInfo:
    return DomainInfo(name, active, persistent, parse_interfaces(xml), xml)


def _register_namespaces(xml: str) -> None:
    """Keep the document's own namespace prefixes (metadata, qemu:commandline) on output."""
    for _, (prefix, uri) in ET.iterparse(io.StringIO(xml), events=("start-ns",)):
        if prefix:
            ET.register_namespace(prefix, uri)


def _connection(net: ManagedNetwork, mac: str) -> ET.Element:
    """The ``<interface>`` the renderer makes for ``net``: type=network or type=bridge."""
    # Imported here: the renderer pulls in netaddr, which the other re-run commands avoid.
    from virtnet_tui.core.render.libvirt_xml import render_interface_xml

    return ET.fromstring(render_interface_xml(net.spec, mac))


def move_interface(xml: str, mac: str, net: ManagedNetwork) -> tuple[str, str]:
    """The domain XML with interface ``mac`` on ``net``; returns (xml, where it was).

    The interface keeps everything that is the VM's own (MAC, model, PCI address,
    boot order); only its type and source change.
    """
    _register_namespaces(xml)
    root = ET.fromstring(xml)
    wanted = _connection(net, mac)
    for iface in root.findall("devices/interface"):
        found = iface.find("mac")
        if found is None or found.get("address", "").lower() != mac.lower():
            continue
        old_source = iface.find("source")
        where = ""
        if old_source is not None:
            where = (
                old_source.get("network") or old_source.get("bridge") or old_source.get("dev") or ""
            )
        previous = f"{iface.get('type', '')} {where}".strip()
        position = list(iface).index(old_source) if old_source is not None else 1
        for child in list(iface):
            if child.tag in _CONNECTION_CHILDREN:
                iface.remove(child)
        for attr in ("trustGuestRxFilters",):
            iface.attrib.pop(attr, None)
        iface.set("type", wanted.get("type", ""))
        new_source = wanted.find("source")
        assert new_source is not None
        iface.insert(min(position, len(iface)), new_source)
        return ET.tostring(root, encoding="unicode"), previous
    raise ValueError(f"no interface with MAC {mac}")


def add_interface(xml: str, mac: str, net: ManagedNetwork) -> str:
    """The domain XML with a new interface on ``net`` using ``mac``, after the others."""
    _register_namespaces(xml)
    root = ET.fromstring(xml)
    devices = root.find("devices")
    if devices is None:
        devices = ET.SubElement(root, "devices")
    new = _connection(net, mac)
    existing = devices.findall("interface")
    position = list(devices).index(existing[-1]) + 1 if existing else len(devices)
    new.tail = "\n    "
    devices.insert(position, new)
    return ET.tostring(root, encoding="unicode")


def new_mac(domain: str, network: str, taken: set[str]) -> str:
    """A KVM-style MAC for a new interface, derived from the names, clear of ``taken``."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{domain}/{network}/{counter}".encode()).digest()
        mac = KVM_OUI + "".join(f":{byte:02x}" for byte in digest[:3])
        if mac not in taken:
            return mac
        counter += 1


def _on_network(iface: DomainInterface, net: ManagedNetwork) -> bool:
    if net.spec.is_libvirt:
        return iface.type == "network" and iface.source == net.name
    return iface.type == "bridge" and iface.source == net.spec.bridge


def plan_attach(state: State, req: AttachRequest, domains: Sequence[DomainInfo]) -> PlannedChange:
    """Check ``req`` against the VMs libvirt has and plan the redefinition.

    Raises:
        AnswersError: naming ``--domain``, ``--network`` or ``--mac``.
    """
    net = managed_network(state, req.network)
    domain = next((d for d in domains if d.name == req.domain), None)
    if domain is None:
        known = ", ".join(d.name for d in domains) or "none"
        refuse("--domain", req.domain, f"libvirt has no such VM (VMs: {known})")
    if not domain.persistent:
        refuse(
            "--domain",
            req.domain,
            "is a transient VM (it has no persistent definition to change); define it first",
        )
    if req.mac:
        refuse_all([check_mac("--mac", req.mac)])
    mac = req.mac.lower()
    owners = {i.mac: d.name for d in domains for i in d.interfaces if i.mac}
    if mac and owners.get(mac, domain.name) != domain.name:
        refuse("--mac", req.mac, f"belongs to an interface of VM {owners[mac]}")
    mine = next((i for i in domain.interfaces if mac and i.mac == mac), None)
    if mine is not None and _on_network(mine, net):
        refuse("--network", req.network, f"interface {mac} of {domain.name} is already on it")
    if mine is not None:
        xml, previous = move_interface(domain.xml, mac, net)
        what = f"move interface {mac} of {domain.name} from {previous} to {net.name}"
    else:
        mac = mac or new_mac(domain.name, net.name, set(owners))
        xml, previous = add_interface(domain.xml, mac, net), ""
        what = f"add interface {mac} on {net.name} to {domain.name}"
    step = LibvirtStep(
        "domain-define",
        net.name,
        xml=xml,
        domain=domain.name,
        description=f"{what} (persistent definition: it applies when the VM next starts)",
    )
    stage = Stage(name=f"Attach VM {domain.name} to {net.name}", steps=(step,), network=net.name)
    after = [
        f"VM {domain.name} uses the interface from its next start: shut it down and start it "
        f"again (virsh shutdown {domain.name}; virsh start {domain.name}). A reboot from "
        "inside the VM keeps the old hardware.",
        "Inside the VM, the interface may need its network settings changed for the new "
        "subnet (DHCP, or a static address in it).",
    ]
    if not domain.active:
        after[0] = f"VM {domain.name} is shut off: it uses the interface when it next starts."
    change = AttachChange(net.name, domain.name, mac, previous)
    return PlannedChange(Plan(stages=(stage,)), change, what[0].upper() + what[1:], tuple(after))
