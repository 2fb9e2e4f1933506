"""libvirt XML renderers: golden files, virt-xml-validate, and libvirt's own test driver."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import libvirt
import pytest
from support.golden_util import assert_golden

from virtnet_tui.core.model import DhcpHost, Ipv6Mode, NetworkSpec
from virtnet_tui.core.render.libvirt_xml import (
    dhcp_parent_index,
    render_dhcp_host_xml,
    render_interface_xml,
    render_network_xml,
    virt_install_network_arg,
)

DUID_A = "00:01:00:01:1a:ff:2b:ff:52:54:00:8a:11:4c"
DUID_B = "00:01:00:01:1a:ff:2b:ff:52:54:00:9b:ae:41"

ROUTED = NetworkSpec(
    type="routed",
    name="mynetwork1",
    bridge="virbr1",
    ipv4="203.0.113.88/29",
    dhcp4=("203.0.113.89", "203.0.113.94"),
    ipv6="2001:db8:aa::1/64",
)
ROUTED_HOSTS = (
    DhcpHost(ip="203.0.113.90", mac="52:54:00:6f:78:f3"),
    DhcpHost(ip="203.0.113.91", mac="52:54:00:91:ed:23", name="web"),
    DhcpHost(ip="2001:db8:aa::1222", id=DUID_A),
    DhcpHost(ip="2001:db8:aa::1333", id=DUID_B, name="db"),
)
NAT = NetworkSpec(
    type="nat",
    name="default",
    bridge="virbr0",
    ipv4="192.168.122.1/24",
    dhcp4=("192.168.122.2", "192.168.122.254"),
    ipv6="2001:db8::1/64",
)
NAT_HOSTS = (
    DhcpHost(ip="192.168.122.222", mac="52:54:00:6f:78:f3"),
    DhcpHost(ip="192.168.122.233", mac="52:54:00:91:ed:23"),
    DhcpHost(ip="2001:db8::1222", id=DUID_A),
    DhcpHost(ip="2001:db8::1333", id=DUID_B),
)
BASES = {"routed": (ROUTED, ROUTED_HOSTS), "nat": (NAT, NAT_HOSTS)}
MODES: tuple[Ipv6Mode, ...] = ("none", "slaac", "dhcpv6")


def variant(kind: str, mode: Ipv6Mode, hosts: bool) -> NetworkSpec:
    base, host_list = BASES[kind]
    return replace(base, ipv6_mode=mode, dhcp_hosts=host_list if hosts else ())


GOLDEN_CASES = [
    (kind, mode, hosts) for kind in ("routed", "nat") for mode in MODES for hosts in (False, True)
]
# Everything the renderer can produce: the golden matrix plus single-family and edge variants.
VALIDATE_CASES: dict[str, NetworkSpec] = {
    f"{kind}-{mode}-{'hosts' if hosts else 'nohosts'}": variant(kind, mode, hosts)
    for kind, mode, hosts in GOLDEN_CASES
}
VALIDATE_CASES |= {
    "routed-v6only-slaac": replace(ROUTED, ipv4="", dhcp4=None),
    "routed-v6only-dhcpv6-hosts": replace(
        ROUTED, ipv4="", dhcp4=None, ipv6_mode="dhcpv6", dhcp_hosts=ROUTED_HOSTS[2:]
    ),
    "nat-v4only-hosts-no-range": replace(NAT, ipv6="", dhcp4=None, dhcp_hosts=NAT_HOSTS[:2]),
    "routed-dhcpv6-explicit-range": replace(
        ROUTED, ipv6_mode="dhcpv6", dhcp6=("2001:db8:aa::100", "2001:db8:aa::1ff")
    ),
}


@pytest.mark.parametrize(("kind", "mode", "hosts"), GOLDEN_CASES)
def test_network_xml_golden(kind: str, mode: Ipv6Mode, hosts: bool) -> None:
    name = f"render/libvirt/{kind}-ipv6-{mode}{'-hosts' if hosts else ''}.xml"
    assert_golden(name, render_network_xml(variant(kind, mode, hosts)))


def test_network_xml_starts_with_header_comment() -> None:
    text = render_network_xml(ROUTED)
    assert text.startswith("<!--\n Written by virtnet-wizard.")
    # The comment must not break the document: the root is still <network>.
    assert ET.fromstring(text).tag == "network"


def test_network_xml_structure() -> None:
    root = ET.fromstring(render_network_xml(variant("routed", "dhcpv6", True)))
    assert root.findtext("name") == "mynetwork1"
    assert root.find("bridge").get("name") == "virbr1"  # type: ignore[union-attr]
    assert root.find("forward").get("mode") == "route"  # type: ignore[union-attr]
    v4, v6 = root.findall("ip")
    assert (v4.get("address"), v4.get("netmask")) == ("203.0.113.88", "255.255.255.248")
    assert [h.get("mac") for h in v4.iter("host")] == ["52:54:00:6f:78:f3", "52:54:00:91:ed:23"]
    assert (v6.get("family"), v6.get("address"), v6.get("prefix")) == (
        "ipv6",
        "2001:db8:aa::1",
        "64",
    )
    rng = v6.find("dhcp/range")
    assert rng is not None
    assert (rng.get("start"), rng.get("end")) == ("2001:db8:aa::1000", "2001:db8:aa::1fff")
    assert [h.get("id") for h in v6.iter("host")] == [DUID_A, DUID_B]


def test_slaac_has_no_dhcp6_and_none_has_no_ipv6() -> None:
    slaac = ET.fromstring(render_network_xml(variant("nat", "slaac", True)))
    v6 = [ip for ip in slaac.findall("ip") if ip.get("family") == "ipv6"]
    assert len(v6) == 1 and v6[0].find("dhcp") is None
    none = ET.fromstring(render_network_xml(variant("nat", "none", True)))
    assert [ip.get("family") for ip in none.findall("ip")] == [None]


def test_custom_and_bridged_types_are_refused() -> None:
    with pytest.raises(ValueError, match="not defined in libvirt"):
        render_network_xml(replace(ROUTED, type="custom-routed"))


def test_host_without_identifier_is_refused() -> None:
    with pytest.raises(ValueError, match="MAC"):
        render_dhcp_host_xml(DhcpHost(ip="192.168.122.5"))
    with pytest.raises(ValueError, match="DUID"):
        render_dhcp_host_xml(DhcpHost(ip="2001:db8::5", mac="52:54:00:00:00:01"))


def test_dhcp_host_snippets() -> None:
    assert (
        render_dhcp_host_xml(DhcpHost(ip="192.168.122.222", mac="52:54:00:6f:78:f3"))
        == '<host mac="52:54:00:6f:78:f3" ip="192.168.122.222" />'
    )
    # A MAC given for an IPv6 host is left out: libvirt rejects it there.
    assert (
        render_dhcp_host_xml(DhcpHost(ip="2001:db8::1222", id=DUID_A, mac="52:54:00:6f:78:f3"))
        == f'<host id="{DUID_A}" ip="2001:db8::1222" />'
    )


def test_dhcp_parent_index() -> None:
    v4, v6 = NAT_HOSTS[0], NAT_HOSTS[2]
    assert dhcp_parent_index(NAT, v4) == 0
    assert dhcp_parent_index(NAT, v6) == 1
    v6_only = replace(NAT, ipv4="", dhcp4=None)
    assert dhcp_parent_index(v6_only, v6) == 0
    with pytest.raises(ValueError, match="no IPv4"):
        dhcp_parent_index(v6_only, v4)
    with pytest.raises(ValueError, match="no IPv6"):
        dhcp_parent_index(replace(NAT, ipv6_mode="none"), v6)


def test_interface_xml_and_virt_install_arg() -> None:
    bridged = NetworkSpec(type="bridged", name="br0", bridge="br0", uplink="eth0")
    custom = NetworkSpec(type="custom-nat", name="virbr10", bridge="virbr10")
    assert render_interface_xml(bridged, "52:54:00:4f:47:f2") == (
        '<interface type="bridge">\n'
        '  <source bridge="br0" />\n'
        '  <mac address="52:54:00:4f:47:f2" />\n'
        "</interface>\n"
    )
    assert render_interface_xml(ROUTED) == (
        '<interface type="network">\n  <source network="mynetwork1" />\n</interface>\n'
    )
    assert 'source bridge="virbr10"' in render_interface_xml(custom)
    assert virt_install_network_arg(bridged) == "bridge=br0"
    assert virt_install_network_arg(custom) == "bridge=virbr10"
    assert virt_install_network_arg(ROUTED) == "network=mynetwork1"
    assert virt_install_network_arg(NAT) == "network=default"


# --- the real readers -------------------------------------------------------------------------


def _validate(path: Path, kind: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("xmllint") is None or shutil.which("virt-xml-validate") is None:
        pytest.fail("virt-xml-validate and xmllint are needed (libvirt-clients, libxml2-utils)")
    return subprocess.run(
        ["virt-xml-validate", str(path), kind], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("case", sorted(VALIDATE_CASES))
def test_network_xml_passes_virt_xml_validate(case: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.xml"
    path.write_text(render_network_xml(VALIDATE_CASES[case]))
    proc = _validate(path, "network")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_virt_xml_validate_rejects_a_broken_network(tmp_path: Path) -> None:
    # Proves the validator is not a no-op: a <network> without <name> is invalid.
    root = ET.fromstring(render_network_xml(ROUTED))
    name = root.find("name")
    assert name is not None
    root.remove(name)
    path = tmp_path / "broken.xml"
    path.write_text(ET.tostring(root, encoding="unicode"))
    assert _validate(path, "network").returncode != 0


@pytest.mark.parametrize(
    "spec",
    [
        NetworkSpec(type="bridged", name="br0", bridge="br0"),
        NetworkSpec(type="custom-routed", name="virbr10", bridge="virbr10"),
        ROUTED,
        NAT,
    ],
    ids=lambda s: s.type,
)
@pytest.mark.parametrize("mac", ["", "52:54:00:4f:47:f2"])
def test_interface_xml_in_a_domain(spec: NetworkSpec, mac: str, tmp_path: Path) -> None:
    domain_xml = _domain_with(render_interface_xml(spec, mac))
    path = tmp_path / "domain.xml"
    path.write_text(domain_xml)
    proc = _validate(path, "domain")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    conn = libvirt.open("test:///default")
    try:
        dom = conn.defineXML(domain_xml)
        try:
            iface = ET.fromstring(dom.XMLDesc(0)).find("devices/interface")
            assert iface is not None
            source = iface.find("source")
            assert source is not None
            if spec.is_libvirt:
                assert (iface.get("type"), source.get("network")) == ("network", spec.name)
            else:
                assert (iface.get("type"), source.get("bridge")) == ("bridge", spec.bridge)
            got_mac = iface.find("mac")
            assert got_mac is not None
            if mac:
                assert got_mac.get("address") == mac
            else:
                # libvirt makes one up when the interface names none.
                assert (got_mac.get("address") or "").startswith("52:54:00:")
        finally:
            dom.undefine()
    finally:
        conn.close()


def _domain_with(interface_xml: str) -> str:
    domain = ET.Element("domain", type="test")
    ET.SubElement(domain, "name").text = "vnwt-vm"
    ET.SubElement(domain, "memory").text = "131072"
    ET.SubElement(ET.SubElement(domain, "os"), "type").text = "hvm"
    ET.SubElement(domain, "devices").append(ET.fromstring(interface_xml))
    return ET.tostring(domain, encoding="unicode")


@pytest.fixture
def conn() -> Iterator[Any]:
    connection = libvirt.open("test:///default")
    try:
        yield connection
    finally:
        connection.close()


def _unique(spec: NetworkSpec, index: int) -> NetworkSpec:
    # test:///default already has a "default" network on virbr0; keep clear of it.
    return replace(spec, name=f"vnwt-net{index}", bridge=f"vnwtbr{index}")


def _ranges_and_hosts(xml: str) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    root = ET.fromstring(xml)
    ranges: set[tuple[str, ...]] = {
        (r.get("start", ""), r.get("end", "")) for r in root.iter("range")
    }
    hosts = {tuple(f"{k}={v}" for k, v in sorted(h.attrib.items())) for h in root.iter("host")}
    return ranges, hosts


@pytest.mark.parametrize("case", sorted(VALIDATE_CASES))
def test_network_xml_defines_and_starts_in_libvirt(case: str, conn: Any) -> None:
    spec = _unique(VALIDATE_CASES[case], sorted(VALIDATE_CASES).index(case))
    rendered = render_network_xml(spec)
    net = conn.networkDefineXML(rendered)
    try:
        net.create()
        try:
            assert net.isActive() == 1
            assert net.bridgeName() == spec.bridge
            live = net.XMLDesc(0)
            assert _ranges_and_hosts(live) == _ranges_and_hosts(rendered)
            forward = ET.fromstring(live).find("forward")
            assert forward is not None
            assert forward.get("mode") == {"routed": "route", "nat": "nat"}[spec.type]
        finally:
            net.destroy()
    finally:
        net.undefine()


@pytest.mark.parametrize("v4", [True, False], ids=["dual-stack", "v6-only"])
def test_net_update_adds_hosts_at_the_parent_index(v4: bool, conn: Any) -> None:
    """test:///default supports ``net-update add-last ip-dhcp-host`` with --live --config."""
    spec = _unique(replace(ROUTED, ipv6_mode="dhcpv6"), 90 + v4)
    if not v4:
        spec = replace(spec, ipv4="", dhcp4=None)
    new_hosts = [h for h in ROUTED_HOSTS if v4 or ":" in h.ip]
    net = conn.networkDefineXML(render_network_xml(spec))
    flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    try:
        net.create()
        for host in new_hosts:
            net.update(
                libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                dhcp_parent_index(spec, host),
                render_dhcp_host_xml(host),
                flags,
            )
        expected = _ranges_and_hosts(render_network_xml(replace(spec, dhcp_hosts=tuple(new_hosts))))
        assert _ranges_and_hosts(net.XMLDesc(0)) == expected
        # Each host landed under the <ip> of its own family.
        for ip in ET.fromstring(net.XMLDesc(0)).iter("ip"):
            family = 6 if ip.get("family") == "ipv6" else 4
            assert all((":" in h.get("ip", "")) == (family == 6) for h in ip.iter("host"))
        if v4:
            # Adding the same MAC twice is refused, as virsh net-update would report.
            with pytest.raises(libvirt.libvirtError, match="existing dhcp host"):
                net.update(
                    libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                    libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                    0,
                    render_dhcp_host_xml(new_hosts[0]),
                    flags,
                )
        net.destroy()
        # The persistent definition kept the hosts (--config).
        assert _ranges_and_hosts(net.XMLDesc(0)) == expected
    finally:
        if net.isActive():
            net.destroy()
        net.undefine()


