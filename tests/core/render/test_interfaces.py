"""ifupdown renderers and the interfaces editor: golden files, properties, ifquery and ifup -n."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.golden_util import assert_golden
from support.netns import netns, netns_unavailable

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.interfaces import (
    edit_interfaces,
    render_bridged_stanzas,
    render_virtual_bridge_stanzas,
)

HOST = HostFacts(
    distro="debian",
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
DNSMASQ_HOOKS = (
    "up /bin/systemctl start dnsmasq@virbr10.service || :",
    "down /bin/systemctl stop dnsmasq@virbr10.service || :",
)

# The file a fresh Debian install leaves behind.
DEBIAN_DEFAULT = """\
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eth0
iface eth0 inet static
\taddress 203.0.113.166/29
\tgateway 203.0.113.161
\t# dns-* options are implemented by the resolvconf package, if installed
\tdns-nameservers 203.0.113.1

iface eth0 inet6 static
\taddress 2001:db8::1/64
\tgateway fe80::1
"""


# --- the real parsers --------------------------------------------------------------------------


def _ifupdown(tool: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs ifquery/ifup on ``path`` only: own state dir, no loopback magic, no mappings."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is needed (Debian package ifupdown)")
    state = path.parent / "ifstate"
    state.mkdir(exist_ok=True)
    argv = [tool, "-i", str(path), "--state-dir", str(state), "--no-loopback", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def ifquery_list(path: Path) -> list[str]:
    proc = _ifupdown("ifquery", path, "--list")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def ifquery(path: Path, iface: str) -> list[tuple[str, str]]:
    """The options ifupdown reads for ``iface`` (all families), in order."""
    proc = _ifupdown("ifquery", path, iface)
    assert proc.returncode == 0, proc.stderr
    return [
        (key, value.strip())
        for key, _, value in (line.partition(":") for line in proc.stdout.splitlines())
    ]


def ifup_no_act(path: Path, *ifaces: str) -> str:
    """What ``ifup --no-act`` would run; it must accept the file."""
    proc = _ifupdown("ifup", path, "--no-act", "--no-mappings", *ifaces)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interfaces"
    path.write_text(text)
    return path


# --- bridged network ---------------------------------------------------------------------------


@pytest.mark.parametrize("ipv6", [True, False], ids=["ipv6", "ipv4-only"])
def test_bridged_golden(ipv6: bool, tmp_path: Path) -> None:
    host = HOST if ipv6 else replace(HOST, ipv6="", gateway6="")
    text = render_bridged_stanzas(BRIDGED, host)
    assert_golden(f"render/interfaces/bridged-{'ipv6' if ipv6 else 'ipv4-only'}", text)
    # NetworkManager leaves ifupdown-managed interfaces alone, so the stanzas are the same.
    assert render_bridged_stanzas(BRIDGED, replace(host, network_manager=True)) == text
    path = write(tmp_path, text)
    assert ifquery_list(path) == ["br0"]
    assert ifquery(path, "eth0") == []
    ifup_no_act(path, "eth0", "br0")


def test_bridged_options_as_ifupdown_reads_them(tmp_path: Path) -> None:
    path = write(tmp_path, render_bridged_stanzas(BRIDGED, HOST))
    options = ifquery(path, "br0")
    for expected in [
        ("hwaddress", "19:7c:3b:92:ec:ee"),
        ("address", "203.0.113.166"),
        ("netmask", "255.255.255.248"),
        ("gateway", "203.0.113.161"),
        ("bridge_ports", "eth0"),
        ("bridge_stp", "off"),
        ("bridge_fd", "0"),
        ("address", "2001:db8::1"),
        ("netmask", "64"),
        ("gateway", "fe80::1"),
        ("autoconf", "0"),
    ]:
        assert expected in options
    actions = ifup_no_act(path, "br0")
    assert "ip addr add 203.0.113.166/255.255.255.248" in actions
    assert "address 19:7c:3b:92:ec:ee" in actions
    assert "ip -6 addr add 2001:db8::1/64" in actions
    assert "default via fe80::1" in actions


def test_bridged_without_ipv4_uses_dhcp(tmp_path: Path) -> None:
    host = replace(HOST, ipv4="", gateway4="", ipv6="", gateway6="")
    text = render_bridged_stanzas(BRIDGED, host)
    assert "iface br0 inet dhcp" in text
    ifup_no_act(write(tmp_path, text), "br0")


# --- custom virtual bridges --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["routed", "nat"])
@pytest.mark.parametrize("dummy", [True, False], ids=["dummy", "no-dummy"])
def test_virtual_bridge_golden(kind: str, dummy: bool, tmp_path: Path) -> None:
    host = replace(HOST, dummy_supported=dummy)
    text = render_virtual_bridge_stanzas(CUSTOM[kind], host, DNSMASQ_HOOKS)
    assert_golden(f"render/interfaces/custom-{kind}-{'dummy' if dummy else 'no-dummy'}", text)
    path = write(tmp_path, text)
    names = ["virbr10-dummy", "virbr10"] if dummy else ["virbr10"]
    assert ifquery_list(path) == names
    actions = ifup_no_act(path, *names)
    # The hook lines run once the bridge is up.
    assert "/bin/systemctl start dnsmasq@virbr10.service || :" in actions
    bridge = ifquery(path, "virbr10")
    assert ("bridge_stp", "on") in bridge and ("bridge_fd", "2") in bridge
    if dummy:
        assert ("bridge_ports", "virbr10-dummy") in bridge
        assert ifquery(path, "virbr10-dummy") == [
            ("pre-up", "/sbin/ip link add virbr10-dummy type dummy"),
            ("up", "/sbin/ip link set virbr10-dummy address 52:54:00:7e:27:af"),
            ("post-down", "/sbin/ip link delete virbr10-dummy"),
        ]
    else:
        assert ("bridge_ports", "none") in bridge
        assert ("hwaddress", "52:54:00:7e:27:af") in bridge
        assert "address 52:54:00:7e:27:af" in actions


def test_virtual_bridge_addresses(tmp_path: Path) -> None:
    routed = ifquery(write(tmp_path, render_virtual_bridge_stanzas(CUSTOM_ROUTED, HOST)), "virbr10")
    assert ("address", "203.0.113.88") in routed and ("netmask", "255.255.255.248") in routed
    assert ("address", "2001:db8:aa::1") in routed and ("netmask", "64") in routed
    nat = ifquery(write(tmp_path, render_virtual_bridge_stanzas(CUSTOM_NAT, HOST)), "virbr10")
    assert ("address", "192.168.100.1") in nat and ("netmask", "255.255.255.0") in nat
    assert not any(v.startswith("2001:") for _, v in nat)


def test_ifup_no_act_changes_nothing(tmp_path: Path) -> None:
    """Double-checks that ``ifup --no-act`` with our options runs no program and writes no file."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed; checked by hand when this test was written")
    path = write(tmp_path, render_virtual_bridge_stanzas(CUSTOM_ROUTED, HOST, DNSMASQ_HOOKS))
    trace = tmp_path / "trace"
    state = tmp_path / "ifstate"
    state.mkdir()
    run_network_existed = os.path.exists("/run/network")
    strace = ["strace", "-f", "-qq", "-o", str(trace), "-e", "trace=execve,openat,mkdir,unlink"]
    ifup = ["ifup", "-i", str(path), "--state-dir", str(state), "--no-loopback", "--no-act"]
    proc = subprocess.run(
        [*strace, *ifup, "--no-mappings", "virbr10-dummy", "virbr10"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    calls = trace.read_text().splitlines()
    assert len([c for c in calls if "execve(" in c]) == 1  # ifup itself, nothing else
    writes = [c for c in calls if "O_WRONLY" in c or "O_RDWR" in c or "unlink" in c]
    assert writes == []
    assert list(state.iterdir()) == []
    assert os.path.exists("/run/network") == run_network_existed


# --- editing /etc/network/interfaces -----------------------------------------------------------


def test_edit_replaces_the_uplink_stanzas_of_a_default_install(tmp_path: Path) -> None:
    stanzas = render_bridged_stanzas(BRIDGED, HOST)
    edited = edit_interfaces(DEBIAN_DEFAULT, ["eth0", "br0"], stanzas)
    assert_golden("render/interfaces/edited-debian-default", edited)
    assert edited.endswith("\n\n" + stanzas)
    assert "allow-hotplug eth0" not in edited and "inet dhcp" not in edited
    assert "# The primary network interface" not in edited  # went with its stanza
    assert "source /etc/network/interfaces.d/*" in edited
    assert "# The loopback network interface\nauto lo\niface lo inet loopback" in edited
    assert edit_interfaces(edited, ["eth0", "br0"], stanzas) == edited
    path = write(tmp_path, edited.replace("source /etc/network/interfaces.d/*\n", ""))
    assert ifquery_list(path) == ["lo", "br0"]
    assert ifquery(path, "eth0") == []  # inet manual, nothing else
    ifup_no_act(path, "eth0", "br0")


def test_edit_removes_only_dropped_names_from_shared_lines() -> None:
    existing = "auto lo eth0 br0\nallow-hotplug eth0 wlan0\nmapping eth0 wlan0\n    script /x\n"
    assert edit_interfaces(existing, ["eth0", "br0"], "") == (
        "auto lo\nallow-hotplug wlan0\nmapping wlan0\n    script /x\n"
    )


def test_edit_keeps_comments_that_stand_alone() -> None:
    existing = (
        "iface br0 inet manual\n    bridge_ports none\n\n# keep me\n\n"
        "# about wlan0\niface wlan0 inet dhcp\n"
    )
    edited = edit_interfaces(existing, ["br0"], "")
    assert edited == "# keep me\n\n# about wlan0\niface wlan0 inet dhcp\n"


def test_edit_with_nothing_left() -> None:
    assert edit_interfaces("auto br0\niface br0 inet manual\n", ["br0"], "") == ""
    assert edit_interfaces("", ["br0"], "auto br0\n") == "auto br0\n"


NAMES = ["lo", "eth0", "br0", "virbr10", "virbr10-dummy", "wlan0"]
names_st = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)
comment_st = st.sampled_from(["# a note", "# another, note", "#"])
option_st = st.sampled_from(
    ["address 10.0.0.1/24", "    netmask 64", "\tbridge_ports none", "    # inline", "mtu 1500"]
)


@st.composite
def chunk_st(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["iface", "auto", "allow", "mapping", "source", "comment"]))
    lead = draw(st.lists(comment_st, max_size=2))
    if kind == "iface":
        head = f"iface {draw(st.sampled_from(NAMES))} {draw(st.sampled_from(['inet', 'inet6']))}"
        head += f" {draw(st.sampled_from(['manual', 'static', 'dhcp']))}"
        return [*lead, head, *draw(st.lists(option_st, max_size=3))]
    if kind == "auto":
        return [*lead, "auto " + " ".join(draw(names_st))]
    if kind == "allow":
        return [*lead, "allow-hotplug " + " ".join(draw(names_st))]
    if kind == "mapping":
        return [*lead, "mapping " + " ".join(draw(names_st)), "    script /bin/true"]
    if kind == "source":
        return ["source /etc/network/interfaces.d/*"]
    return ["", "# standalone", ""]


