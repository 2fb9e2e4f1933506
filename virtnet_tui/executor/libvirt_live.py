"""Live libvirt changes of re-runs: ``net-update`` of a DHCP host, ``defineXML`` of a VM."""

# Each has its apply, the state its undo needs (journaled before the change), its
# undo, and the ``virsh`` commands that finish an undo by hand. Applying is
# idempotent, so a resumed run can do a step again safely.

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from typing import Any

from virtnet_tui.core.changes.dhcp_entries import host_xml, parse_network_dhcp
from virtnet_tui.core.changes.records import host_key
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.core.plan import LibvirtStep

#: The inverse of each ``net-update`` command.
_INVERSE = {"add-last": "delete", "delete": "add-last", "modify": "modify"}


def _host(xml: str) -> DhcpHost:
    element = ET.fromstring(xml)
    return DhcpHost(
        ip=element.get("ip", ""),
        mac=element.get("mac", ""),
        id=element.get("id", ""),
        name=element.get("name", ""),
    )


def _lookup_network(conn: Any, name: str) -> Any:
    import libvirt

    try:
        return conn.networkLookupByName(name)
    except libvirt.libvirtError:
        return None


def _live_entry(net: Any, wanted: DhcpHost) -> DhcpHost | None:
    """The entry of the running definition with ``wanted``'s MAC or DUID."""
    key = host_key(wanted)
    return next(
        (h for h in parse_network_dhcp(net.XMLDesc(0)).leases if host_key(h) == key),
        None,
    )


# --- net-update ------------------------------------------------------------------------------


def capture_update(conn: Any, step: LibvirtStep) -> dict[str, Any]:
    net = _lookup_network(conn, step.network)
    if net is None:
        return {"exists": False}
    before: dict[str, Any] = {"exists": True, "active": bool(net.isActive())}
    entry = _live_entry(net, _host(step.xml))
    if entry is not None:
        before["old_host"] = host_xml(entry)
    return before


def update(conn: Any, step: LibvirtStep) -> str:
    """Apply the ``net-update`` of ``step``; a note says what happened.

    Raises:
        LookupError: the network does not exist.
        libvirt.libvirtError: libvirt refused the update.
    """
    import libvirt

    net = _lookup_network(conn, step.network)
    if net is None:
        raise LookupError(f"there is no libvirt network {step.network}")
    wanted = _host(step.xml)
    current = _live_entry(net, wanted)
    if step.command == "add-last" and current == wanted:
        return "the entry is already there"
    if step.command == "delete" and current is None:
        return "the entry is already gone"
    if step.command == "modify" and current == wanted:
        return "the entry already reads so"
    commands = {
        "add-last": libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
        "modify": libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
        "delete": libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
    }
    sections = {"ip-dhcp-host": libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST}
    flags = 0
    where = []
    if net.isPersistent():
        flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        where.append("persistent")
    if net.isActive():
        # --live only while it runs: libvirt refuses to change a stopped network live.
        flags |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
        where.append("live")
    xml = step.xml
    if step.command == "delete" and current is not None:
        # libvirt deletes only an exact match: send the entry as it stands.
        xml = host_xml(current)
    net.update(commands[step.command], sections[step.section], step.parent_index, xml, flags)
    return f"{step.command} {step.section} ({' and '.join(where)}; no restart)"


def inverse_update(step: LibvirtStep, before: dict[str, Any]) -> LibvirtStep | None:
    """The ``net-update`` that takes ``step`` back (``None``: nothing to take back)."""
    if not before.get("exists"):
        return None
    old = str(before.get("old_host", ""))
    if step.command == "add-last":
        if old:
            # The entry was there before the add (a resumed step): put that one back.
            return LibvirtStep(**{**_fields(step), "command": "modify", "xml": old})
        return LibvirtStep(**{**_fields(step), "command": "delete"})
    if not old:
        return None
    return LibvirtStep(**{**_fields(step), "command": _INVERSE[step.command], "xml": old})


def _fields(step: LibvirtStep) -> dict[str, Any]:
    return {
        "op": step.op,
        "network": step.network,
        "xml": step.xml,
        "command": step.command,
        "section": step.section,
        "parent_index": step.parent_index,
    }


def undo_update(conn: Any, step: LibvirtStep, before: dict[str, Any]) -> str:
    inverse = inverse_update(step, before)
    if inverse is None:
        return "nothing to take back"
    if _lookup_network(conn, step.network) is None:
        return f"network {step.network} is gone: nothing to take back"
    return update(conn, inverse)


def manual_update(step: LibvirtStep, before: dict[str, Any]) -> tuple[str, ...]:
    inverse = inverse_update(step, before)
    return () if inverse is None else (shlex.join(inverse.virsh_argv()),)


# --- domain-define ---------------------------------------------------------------------------


def persistent_domain_xml(dom: Any) -> str:
    import libvirt

    # SECURE keeps passwords (VNC, SPICE) in the text, so redefining does not drop them.
    return str(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE))


def lookup_domain(conn: Any, name: str) -> Any:
    import libvirt

    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError:
        return None


def capture_domain(conn: Any, step: LibvirtStep) -> dict[str, Any]:
    dom = lookup_domain(conn, step.domain)
    if dom is None:
        return {"exists": False}
    return {"exists": True, "xml": persistent_domain_xml(dom), "active": bool(dom.isActive())}


def define_domain(conn: Any, step: LibvirtStep) -> str:
    conn.defineXML(step.xml)
    return f"redefined {step.domain} (takes effect at its next start)"


def undo_domain(conn: Any, step: LibvirtStep, before: dict[str, Any]) -> str:
    if before.get("exists") and before.get("xml"):
        conn.defineXML(str(before["xml"]))
        return f"put back the definition of {step.domain}"
    dom = lookup_domain(conn, step.domain)
    if dom is not None:
        dom.undefine()
        return f"undefined {step.domain}"
    return "nothing to take back"
