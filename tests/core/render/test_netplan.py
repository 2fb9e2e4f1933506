"""netplan YAML: the uplink's files edited for a bridge, new bridges, read by `netplan generate`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.netplan import (
    bridged_files,
    find_uplink,
    render_cloud_init_disable,
    render_virtual_bridge,
    virtual_bridge_path,
)

needs_netplan = pytest.mark.skipif(
    shutil.which("netplan") is None, reason="netplan is not installed (netplan.io)"
)

MAC = "0c:c4:7a:92:ec:ee"
FACTS = HostFacts(
    distro="ubuntu",
    netconfig="netplan",
    uplink_interface="eth0",
    mac=MAC,
    ipv4="203.0.113.10/24",
    gateway4="203.0.113.1",
)
BRIDGE = NetworkSpec("bridged", "br0", "br0")
CLOUD_INIT_DHCP = f"""\
# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.
network:
    ethernets:
        ens3:
            dhcp4: true
            dhcp6: false
            match:
                macaddress: {MAC}
            set-name: eth0
    version: 2
"""
STATIC = """\
network:
  version: 2
  renderer: networkd
  ethernets:
    eth0:
      addresses: [203.0.113.10/24, "2001:db8:5::2/64"]
      routes:
        - {to: default, via: 203.0.113.1}
        - {to: default, via: "fe80::1"}
      nameservers: {addresses: [203.0.113.53], search: [example.com]}
      mtu: 1500
"""
EXTRA = """\
network:
  version: 2
  ethernets:
    eth0:
      addresses: [203.0.113.11/24]