@st.composite
def interfaces_st(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for chunk in draw(st.lists(chunk_st(), max_size=8)):
        lines += chunk
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines) + ("\n" if lines else "")


@st.composite
def append_st(draw: st.DrawFn, drop: Sequence[str]) -> str:
    """Stanzas for some of the dropped names, with a header comment, as the renderers make."""
    names = draw(st.lists(st.sampled_from(list(drop)), max_size=3, unique=True))
    stanzas = [f"auto {n}\niface {n} inet manual\n    bridge_ports none\n" for n in names]
    return "# Written by virtnet-wizard.\n" + "\n".join(stanzas) if stanzas else ""


def summary(text: str, keep: set[str]) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """What ifupdown sees about the ``keep`` interfaces: their stanzas and their mentions."""
    stanzas: list[list[str]] = []
    mentions: list[tuple[str, str]] = []
    in_kept_stanza = False
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] in {"iface", "mapping", "auto", "source"} or words[0].startswith("allow-"):
            in_kept_stanza = words[0] == "iface" and words[1] in keep
            if in_kept_stanza:
                stanzas.append([line.strip()])
            elif words[0] not in {"iface", "source"}:
                mentions += [(words[0], w) for w in words[1:] if w in keep]
        elif in_kept_stanza:
            stanzas[-1].append(line.strip())
    return stanzas, mentions


