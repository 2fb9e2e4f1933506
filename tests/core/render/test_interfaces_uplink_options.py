"""Bridging on Debian keeps what the uplink's stanzas said besides its addresses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from support.file_validators import validate_file
from support.plan_matrix import case

from virtnet_tui.core.plan import CommandStep, FileStep
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.render.interfaces import uplink_options

OPERATORS_FILE = """\
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    address 203.0.113.166/29
    gateway 203.0.113.161
    dns-nameservers 203.0.113.2 203.0.113.3
    dns-search example.org
    mtu 9000
    post-up /sbin/ethtool -K eth0 tso off

iface eth0 inet6 static
    address 2001:db8::1/64
    gateway fe80::1
    accept_ra 0
    dns-nameservers 2001:db8::53
"""


def test_the_options_are_sorted_into_what_moves_and_what_stays() -> None:
    kept = uplink_options(OPERATORS_FILE, "eth0")
    dns = "dns-nameservers 203.0.113.2 203.0.113.3"
    assert kept.inet == (dns, "dns-search example.org", "mtu 9000")
    assert kept.inet6 == ("dns-nameservers 2001:db8::53",)
    assert kept.hooks == ("post-up /sbin/ethtool -K eth0 tso off",)
    assert uplink_options(OPERATORS_FILE, "eth1") == type(kept)()


def test_the_bridge_carries_the_uplinks_dns_and_mtu_and_ifupdown_reads_it(tmp_path: Path) -> None:
    answers = case("bridged", "debian", False, "slaac")
    host = dataclasses.replace(answers.host, files=(("/etc/network/interfaces", OPERATORS_FILE),))
    plan = prepare(dataclasses.replace(answers, host=host)).plan
    text = plan.files()["/etc/network/interfaces"].content
    bridge = text[text.index("iface br0 inet static") :]
    for option in ("dns-nameservers 203.0.113.2 203.0.113.3", "dns-search example.org", "mtu 9000"):
        assert option in bridge.split("iface br0 inet6")[0]
    assert "dns-nameservers 2001:db8::53" in bridge.split("iface br0 inet6")[1]
    # The card's own command stays with eth0, and the operator is told to check it.
    port = text[text.index("iface eth0 inet manual") :].split("\n\n")[0]
    assert "post-up /sbin/ethtool -K eth0 tso off" in port
    assert any("ethtool" in w for w in plan.warnings)
    validate_file(tmp_path, "/etc/network/interfaces", text, 0o644)


def test_rhel_6_network_manager_gets_the_verbs_its_nmcli_has() -> None:
    plan = prepare(case("bridged", "rhel", True, "none", distro_version="6.10", systemd=False)).plan
    argvs = [s.argv for _, _, s in plan.steps() if isinstance(s, CommandStep)]
    assert ("nmcli", "con", "up", "id", "eth0") in argvs
    assert not [a for a in argvs if a[:2] == ("nmcli", "connection")]
    risky = next(s for s in plan.stages if s.risky)
    assert ("nmcli", "connection", "reload") not in risky.after_undo
    assert [s for s in risky.steps if isinstance(s, FileStep)]
