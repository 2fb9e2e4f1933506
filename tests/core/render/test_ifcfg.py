"""ifcfg renderers: golden files, and bash reading them the way initscripts does."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.golden_util import assert_golden

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.ifcfg import (
    render_ifcfg_bridge,
    render_ifcfg_dummy0,
    render_ifcfg_uplink,
    render_ifcfg_virtual_bridge,
    rhel6_nm_network_line,
    shell_value,
)

HOST = HostFacts(
    distro="rhel",
    network_manager=True,
    uplink_interface="eth0",
    mac="19:7c:3b:92:ec:ee",
    ipv4="203.0.113.166/29",
    gateway4="203.0.113.161",
    ipv6="2001:db8::1/64",
    gateway6="fe80::1",
)
BRIDGED = NetworkSpec(type="bridged", name="br0", bridge="br0", uplink="eth0")
CUSTOM_ROUTED = NetworkSpec(
    type="custom-routed",
    name="virbr10",
    bridge="virbr10",
    ipv4="203.0.113.88/29",
    ipv6="2001:db8:aa::1/64",
    bridge_mac="52:54:00:7e:27:af",
)
CUSTOM_NAT = NetworkSpec(
    type="custom-nat",
    name="virbr10",
    bridge="virbr10",
    ipv4="192.168.100.1/24",
    ipv6_mode="none",
    bridge_mac="52:54:00:7e:27:af",
)
CUSTOM = {"routed": CUSTOM_ROUTED, "nat": CUSTOM_NAT}


def facts(nm: bool, ipv6: bool = True, dummy: bool = True, distro: str = "rhel") -> HostFacts:
    return replace(
        HOST,
        distro=distro,  # type: ignore[arg-type]
        network_manager=nm,
        ipv6=HOST.ipv6 if ipv6 else "",
        gateway6=HOST.gateway6 if ipv6 else "",
        dummy_supported=dummy,
    )


def source(path: Path) -> dict[str, str]:
    """The variables a file defines, read by bash with ``set -a; . FILE`` in an empty env."""
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    before = _env("")
    after = _env(f". {shlex.quote(str(path))}")
    return {k: v for k, v in after.items() if before.get(k) != v}


def _env(script: str) -> dict[str, str]:
    proc = subprocess.run(
        ["env", "-i", "bash", "-c", f"set -a; {script}\nenv -0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    pairs = (item.partition("=") for item in proc.stdout.split("\0") if item)
    return {k: v for k, _, v in pairs if k not in {"_", "SHLVL", "PWD"}}


def file_entries(text: str) -> dict[str, str]:
    """``KEY=value`` lines of ``text``, with values unquoted as the shell would."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Z0-9_]+)=(.*)", line)
        if match:
            words = shlex.split(match.group(2))
            entries[match.group(1)] = words[0] if words else ""
        else:
            assert line == "" or line.startswith("#"), f"unexpected line {line!r}"
    return entries