def test_net_update_modify_and_delete(conn: Any) -> None:
    """IPv4 hosts can be modified in place (matched by MAC); IPv6 hosts cannot (libvirt matches
    ``modify`` by MAC or name, never by DUID), so changing one is a delete then an add."""
    spec = _unique(replace(ROUTED, ipv6_mode="dhcpv6", dhcp_hosts=ROUTED_HOSTS), 95)
    net = conn.networkDefineXML(render_network_xml(spec))
    flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    section = libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST
    try:
        net.create()
        moved = replace(ROUTED_HOSTS[0], ip="203.0.113.93")
        net.update(
            libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
            section,
            dhcp_parent_index(spec, moved),
            render_dhcp_host_xml(moved),
            flags,
        )
        v6_moved = replace(ROUTED_HOSTS[2], ip="2001:db8:aa::1444")
        with pytest.raises(libvirt.libvirtError, match="couldn't locate"):
            net.update(
                libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
                section,
                dhcp_parent_index(spec, v6_moved),
                render_dhcp_host_xml(v6_moved),
                flags,
            )
        for host in (moved, ROUTED_HOSTS[2]):
            net.update(
                libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                section,
                dhcp_parent_index(spec, host),
                render_dhcp_host_xml(host),
                flags,
            )
        left = replace(spec, dhcp_hosts=(ROUTED_HOSTS[1], ROUTED_HOSTS[3]))
        assert _ranges_and_hosts(net.XMLDesc(0)) == _ranges_and_hosts(render_network_xml(left))
    finally:
        if net.isActive():
            net.destroy()
        net.undefine()
