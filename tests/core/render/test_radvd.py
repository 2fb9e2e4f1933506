"""radvd configuration: the handbook's block, `radvd --configtest`, and a real radvd."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from support.custom_net_examples import NAT, ROUTED_DHCPV6, ROUTED_SLAAC
from support.golden_util import assert_golden
from support.netns import Netns, read_until, stop

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.render.radvd import render_radvd_conf, render_radvd_interface

RADVD = shutil.which("radvd") or "/usr/sbin/radvd"
needs_radvd = pytest.mark.skipif(
    not Path(RADVD).exists(), reason="radvd is not installed (scripts/install-system-deps.sh)"
)

SECOND = dataclasses.replace(
    ROUTED_SLAAC, name="virbr11", bridge="virbr11", ipv6="2001:db8:ab::1/64"
)

VARIANTS: list[tuple[str, list[NetworkSpec]]] = [
    ("one", [ROUTED_SLAAC]),
    ("two-and-a-v4-only", [ROUTED_SLAAC, NAT, SECOND]),
    ("dhcpv6", [ROUTED_DHCPV6]),
]
IDS = [name for name, _ in VARIANTS]

HANDBOOK_BLOCK = """\
interface virbr10
{
  AdvSendAdvert on;
  AdvManagedFlag off;
  AdvOtherConfigFlag off;

  prefix 2001:db8:aa::/64
  {
    AdvOnLink on;
    AdvAutonomous on;
    AdvRouterAddr off;
  };
};
"""


def test_block_is_the_handbooks() -> None:
    assert render_radvd_interface(ROUTED_SLAAC) == HANDBOOK_BLOCK
    assert HANDBOOK_BLOCK in render_radvd_conf([ROUTED_SLAAC])


def test_networks_without_ipv6_are_left_out() -> None:
    text = render_radvd_conf([ROUTED_SLAAC, NAT, SECOND])
    assert text.count("interface ") == 2
    assert "interface virbr10\n" in text and "interface virbr11\n" in text
    assert "prefix 2001:db8:ab::/64" in text
    none = dataclasses.replace(ROUTED_SLAAC, ipv6_mode="none")
    assert "interface" not in render_radvd_conf([none])


def test_dhcpv6_sets_the_managed_flag() -> None:
    block = render_radvd_interface(ROUTED_DHCPV6)
    assert "AdvManagedFlag on;" in block
    assert "AdvOtherConfigFlag on;" in block
    assert "AdvAutonomous off;" in block


@pytest.mark.parametrize(("name", "specs"), VARIANTS, ids=IDS)
def test_conf_matches_golden(name: str, specs: list[NetworkSpec]) -> None:
    assert_golden(f"render/radvd-{name}.conf", render_radvd_conf(specs))


@needs_radvd
@pytest.mark.parametrize(("name", "specs"), VARIANTS, ids=IDS)
def test_configtest_passes(name: str, specs: list[NetworkSpec], tmp_path: Path) -> None:
    conf = tmp_path / "radvd.conf"
    conf.write_text(render_radvd_conf(specs))
    proc = subprocess.run(
        [RADVD, "--configtest", "-C", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_radvd
def test_configtest_can_fail(tmp_path: Path) -> None:
    conf = tmp_path / "radvd.conf"
    conf.write_text(render_radvd_conf([ROUTED_SLAAC]).replace("AdvOnLink", "AdvOnLnk"))
    proc = subprocess.run([RADVD, "--configtest", "-C", str(conf)], capture_output=True)
    assert proc.returncode != 0


@needs_radvd
@pytest.mark.netns
def test_real_radvd_advertises_on_the_bridges(ns: Netns, tmp_path: Path) -> None:
    ns.run("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    ns.add_bridge("virbr10", "2001:db8:aa::1/64")
    ns.add_bridge("virbr11", "2001:db8:ab::1/64")
    conf = tmp_path / "radvd.conf"
    conf.write_text(render_radvd_conf([ROUTED_SLAAC, NAT, SECOND]))
    proc = ns.popen(
        RADVD,
        "--nodaemon",
        "-C",
        str(conf),
        "-p",
        str(tmp_path / "radvd.pid"),
        "-m",
        "stderr",
        "-d",
        "1",
    )
    try:
        log = read_until(proc, "next iface is", 10)
        assert proc.poll() is None, log  # still running: the configuration was accepted
    finally:
        log += stop(proc)
    assert "syntax ok" in log, log
    assert "next iface is virbr1" in log, log
    assert "error" not in log.lower() and "warning" not in log.lower(), log