def check_read_by_bash(text: str, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "ifcfg-test"
    path.write_text(text)
    read = source(path)
    assert read == file_entries(text)
    return read


# --- bridged network ---------------------------------------------------------------------------


@pytest.mark.parametrize("nm", [True, False], ids=["nm", "no-nm"])
@pytest.mark.parametrize("ipv6", [True, False], ids=["ipv6", "ipv4-only"])
def test_bridged_golden(nm: bool, ipv6: bool, tmp_path: Path) -> None:
    host = facts(nm, ipv6)
    suffix = f"{'nm' if nm else 'no-nm'}-{'ipv6' if ipv6 else 'ipv4-only'}"
    uplink = render_ifcfg_uplink(BRIDGED, host)
    bridge = render_ifcfg_bridge(BRIDGED, host)
    assert_golden(f"render/ifcfg/bridged-{suffix}/ifcfg-eth0", uplink)
    assert_golden(f"render/ifcfg/bridged-{suffix}/ifcfg-br0", bridge)
    # The renderers do not depend on the distribution: Fedora gets the same files as RHEL.
    fedora = replace(host, distro="fedora")
    assert render_ifcfg_uplink(BRIDGED, fedora) == uplink
    assert render_ifcfg_bridge(BRIDGED, fedora) == bridge
    check_read_by_bash(uplink, tmp_path)
    check_read_by_bash(bridge, tmp_path)


def test_bridged_values_as_bash_reads_them(tmp_path: Path) -> None:
    uplink = check_read_by_bash(render_ifcfg_uplink(BRIDGED, facts(nm=True)), tmp_path)
    assert uplink == {
        "DEVICE": "eth0",
        "NAME": "eth0",
        "HWADDR": "19:7c:3b:92:ec:ee",
        "NM_CONTROLLED": "yes",
        "ONBOOT": "yes",
        "TYPE": "Ethernet",
        "BRIDGE": "br0",
    }
    bridge = check_read_by_bash(render_ifcfg_bridge(BRIDGED, facts(nm=False)), tmp_path)
    assert bridge == {
        "DEVICE": "br0",
        "NAME": "br0",
        "NM_CONTROLLED": "no",
        "ONBOOT": "yes",
        "TYPE": "Bridge",
        "STP": "off",
        "DELAY": "0",
        "BOOTPROTO": "none",
        "IPADDR": "203.0.113.166",
        "NETMASK": "255.255.255.248",
        "GATEWAY": "203.0.113.161",
        "IPV6INIT": "yes",
        "IPV6_AUTOCONF": "no",
        "IPV6ADDR": "2001:db8::1/64",
        "IPV6_DEFAULTGW": "fe80::1%br0",
    }


def test_bridged_ipv6_gateway_and_dhcp_fallback(tmp_path: Path) -> None:
    global_gw = replace(HOST, gateway6="2001:db8::ffff")
    read = check_read_by_bash(render_ifcfg_bridge(BRIDGED, global_gw), tmp_path)
    assert read["IPV6_DEFAULTGW"] == "2001:db8::ffff"  # no %br0 for a global gateway
    no_v6 = check_read_by_bash(render_ifcfg_bridge(BRIDGED, facts(True, ipv6=False)), tmp_path)
    assert no_v6["IPV6INIT"] == "no" and "IPV6ADDR" not in no_v6
    dhcp = check_read_by_bash(
        render_ifcfg_bridge(BRIDGED, replace(HOST, ipv4="", gateway4="")), tmp_path
    )
    assert dhcp["BOOTPROTO"] == "dhcp" and "IPADDR" not in dhcp


def test_uplink_falls_back_to_the_host_uplink(tmp_path: Path) -> None:
    spec = replace(BRIDGED, uplink="")
    host = replace(HOST, uplink_interface="enp1s0", mac="")
    read = check_read_by_bash(render_ifcfg_uplink(spec, host), tmp_path)
    assert read["DEVICE"] == "enp1s0" and "HWADDR" not in read


# --- custom virtual bridges --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["routed", "nat"])
@pytest.mark.parametrize("dummy", [True, False], ids=["dummy", "no-dummy"])
@pytest.mark.parametrize("nm", [True, False], ids=["nm", "no-nm"])
def test_virtual_bridge_golden(kind: str, dummy: bool, nm: bool, tmp_path: Path) -> None:
    host = facts(nm, dummy=dummy)
    text = render_ifcfg_virtual_bridge(CUSTOM[kind], host)
    name = (
        f"render/ifcfg/custom-{kind}-{'dummy' if dummy else 'no-dummy'}-{'nm' if nm else 'no-nm'}"
    )
    assert_golden(f"{name}/ifcfg-virbr10", text)
    assert render_ifcfg_virtual_bridge(CUSTOM[kind], replace(host, distro="fedora")) == text
    read = check_read_by_bash(text, tmp_path)
    assert read["TYPE"] == "Bridge" and read["STP"] == "on" and read["DELAY"] == "2"
    assert read["NM_CONTROLLED"] == ("yes" if nm else "no")
    # With no dummy port, only a MAC on the bridge itself keeps it stable.
    assert read.get("MACADDR") == (None if dummy else "52:54:00:7e:27:af")


def test_virtual_bridge_values(tmp_path: Path) -> None:
    routed = check_read_by_bash(render_ifcfg_virtual_bridge(CUSTOM_ROUTED, HOST), tmp_path)
    assert {k: routed[k] for k in ("IPADDR", "NETMASK", "IPV6INIT", "IPV6ADDR")} == {
        "IPADDR": "203.0.113.88",
        "NETMASK": "255.255.255.248",
        "IPV6INIT": "yes",
        "IPV6ADDR": "2001:db8:aa::1/64",
    }
    assert routed["IPV6FORWARDING"] == "yes" and routed["IPV6_AUTOCONF"] == "no"
    nat = check_read_by_bash(render_ifcfg_virtual_bridge(CUSTOM_NAT, HOST), tmp_path)
    assert (nat["IPADDR"], nat["NETMASK"], nat["IPV6INIT"]) == (
        "192.168.100.1",
        "255.255.255.0",
        "no",
    )
    assert "IPV6ADDR" not in nat and "IPV6FORWARDING" not in nat


def test_dummy0_golden(tmp_path: Path) -> None:
    text = render_ifcfg_dummy0(CUSTOM_ROUTED)
    assert_golden("render/ifcfg/dummy0/ifcfg-dummy0", text)
    assert check_read_by_bash(text, tmp_path) == {
        "DEVICE": "dummy0",
        "MACADDR": "52:54:00:7e:27:af",
        "NM_CONTROLLED": "no",
        "ONBOOT": "yes",
        "TYPE": "Ethernet",
        "BRIDGE": "virbr10",
        "IPV6INIT": "no",
    }


def test_rhel6_network_line(tmp_path: Path) -> None:
    line = rhel6_nm_network_line()
    assert "\n" not in line
    assert check_read_by_bash(line + "\n", tmp_path) == {"NM_BOND_BRIDGE_VLAN_ENABLED": "yes"}


def test_every_file_starts_with_the_header() -> None:
    for text in (
        render_ifcfg_uplink(BRIDGED, HOST),
        render_ifcfg_bridge(BRIDGED, HOST),
        render_ifcfg_virtual_bridge(CUSTOM_NAT, HOST),
        render_ifcfg_dummy0(CUSTOM_NAT),
    ):
        assert text.startswith("# Written by virtnet-wizard.")


def test_shell_value_quotes_only_when_needed() -> None:
    assert shell_value("fe80::1%br0") == "fe80::1%br0"
    assert shell_value("") == "''"
    assert shell_value("a b") == "'a b'"
    assert shell_value("it's") == "'it'\\''s'"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0")))
def test_shell_value_round_trips_through_bash(value: str) -> None:
    proc = subprocess.run(
        ["env", "-i", "bash", "-c", f'V={shell_value(value)}\nprintf %s "$V"'],
        capture_output=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == value.encode()