"""


def generate(tmp_path: Path, files: dict[str, str]) -> dict[str, str]:
    """``netplan generate --root-dir``: the units it writes, by name; it must not warn."""
    root = tmp_path / "root"
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        os.chmod(target, 0o600)
    done = subprocess.run(
        ["netplan", "generate", "--root-dir", str(root)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no warning either
    out = root / "run/systemd/network"
    return {p.name: p.read_text() for p in sorted(out.iterdir())}


def _edited(files: dict[str, str]) -> dict[str, str]:
    found = find_uplink(files.items(), "eth0", MAC)
    assert found is not None
    return dict(bridged_files(files.items(), found, BRIDGE, FACTS))


@needs_netplan
def test_cloud_inits_dhcp_uplink_becomes_a_port_of_a_bridge_with_its_mac(tmp_path: Path) -> None:
    files = {"/etc/netplan/50-cloud-init.yaml": CLOUD_INIT_DHCP}
    edited = _edited(files)
    assert list(edited) == ["/etc/netplan/50-cloud-init.yaml"]
    units = generate(tmp_path, edited)
    assert f"MACAddress={MAC}" in units["10-netplan-br0.netdev"]
    port = units["10-netplan-ens3.network"]
    assert "Bridge=br0" in port and "DHCP" not in port
    bridge = units["10-netplan-br0.network"]
    assert "DHCP=ipv4" in bridge and f"MACAddress={MAC}" in bridge
    # The match and set-name stay with the port: it is still found by its MAC.
    assert f"PermanentMACAddress={MAC}" in port


@needs_netplan
def test_a_static_uplinks_addresses_routes_and_dns_move_to_the_bridge(tmp_path: Path) -> None:
    units = generate(tmp_path, _edited({"/etc/netplan/01-netcfg.yaml": STATIC}))
    port, bridge = units["10-netplan-eth0.network"], units["10-netplan-br0.network"]
    assert "Address=" not in port and "Gateway" not in port and "DNS" not in port
    for line in (
        "Address=203.0.113.10/24",
        "Address=2001:db8:5::2/64",
        "Gateway=203.0.113.1",
        "Gateway=fe80::1",
        "DNS=203.0.113.53",
        "Domains=example.com",
    ):
        assert line in bridge, line
    assert "MTUBytes=1500" in port  # what is the link's own stays with it


@needs_netplan
def test_every_file_that_adds_to_the_uplink_is_edited(tmp_path: Path) -> None:
    """netplan appends lists across files: an address left in one would stay on eth0."""
    files = {"/etc/netplan/01-netcfg.yaml": STATIC, "/etc/netplan/90-extra.yaml": EXTRA}
    edited = _edited(files)
    assert sorted(edited) == sorted(files)
    assert "br0" in yaml.safe_load(edited["/etc/netplan/90-extra.yaml"])["network"]["bridges"]
    units = generate(tmp_path, edited)
    assert "Address=" not in units["10-netplan-eth0.network"]
    bridge = units["10-netplan-br0.network"]
    assert "Address=203.0.113.10/24" in bridge and "Address=203.0.113.11/24" in bridge


@needs_netplan
def test_an_uplink_defined_without_addresses_takes_the_probed_ones(tmp_path: Path) -> None:
    files = {"/etc/netplan/01.yaml": "network:\n  version: 2\n  ethernets:\n    eth0: {}\n"}
    units = generate(tmp_path, _edited(files))
    assert "Address=203.0.113.10/24" in units["10-netplan-br0.network"]
    assert "Gateway=203.0.113.1" in units["10-netplan-br0.network"]


@needs_netplan
def test_a_vm_only_bridge_has_its_mac_and_addresses_with_no_port(tmp_path: Path) -> None:
    spec = NetworkSpec(
        "custom-nat",
        "virbr10",
        "virbr10",
        ipv4="192.168.100.1/24",
        ipv6="2001:db8:aa::1/64",
        bridge_mac="52:54:00:aa:bb:cc",
    )
    units = generate(tmp_path, {virtual_bridge_path("virbr10"): render_virtual_bridge(spec)})
    assert "MACAddress=52:54:00:aa:bb:cc" in units["10-netplan-virbr10.netdev"]
    network = units["10-netplan-virbr10.network"]
    for line in (
        "Address=192.168.100.1/24",
        "Address=2001:db8:aa::1/64",
        "ConfigureWithoutCarrier=yes",
        "IPv6AcceptRA=no",
    ):
        assert line in network, line


def test_cloud_init_is_told_to_leave_the_network_alone() -> None:
    assert yaml.safe_load(render_cloud_init_disable()) == {"network": {"config": "disabled"}}


def test_the_uplink_is_found_by_id_match_or_set_name_and_not_otherwise() -> None:
    def ident(text: str, uplink: str = "eth0", mac: str = MAC) -> str | None:
        found = find_uplink([("/etc/netplan/a.yaml", text)], uplink, mac)
        return found.ident if found else None

    assert ident(STATIC) == "eth0"
    assert ident(CLOUD_INIT_DHCP) == "ens3"
    assert ident(CLOUD_INIT_DHCP.replace("            set-name: eth0\n", "")) == "ens3"
    assert ident(CLOUD_INIT_DHCP.replace("set-name: eth0", "set-name: ens9"), mac="") is None
    by_name = "network:\n  ethernets:\n    all:\n      match: {name: 'e*'}\n      dhcp4: true\n"
    assert ident(by_name) == "all"
    assert ident(by_name, uplink="wlan0") is None
    assert ident(STATIC, uplink="eth1") is None


def test_the_renderer_is_the_devices_else_the_last_global_one() -> None:
    nm = "network:\n  renderer: NetworkManager\n"
    found = find_uplink(
        [("/etc/netplan/01.yaml", STATIC), ("/etc/netplan/99-nm.yaml", nm)], "eth0", MAC
    )
    assert found is not None and found.renderer == "NetworkManager"
    found = find_uplink([("/etc/netplan/01.yaml", CLOUD_INIT_DHCP)], "eth0", MAC)
    assert found is not None and found.renderer == "networkd"


def test_a_vendor_file_in_lib_is_hidden_by_its_edited_copy_in_etc() -> None:
    files = {"/lib/netplan/90-default.yaml": STATIC}
    assert list(_edited(files)) == ["/etc/netplan/90-default.yaml"]
