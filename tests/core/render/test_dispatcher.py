"""NetworkManager dispatcher script: golden files, `sh -n`, and real runs inside a namespace."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support.custom_net_examples import BRIDGE_MAC, FACTS, NAT, ROUTED_SLAAC
from support.golden_util import assert_golden
from support.netns import Netns

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.dispatcher import (
    dispatcher_path,
    dnsmasq_hook_lines,
    render_nm_dispatcher,
)
from virtnet_tui.core.render.dnsmasq import dnsmasq_paths, render_dnsmasq_conf

NO_SYSTEMD_NO_DUMMY = dataclasses.replace(FACTS, systemd=False, dummy_supported=False)

VARIANTS: list[tuple[str, NetworkSpec, HostFacts]] = [
    ("systemd-dummy", NAT, FACTS),
    ("systemd-no-dummy", NAT, dataclasses.replace(FACTS, dummy_supported=False)),
    ("no-systemd-dummy", ROUTED_SLAAC, dataclasses.replace(FACTS, systemd=False)),
    ("no-systemd-no-dummy", NAT, NO_SYSTEMD_NO_DUMMY),
    ("no-mac", dataclasses.replace(NAT, bridge_mac=""), FACTS),
]
IDS = [name for name, _, _ in VARIANTS]
OTHER_MAC = "02:00:00:00:00:01"


@pytest.mark.parametrize(("name", "spec", "facts"), VARIANTS, ids=IDS)
def test_script_matches_golden(name: str, spec: NetworkSpec, facts: HostFacts) -> None:
    assert_golden(f"render/dispatcher-{name}", render_nm_dispatcher(spec, facts))


@pytest.mark.parametrize(("name", "spec", "facts"), VARIANTS, ids=IDS)
def test_script_parses(name: str, spec: NetworkSpec, facts: HostFacts, tmp_path: Path) -> None:
    script = tmp_path / "99-virbr10"
    script.write_text(render_nm_dispatcher(spec, facts))
    proc = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert script.read_text().startswith("#!/bin/sh\n")


def test_sh_n_can_fail(tmp_path: Path) -> None:
    script = tmp_path / "99-virbr10"
    script.write_text(render_nm_dispatcher(NAT, FACTS).replace("esac", ""))
    assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode != 0


def test_systemd_variant_starts_and_stops_the_unit() -> None:
    text = render_nm_dispatcher(NAT, FACTS)
    up, down = text.split("    up)\n")[1].split("    down)\n")
    assert "/bin/systemctl start dnsmasq@virbr10.service || :" in up
    assert "/bin/systemctl stop dnsmasq@virbr10.service || :" in down
    assert "link add virbr10-dummy address 52:54:00:7e:27:af type dummy" in up
    assert "/sbin/ip link set virbr10-dummy master virbr10" in up
    assert "brctl" not in text


def test_without_dummy_the_bridge_gets_the_mac() -> None:
    text = render_nm_dispatcher(NAT, NO_SYSTEMD_NO_DUMMY)
    assert f"/sbin/ip link set virbr10 address {BRIDGE_MAC}" in text
    assert "dummy" not in text.replace("No dummy links", "")


def test_paths_and_hook_lines() -> None:
    assert dispatcher_path("virbr10") == "/etc/NetworkManager/dispatcher.d/99-virbr10"
    assert dnsmasq_hook_lines("virbr10") == [
        "up /bin/systemctl start dnsmasq@virbr10.service || :",
        "down /bin/systemctl stop dnsmasq@virbr10.service || :",
    ]


def _mac(ns: Netns, link: str) -> str:
    out = ns.run("ip", "-o", "link", "show", "dev", link).stdout
    return out.split("link/ether ", 1)[1].split()[0]


@pytest.mark.netns
def test_real_run_sets_the_bridge_mac(ns: Netns, tmp_path: Path) -> None:
    """The no-systemd, no-dummy variant touches nothing but the namespace's bridge."""
    if Path(dnsmasq_paths("virbr10").conf).exists():
        pytest.skip("this machine has a real virbr10 dnsmasq; the script would start it")
    script = tmp_path / "99-virbr10"
    script.write_text(render_nm_dispatcher(NAT, NO_SYSTEMD_NO_DUMMY))
    ns.add_bridge("virbr10", "192.168.100.1/24")
    ns.run("ip", "link", "set", "virbr10", "address", OTHER_MAC)

    ns.run("sh", str(script), "eth0", "up")  # another interface: nothing happens
    assert _mac(ns, "virbr10") == OTHER_MAC
    ns.run("sh", str(script), "virbr10", "up")
    assert _mac(ns, "virbr10") == BRIDGE_MAC
    ns.run("sh", str(script), "virbr10", "down")  # nothing runs: stopping is a no-op
    ns.run("sh", str(script), "virbr10", "dhcp4-change")  # other actions are ignored


def _dummy_links_work(ns: Netns) -> bool:
    made = ns.run("ip", "link", "add", "probe-dummy", "type", "dummy", check=False)
    if made.returncode == 0:
        ns.run("ip", "link", "delete", "probe-dummy")
    return made.returncode == 0


@pytest.mark.netns
def test_real_run_attaches_a_dummy(ns: Netns, tmp_path: Path) -> None:
    if not _dummy_links_work(ns):
        pytest.skip("this kernel has no dummy links")
    facts = dataclasses.replace(FACTS, systemd=False)
    if Path(dnsmasq_paths("virbr10").conf).exists():
        pytest.skip("this machine has a real virbr10 dnsmasq; the script would start it")
    script = tmp_path / "99-virbr10"
    script.write_text(render_nm_dispatcher(NAT, facts))
    ns.add_bridge("virbr10", "192.168.100.1/24")
    for _ in range(2):  # a second "up" finds the dummy already there
        ns.run("sh", str(script), "virbr10", "up")
    assert _mac(ns, "virbr10-dummy") == BRIDGE_MAC
    assert "master virbr10" in ns.run("ip", "-o", "link", "show", "virbr10-dummy").stdout
    assert _mac(ns, "virbr10") == BRIDGE_MAC


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.netns
def test_real_run_starts_and_stops_dnsmasq_without_systemd(ns: Netns, tmp_path: Path) -> None:
    """The no-systemd branch for real, its paths moved under ``tmp_path``."""
    real = dnsmasq_paths("virbr10")
    lib, run = tmp_path / "lib", tmp_path / "run"
    lib.mkdir()

    def moved(text: str) -> str:
        return text.replace(real.dir, str(lib)).replace(str(Path(real.pidfile).parent), str(run))

    conf = moved(render_dnsmasq_conf(NAT, NO_SYSTEMD_NO_DUMMY))
    # Keep the test inside the namespace and the temp folder.
    (lib / "dnsmasq.conf").write_text(conf + "user=root\nno-resolv\nno-hosts\n")
    (lib / "hostsfile").write_text("")
    script = tmp_path / "99-virbr10"
    script.write_text(moved(render_nm_dispatcher(NAT, NO_SYSTEMD_NO_DUMMY)))
    pidfile = run / "virbr10.pid"
    ns.add_bridge("virbr10", "192.168.100.1/24")
    pid = 0
    try:
        ns.run("sh", str(script), "virbr10", "up")
        pid = int(pidfile.read_text())
        assert _alive(pid)
        ns.run("sh", str(script), "virbr10", "up")  # already running: not started twice
        assert int(pidfile.read_text()) == pid
        ns.run("sh", str(script), "virbr10", "down")
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pid)
    finally:
        if pid and _alive(pid):
            os.kill(pid, signal.SIGKILL)
