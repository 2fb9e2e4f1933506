"""Fuzz: any answers file either plans or exits 2 naming a field; never a traceback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.paths import EXAMPLES

from virtnet_tui.cli.main import main

# Plausible and broken values side by side, so that many documents reach the planner.
CIDR4 = st.sampled_from(
    [
        "192.168.100.1/24",
        "10.0.5.1/24",
        "203.0.113.88/29",
        "192.168.1.1/31",
        "300.1.1.1/24",
        "x",
        "",
    ]
)
CIDR6 = st.sampled_from(
    ["", "2001:db8:aa::1/64", "2001:db8:bb::1/56", "fe80::1/64", "2001:db8::1/129"]
)
ADDR4 = st.sampled_from(
    ["192.168.100.2", "192.168.100.254", "10.0.5.9", "203.0.113.90", "1.2.3", ""]
)
MAC = st.sampled_from(["52:54:00:be:0a:f3", "52:54:00:00:00:01", "ff:ff:ff:ff:ff:ff", "zz", ""])
NAME = st.sampled_from(["virbr10", "virbr11", "br0", "default", "net-1", "a" * 16, "bad/name", ""])
PORTS = st.lists(st.integers(min_value=-1, max_value=70000), max_size=3)


@st.composite
def network(draw: st.DrawFn) -> dict[str, Any]:
    net: dict[str, Any] = {
        "type": draw(
            st.sampled_from(["bridged", "routed", "nat", "custom-routed", "custom-nat", "x"])
        ),
        "name": draw(NAME),
    }
    if draw(st.booleans()):
        net["bridge"] = draw(NAME)
    if draw(st.booleans()):
        net["ipv4"] = draw(CIDR4)
    if draw(st.booleans()):
        net["dhcp4"] = draw(st.lists(ADDR4, max_size=3))
    if draw(st.booleans()):
        net["ipv6"] = draw(CIDR6)
        net["ipv6_mode"] = draw(st.sampled_from(["slaac", "dhcpv6", "none", "auto"]))
    if draw(st.booleans()):
        net["dhcp_host"] = [
            {"mac": draw(MAC), "ip": draw(ADDR4)} for _ in range(draw(st.integers(0, 2)))
        ]
    if draw(st.booleans()):
        net["forward"] = [
            {
                "proto": draw(st.sampled_from(["tcp", "udp", "icmp"])),
                "ports": draw(PORTS),
                "to": draw(ADDR4),
                "to_port": draw(st.integers(-1, 70000)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ]
    return net


@st.composite
def document(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "situation": {
            "site": draw(st.sampled_from(["dedicated", "homelab", "cloud"])),
            "uplink": draw(st.sampled_from(["ethernet", "wireless", "both"])),
            "public_ipv4": draw(st.integers(-1, 300)),
            "vms": draw(st.integers(-1, 300)),
            "bridging_allowed": draw(st.booleans()),
            "ipv6_prefix": draw(st.sampled_from([0, 48, 56, 63, 64, 80, 129])),
            "inbound": draw(st.booleans()),
            "firewall": draw(st.sampled_from(["libvirt", "manual"])),
        }
    }
    if draw(st.booleans()):
        doc["host"] = {
            "distro": draw(st.sampled_from(["debian", "rhel", "fedora", "arch"])),
            "network_manager": draw(st.booleans()),
            "systemd": draw(st.booleans()),
            "uplink_interface": draw(st.sampled_from(["eth0", "enp3s0", "virbr10", ""])),
            "mac": draw(st.sampled_from(["0c:c4:7a:92:ec:ee", "19:7c:3b:92:ec:ee", ""])),
            "ipv4": draw(st.sampled_from(["203.0.113.86/28", "192.168.0.10/24", "", "bad"])),
            "gateway4": draw(st.sampled_from(["203.0.113.81", "192.168.0.1", ""])),
            "ipv6": draw(st.sampled_from(["", "2001:db8::1/64"])),
            "dnsmasq_version": draw(st.sampled_from(["2.90", "2.60", "2.63", "two"])),
        }
    if draw(st.booleans()):
        doc["network"] = draw(st.lists(network(), min_size=1, max_size=2))
    return doc


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))
ODD_VALUES = st.one_of(CIDR4, CIDR6, ADDR4, MAC, NAME, PORTS, st.integers(-5, 70000), st.booleans())


@st.composite
def mutated_example(draw: st.DrawFn) -> dict[str, Any]:
    """A valid example with one value changed: most reach the planner, some break one rule."""
    import tomllib

    doc: dict[str, Any] = tomllib.loads(draw(st.sampled_from(EXAMPLE_FILES)).read_text())
    tables: list[dict[str, Any]] = [doc["situation"], doc.get("host", {})]
    for net in doc.get("network", []):
        tables.append(net)
        tables += net.get("dhcp_host", []) + net.get("forward", [])
    table = draw(st.sampled_from([t for t in tables if t]))
    key = draw(st.sampled_from(sorted(table)))
    if draw(st.booleans()):
        table[key] = draw(ODD_VALUES)
    else:
        del table[key]
    return doc


FIELD_LINE = re.compile(r"^(?:[a-z_]+(?:\[\d+\])?)(?:\.[a-z_0-9]+(?:\[\d+\])?)*(?: = .*)?: .+$")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.one_of(document(), mutated_example()))
def test_any_answers_plan_or_exit_2_with_named_fields(
    doc: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "answers.toml"
    path.write_text(tomli_w.dumps(doc))
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["plan", "--answers", str(path), "--json"])
    assert rc in (0, 2), f"exit {rc}: {err.getvalue()}"
    event("planned" if rc == 0 else "refused")
    if rc == 2:
        lines = err.getvalue().splitlines()
        assert lines[0] == "virtnet-wizard: invalid answers:"
        assert lines[1:], "at least one finding"
        for line in lines[1:]:
            assert FIELD_LINE.match(line), f"finding without a field: {line!r}"
        assert out.getvalue() == ""
    else:
        assert out.getvalue().startswith("{")
    assert "Traceback" not in err.getvalue()
