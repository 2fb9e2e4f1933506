"""sysctl.d renderers: golden files, the parser, and sysctl -p inside a throw-away namespace."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import pytest
from support.golden_util import assert_golden
from support.netns import netns, netns_unavailable

from virtnet_tui.core.render.sysctl import (
    BRIDGE_NF_SETTINGS,
    parse_sysctl,
    render_bridge_nf_sysctl,
    render_forwarding_sysctl,
)

FORWARDING_KEYS = {
    (True, True): {
        "net.ipv4.ip_forward": "1",
        "net.ipv4.conf.all.forwarding": "1",
        "net.ipv6.conf.all.forwarding": "1",
    },
    (True, False): {"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.forwarding": "1"},
    (False, True): {"net.ipv6.conf.all.forwarding": "1"},
}


def proc_path(key: str) -> Path:
    return Path("/proc/sys") / key.replace(".", "/")


def test_bridge_nf_golden() -> None:
    text = render_bridge_nf_sysctl()
    assert_golden("render/sysctl/bridge.conf", text)
    assert text.startswith("# Written by virtnet-wizard.")
    assert parse_sysctl(text) == {
        "net.bridge.bridge-nf-call-ip6tables": "0",
        "net.bridge.bridge-nf-call-iptables": "0",
        "net.bridge.bridge-nf-call-arptables": "0",
    }


@pytest.mark.parametrize(("ipv4", "ipv6"), sorted(FORWARDING_KEYS))
def test_forwarding_golden(ipv4: bool, ipv6: bool) -> None:
    text = render_forwarding_sysctl(ipv4, ipv6)
    name = f"render/sysctl/forwarding-{'ipv4' if ipv4 else ''}{'ipv6' if ipv6 else ''}.conf"
    assert_golden(name, text)
    assert parse_sysctl(text) == FORWARDING_KEYS[(ipv4, ipv6)]


def test_parse_sysctl_reads_what_sysctl_reads() -> None:
    text = "# c\n; c\n\n net.a.b = 1 \n-net.c.d=x y\nnet.a.b=2\n"
    assert parse_sysctl(text) == {"net.a.b": "2", "net.c.d": "x y"}
    with pytest.raises(ValueError, match="line 2"):
        parse_sysctl("a=1\nnot a setting\n")


def _need_netns() -> None:
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.mark.netns
@pytest.mark.parametrize(("ipv4", "ipv6"), sorted(FORWARDING_KEYS))
def test_forwarding_file_applies_inside_a_namespace(ipv4: bool, ipv6: bool, tmp_path: Path) -> None:
    _need_netns()
    expected = FORWARDING_KEYS[(ipv4, ipv6)]
    host_before = {key: proc_path(key).read_text() for key in FORWARDING_KEYS[(True, True)]}
    path = tmp_path / "90-virtnet-wizard-forwarding.conf"
    path.write_text(render_forwarding_sysctl(ipv4, ipv6))
    with netns("vnwt") as ns:
        paths = [str(proc_path(k)) for k in FORWARDING_KEYS[(True, True)]]
        # A new namespace may inherit IPv4 forwarding from the machine; start from "off" so
        # that the file is what turns it on.
        ns.run("sysctl", "-w", *(f"{k}=0" for k in FORWARDING_KEYS[(True, True)]))
        assert ns.run("cat", *paths).stdout.split() == ["0", "0", "0"]
        ns.run("sysctl", "-p", str(path))
        values = ns.run("cat", *paths).stdout.split()
        after = dict(zip(FORWARDING_KEYS[(True, True)], values, strict=True))
        for key, value in after.items():
            assert value == expected.get(key, "0"), key
    # forwarding is per namespace: the machine's own values did not move.
    assert {key: proc_path(key).read_text() for key in host_before} == host_before


def _kernel_at_least(major: int, minor: int) -> bool:
    match = re.match(r"(\d+)\.(\d+)", platform.release())
    return match is not None and (int(match[1]), int(match[2])) >= (major, minor)


@pytest.mark.netns
def test_bridge_nf_file_applies_inside_a_namespace(tmp_path: Path) -> None:
    _need_netns()
    if not os.path.isdir("/proc/sys/net/bridge"):
        pytest.skip("br_netfilter is not loaded, so the net.bridge keys do not exist here")
    # The bridge-nf keys belong to each namespace only since Linux 5.3; on older kernels
    # sysctl -p would change the machine itself.
    if not _kernel_at_least(5, 3):
        pytest.skip("bridge-nf sysctls are global before Linux 5.3")
    keys = [key for key, _ in BRIDGE_NF_SETTINGS]
    host_before = {key: proc_path(key).read_text() for key in keys}
    path = tmp_path / "bridge.conf"
    path.write_text(render_bridge_nf_sysctl())
    with netns("vnwt") as ns:
        paths = [str(proc_path(k)) for k in keys]
        if ns.run("test", "-d", "/proc/sys/net/bridge", check=False).returncode != 0:
            pytest.skip("this kernel keeps the net.bridge keys out of new namespaces")
        ns.run("sysctl", "-w", *(f"{k}=1" for k in keys))
        assert ns.run("cat", *paths).stdout.split() == ["1", "1", "1"]
        ns.run("sysctl", "-p", str(path))
        assert ns.run("cat", *paths).stdout.split() == ["0", "0", "0"]
    assert {key: proc_path(key).read_text() for key in keys} == host_before