def blank_run(text: str) -> int:
    """The longest run of blank lines in ``text``."""
    longest = run = 0
    for line in text.splitlines():
        run = run + 1 if not line.strip() else 0
        longest = max(longest, run)
    return longest


@settings(max_examples=150, deadline=None)
@given(data=st.data(), existing=interfaces_st(), drop=names_st)
def test_edit_properties(data: st.DataObject, existing: str, drop: list[str]) -> None:
    append = data.draw(append_st(drop))
    once = edit_interfaces(existing, drop, append)
    # Idempotent: a re-run of the wizard does not pile up stanzas or blank lines.
    assert edit_interfaces(once, drop, append) == once
    assert once.endswith(append)
    kept = once[: len(once) - len(append)]
    # Dropped interfaces are gone from what was kept...
    gone = summary(kept, set(drop))
    assert gone == ([], [])
    # ...while every other interface keeps its stanzas, options and auto/allow lines.
    keep = set(NAMES) - set(drop)
    assert summary(kept, keep) == summary(existing, keep)
    # Removing a stanza takes its blank lines along instead of leaving a gap.
    assert blank_run(once) <= max(1, blank_run(existing))
    # Comments standing on their own survive.
    assert kept.count("# standalone") == existing.count("# standalone")
    assert "source /etc/network/interfaces.d/*" in kept or "source" not in existing


