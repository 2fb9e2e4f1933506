"""dnsmasq configuration: golden files, `dnsmasq --test`, and a real dnsmasq handing out leases."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.custom_net_examples import (
    FACTS,
    NAT,
    NAT_PLAIN,
    OLD_FACTS,
    ROUTED_DHCPV6,
    ROUTED_SLAAC,
    ROUTED_V6_ONLY,
)
from support.golden_util import assert_golden
from support.netns import Netns, netns, read_until, stop
from support.paths import TESTS

from virtnet_tui.core.model import DhcpHost, HostFacts, NetworkSpec
from virtnet_tui.core.render.dnsmasq import (
    dhcp6_range,
    dnsmasq_argv,
    dnsmasq_paths,
    has_bind_dynamic,
    has_router_advertisements,
    lease_max,
    render_dnsmasq_conf,
    render_dnsmasq_host_line,
    render_dnsmasq_hostsfile,
    render_system_dnsmasq_exclusion,
)

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
needs_dnsmasq = pytest.mark.skipif(
    not Path(DNSMASQ).exists(), reason="dnsmasq is not installed (scripts/install-system-deps.sh)"
)

#: (golden name, spec, facts) for every configuration variant.
CONF_VARIANTS: list[tuple[str, NetworkSpec, HostFacts]] = [
    ("nat-v4", NAT, FACTS),
    ("nat-no-dhcp", dataclasses.replace(NAT_PLAIN, dhcp4=None), FACTS),
    ("routed-slaac", ROUTED_SLAAC, FACTS),
    ("routed-dhcpv6", ROUTED_DHCPV6, FACTS),
    ("routed-v6-only", ROUTED_V6_ONLY, FACTS),
    ("routed-slaac-dnsmasq-2.60", ROUTED_SLAAC, OLD_FACTS),
    ("nat-dnsmasq-2.60", NAT, OLD_FACTS),
]
IDS = [name for name, _, _ in CONF_VARIANTS]


def conf_lines(text: str) -> list[str]:
    """The option lines, without comments and blanks."""
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


@pytest.mark.parametrize(("name", "spec", "facts"), CONF_VARIANTS, ids=IDS)
def test_conf_matches_golden(name: str, spec: NetworkSpec, facts: HostFacts) -> None:
    assert_golden(f"render/dnsmasq-{name}.conf", render_dnsmasq_conf(spec, facts))


@needs_dnsmasq
@pytest.mark.parametrize(("name", "spec", "facts"), CONF_VARIANTS, ids=IDS)
def test_conf_passes_dnsmasq_test(
    name: str, spec: NetworkSpec, facts: HostFacts, tmp_path: Path
) -> None:
    # --test parses every option but opens neither the leases file nor the hostsfile,
    # so the real /var/lib/dnsmasq paths can stay in the file.
    conf = tmp_path / "dnsmasq.conf"
    conf.write_text(render_dnsmasq_conf(spec, facts))
    proc = subprocess.run(
        [DNSMASQ, "--test", f"--conf-file={conf}"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert "syntax check OK" in proc.stdout + proc.stderr


@needs_dnsmasq
def test_dnsmasq_test_rejects_a_broken_file(tmp_path: Path) -> None:
    """The check above can fail: a wrong option is reported."""
    conf = tmp_path / "dnsmasq.conf"
    conf.write_text(render_dnsmasq_conf(NAT, FACTS) + "dhcp-range=192.168.100.2\n")
    proc = subprocess.run([DNSMASQ, "--test", f"--conf-file={conf}"], capture_output=True)
    assert proc.returncode != 0


@needs_dnsmasq
def test_system_exclusion_passes_dnsmasq_test(tmp_path: Path) -> None:
    text = render_system_dnsmasq_exclusion("virbr10")
    assert conf_lines(text) == ["except-interface=virbr10", "bind-interfaces"]
    assert_golden("render/dnsmasq.d-virbr10.conf", text)
    conf = tmp_path / "virbr10.conf"
    conf.write_text(text)
    proc = subprocess.run([DNSMASQ, "--test", f"--conf-file={conf}"], capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_handbook_nat_options() -> None:
    assert conf_lines(render_dnsmasq_conf(NAT, FACTS)) == [
        "except-interface=lo",
        "interface=virbr10",
        "bind-dynamic",
        "dhcp-range=192.168.100.2,192.168.100.254",
        "dhcp-lease-max=1000",
        "dhcp-leasefile=/var/lib/dnsmasq/virbr10/leases",
        "dhcp-hostsfile=/var/lib/dnsmasq/virbr10/hostsfile",
        "dhcp-no-override",
        "strict-order",
    ]


def test_slaac_is_ra_only_on_the_prefix() -> None:
    lines = conf_lines(render_dnsmasq_conf(ROUTED_SLAAC, FACTS))
    assert "dhcp-range=203.0.113.89,203.0.113.94" in lines
    assert "dhcp-range=2001:db8:aa::,ra-only" in lines
    assert "enable-ra" not in lines


def test_dhcpv6_gets_the_default_range_and_enable_ra() -> None:
    lines = conf_lines(render_dnsmasq_conf(ROUTED_DHCPV6, FACTS))
    assert "dhcp-range=2001:db8:aa::1000,2001:db8:aa::1fff" in lines
    assert "enable-ra" in lines
    assert "dhcp-lease-max=5000" in lines
    assert not any("ra-only" in ln for ln in lines)


def test_dhcpv6_range_given_in_the_spec_wins() -> None:
    spec = dataclasses.replace(ROUTED_DHCPV6, dhcp6=("2001:db8:aa::100", "2001:db8:aa::1ff"))
    assert dhcp6_range(spec) == ("2001:db8:aa::100", "2001:db8:aa::1ff")
    assert "dhcp-range=2001:db8:aa::100,2001:db8:aa::1ff" in conf_lines(
        render_dnsmasq_conf(spec, FACTS)
    )


def test_prefix_other_than_64_is_spelled_out() -> None:
    spec = dataclasses.replace(ROUTED_SLAAC, ipv6="2001:db8:aa::1/80")
    assert "dhcp-range=2001:db8:aa::,ra-only,80" in conf_lines(render_dnsmasq_conf(spec, FACTS))


def test_ipv6_mode_none_serves_no_ipv6() -> None:
    spec = dataclasses.replace(ROUTED_SLAAC, ipv6_mode="none")
    text = "\n".join(conf_lines(render_dnsmasq_conf(spec, FACTS)))
    assert "2001:db8" not in text
    assert "enable-ra" not in text


def test_no_dhcp_at_all_has_no_lease_limit() -> None:
    spec = dataclasses.replace(NAT_PLAIN, dhcp4=None)
    lines = conf_lines(render_dnsmasq_conf(spec, FACTS))
    assert not any(ln.startswith(("dhcp-range=", "dhcp-lease-max=")) for ln in lines)


def test_old_dnsmasq_listens_on_addresses() -> None:
    lines = conf_lines(render_dnsmasq_conf(ROUTED_SLAAC, OLD_FACTS))
    assert "bind-interfaces" in lines
    assert "listen-address=203.0.113.88" in lines
    assert "listen-address=2001:db8:aa::1" in lines
    assert "bind-dynamic" not in lines
    assert "interface=virbr10" not in lines
    # No router advertisements before 2.64: radvd sends them, so no ra-only range.
    assert not any("ra-only" in ln for ln in lines)


def test_bad_address_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bad address"):
        render_dnsmasq_conf(dataclasses.replace(NAT, ipv4="192.168.100.300/24"), FACTS)


def test_old_dnsmasq_cannot_do_dhcpv6() -> None:
    with pytest.raises(ValueError, match=r"DHCPv6 needs dnsmasq 2\.64 or later.*2\.60"):
        render_dnsmasq_conf(ROUTED_DHCPV6, OLD_FACTS)


@pytest.mark.parametrize(
    ("version", "dynamic", "ra"),
    [
        ("2.60", False, False),
        ("2.62", False, False),
        ("2.63", True, False),
        ("2.64", True, True),
        ("2.9", False, False),  # 2.9 is older than 2.62, not newer
        ("2.90", True, True),
        ("2.100", True, True),
        ("2.86rc3", True, True),
        ("3.0", True, True),
        ("", True, True),  # unknown: a current release is assumed
    ],
)
def test_versions_compare_numerically(version: str, dynamic: bool, ra: bool) -> None:
    assert has_bind_dynamic(version) is dynamic
    assert has_router_advertisements(version) is ra


def test_lease_max_covers_the_ranges() -> None:
    assert lease_max(NAT) == 1000
    assert lease_max(ROUTED_DHCPV6) == 5000
    big = dataclasses.replace(NAT, ipv4="10.0.0.1/16", dhcp4=("10.0.0.2", "10.0.255.254"))
    assert lease_max(big) == 65533
    wide6 = dataclasses.replace(ROUTED_DHCPV6, dhcp6=("2001:db8:aa::1:0", "2001:db8:aa::1:ffff"))
    assert lease_max(wide6) == 6 + 65536
    huge6 = dataclasses.replace(ROUTED_DHCPV6, dhcp6=("2001:db8:aa::", "2001:db8:aa::ffff:ffff"))
    assert lease_max(huge6) == 2**31 - 1  # dnsmasq reads an int


def test_paths_and_command() -> None:
    paths = dnsmasq_paths("virbr10")
    assert paths.dir == "/var/lib/dnsmasq/virbr10"
    assert paths.conf == "/var/lib/dnsmasq/virbr10/dnsmasq.conf"
    assert paths.hostsfile == "/var/lib/dnsmasq/virbr10/hostsfile"
    assert paths.leases == "/var/lib/dnsmasq/virbr10/leases"
    assert paths.pidfile == "/var/run/dnsmasq/virbr10.pid"
    assert dnsmasq_argv("virbr10") == (
        "/usr/sbin/dnsmasq",
        "--conf-file=/var/lib/dnsmasq/virbr10/dnsmasq.conf",
        "--pid-file=/var/run/dnsmasq/virbr10.pid",
    )
    text = render_dnsmasq_conf(NAT, FACTS)
    assert "pid-file" not in text  # the unit runs dnsmasq -k; the command line names one


# --- hostsfile --------------------------------------------------------------------------

#: dnsmasq's dhcp-host syntax for what we write: [mac][,id:duid],ip[,name].
HOST_LINE = re.compile(
    r"^(?:(?:[0-9a-f]{2}:){5}[0-9a-f]{2}(?:,id:(?:[0-9a-f]{2}:)*[0-9a-f]{2})?"
    r"|id:(?:[0-9a-f]{2}:)*[0-9a-f]{2})"
    r",(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\])"
    r"(?:,[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)?$"
)


def test_hostsfile_matches_golden_and_syntax() -> None:
    text = render_dnsmasq_hostsfile(ROUTED_SLAAC)
    assert text == (
        "52:54:00:3b:9a:2b,203.0.113.90\n"
        "id:00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b,[2001:db8:aa::1010]\n"
    )
    assert_golden("render/hostsfile-routed", text)
    assert_golden("render/hostsfile-nat", render_dnsmasq_hostsfile(NAT))
    for line in text.splitlines():
        assert HOST_LINE.match(line), line


def test_host_line_normalises_and_names() -> None:
    host = DhcpHost(ip="192.168.100.77", mac="52:54:00:BE:A:F3", name="web1")
    line = render_dnsmasq_host_line(host)
    assert line == "52:54:00:be:0a:f3,192.168.100.77,web1"
    assert HOST_LINE.match(line)


def test_empty_hostsfile_is_empty() -> None:
    assert render_dnsmasq_hostsfile(dataclasses.replace(NAT, dhcp_hosts=())) == ""


@pytest.mark.parametrize(
    "host",
    [
        DhcpHost(ip="192.168.100.77"),
        DhcpHost(ip="192.168.100.777", mac="52:54:00:be:0a:f3"),
        DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a"),
    ],
    ids=["no-mac-no-id", "bad-ip", "bad-mac"],
)
def test_bad_host_is_a_value_error(host: DhcpHost) -> None:
    with pytest.raises(ValueError, match="DHCP host"):
        render_dnsmasq_host_line(host)


def _start_dnsmasq(
    ns: Netns, spec: NetworkSpec, tmp_path: Path
) -> tuple[subprocess.Popen[str], Path]:
    """Run the rendered configuration, its paths moved into ``tmp_path``, in the foreground."""
    real = dnsmasq_paths(spec.bridge)
    conf_text = render_dnsmasq_conf(spec, FACTS)
    conf_text = conf_text.replace(real.dir, str(tmp_path))
    (tmp_path / "hostsfile").write_text(render_dnsmasq_hostsfile(spec))
    (tmp_path / "leases").write_text("")
    conf = tmp_path / "dnsmasq.conf"
    conf.write_text(conf_text)
    proc = ns.popen(
        DNSMASQ,
        "-k",
        "--log-facility=-",
        "--user=root",
        "--pid-file=",
        # No upstream DNS: the test must not reach out of the namespace.
        "--no-resolv",
        "--no-hosts",
        f"--conf-file={conf}",
    )
    return proc, tmp_path / "hostsfile"


@needs_dnsmasq
@pytest.mark.netns
def test_real_dnsmasq_reads_the_hostsfile(ns: Netns, tmp_path: Path) -> None:
    ns.add_bridge("virbr10", "203.0.113.88/29", "2001:db8:aa::1/64")
    proc, hostsfile = _start_dnsmasq(ns, ROUTED_DHCPV6, tmp_path)
    try:
        log = read_until(proc, f"read {hostsfile}", 10)
    finally:
        log += stop(proc)
    assert f"read {hostsfile}" in log, log
    assert "DHCPv6, IP range 2001:db8:aa::1000 -- 2001:db8:aa::1fff" in log, log
    assert not re.search(r"bad|error|failed|illegal", log, re.IGNORECASE), log


@needs_dnsmasq
@pytest.mark.netns
def test_real_dnsmasq_leases_the_fixed_address(ns: Netns, tmp_path: Path) -> None:
    """A DHCP client on a veth in a second namespace is offered the hostsfile's address."""
    ns.add_bridge("virbr10", "192.168.100.1/24")
    proc, hostsfile = _start_dnsmasq(ns, NAT, tmp_path)
    probe = TESTS / "support" / "dhcp_probe.py"
    try:
        log = read_until(proc, f"read {hostsfile}", 10)
        assert f"read {hostsfile}" in log, log
        with netns("vnwclient") as client:
            ns.run("ip", "link", "add", "vm0", "type", "veth", "peer", "name", "eth0")
            ns.run("ip", "link", "set", "eth0", "netns", client.name)
            ns.run("ip", "link", "set", "vm0", "master", "virbr10")
            ns.run("ip", "link", "set", "vm0", "up")
            client.run("ip", "link", "set", "eth0", "up")
            fixed = client.run(sys.executable, str(probe), "eth0", "52:54:00:be:0a:f3", "15")
            other = client.run(sys.executable, str(probe), "eth0", "52:54:00:12:34:56", "15")
    finally:
        log += stop(proc)
    assert fixed.stdout.split() == ["192.168.100.77", "192.168.100.1"], log
    offered = other.stdout.split()[0]
    assert offered != "192.168.100.77"
    a, b, c, d = (int(x) for x in offered.split("."))
    assert (a, b, c) == (192, 168, 100) and 2 <= d <= 254, offered