# --- ifup for real, inside a throw-away namespace ----------------------------------------------


def _hooks_stay_inside() -> str:
    """Why ifupdown's hook scripts could reach outside a namespace here ("" when they cannot)."""
    if not os.path.exists("/etc/network/if-pre-up.d/bridge"):
        return "bridge-utils' ifupdown hook is missing (Debian package bridge-utils)"
    resolved = subprocess.run(
        ["systemctl", "is-enabled", "systemd-resolved"], capture_output=True, text=True
    )
    if resolved.returncode == 0:
        return "systemd-resolved is enabled; its ifupdown hook would write to the machine's /run"
    return ""


@pytest.mark.netns
def test_virtual_bridge_comes_up_with_ifup(tmp_path: Path) -> None:
    """ifup/ifdown on the rendered stanzas, in a namespace: the bridge is made as intended."""
    reason = netns_unavailable() or _hooks_stay_inside()
    if reason:
        pytest.skip(reason)
    marker = tmp_path / "dnsmasq-started"
    hooks = (f"up touch {marker}", f"down rm -f {marker}")
    with netns("vnwt") as ns:
        dummy = ns.run("ip", "link", "add", "vnwt-probe", "type", "dummy", check=False)
        host = replace(HOST, dummy_supported=dummy.returncode == 0)
        path = write(tmp_path, render_virtual_bridge_stanzas(CUSTOM_ROUTED, host, hooks))
        state = tmp_path / "ifstate"
        state.mkdir()
        ifupdown = ["-i", str(path), "--state-dir", str(state), "--no-loopback", "--no-mappings"]
        ifaces = ["virbr10-dummy", "virbr10"] if host.dummy_supported else ["virbr10"]
        ns.run("ifup", *ifupdown, *ifaces, timeout=60)
        link = ns.run("ip", "-d", "address", "show", "dev", "virbr10").stdout
        assert "link/ether 52:54:00:7e:27:af" in link
        assert "stp_state 1" in link and "forward_delay 200" in link
        assert "inet 203.0.113.88/29 brd 203.0.113.95" in link
        assert "inet6 2001:db8:aa::1/64" in link
        assert marker.exists()  # the hook lines ran once the bridge was up
        ns.run("ifdown", *ifupdown, *reversed(ifaces), timeout=60)
        assert not marker.exists()
