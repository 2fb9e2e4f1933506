"""Hosts whose uplink systemd-networkd configures (netplan or its own units), and what the
bridged tests on every stack check: the state after bridging, the leases, the files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from support.netns import Netns

from e2e.networkd import Networkd, networkd_in
from e2e.pinging import lost_seconds, start_pinging, stop_pinging
from e2e.topology import (
    HOST_MAC,
    Topology,
    dhcp_lease,
    lan_uplink,
    plug_vm,
    settle,
    uplink_configured,
    wait_until,
)
from e2e.wizard import Applied, apply_answers
from virtnet_tui.hosts.netns import NetnsHost

ANSWERS = Path(__file__).with_name("answers") / "stack-bridges.toml"
UBUNTU = 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n'
DEBIAN = 'ID=debian\nVERSION_ID="13"\n'
#: What cloud-init writes for a server with a static address (its file name included).
CLOUD_INIT_YAML = """\
network:
    version: 2
    ethernets:
        eth0:
            addresses: [198.51.100.2/24]
            routes:
            -   to: default
                via: 198.51.100.1
            nameservers:
                addresses: [198.51.100.1]
"""
NETWORK_UNIT = """\
[Match]
Name=eth0

[Network]
Address=198.51.100.2/24
Gateway=198.51.100.1
DNS=198.51.100.1
IPv6AcceptRA=no
"""
#: Each stack's host: its os-release and the file that configures eth0.
HOSTS = {
    "netplan": (UBUNTU, "etc/netplan/50-cloud-init.yaml", CLOUD_INIT_YAML),
    "networkd": (DEBIAN, "etc/systemd/network/10-eth0.network", NETWORK_UNIT),
}


@contextmanager
def stack_host(kind: str, topo: Topology, root: Path, logs: Path) -> Iterator[Networkd]:
    """A "host" whose eth0 (to a "lan") networkd configures from ``kind``'s files."""
    release, path, text = HOSTS[kind]
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    # networkd configures eth0 itself, as at boot (it refuses to adopt an address that
    # `ip` set by hand).
    host.run("ip", "address", "flush", "dev", "eth0", "scope", "global")
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/os-release").write_text(release)
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(0o600 if kind == "netplan" else 0o644)  # networkd reads as its own user
    if kind == "netplan":
        done = NetnsHost(host.name, root).run(("netplan", "generate"))
        assert done.ok, done.stderr
    with networkd_in(host, root, logs) as daemon:
        wait_until("networkd to configure eth0", lambda: uplink_configured(host), seconds=15)
        settle(host)
        yield daemon


def wait_for(done: Callable[[], bool], seconds: float) -> None:
    """Wait up to ``seconds`` for ``done``; the assertion after it says what differs."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.1)


def files_under(root: Path, top: str = "etc") -> dict[str, tuple[str, int]]:
    """Text and mode of every file under ROOT/top."""
    base = root / top
    return {
        str(p.relative_to(root)): (p.read_text(), p.stat().st_mode & 0o7777)
        for p in sorted(base.rglob("*"))
        if p.is_file()
    }


def apply_while_pinging(host: Netns, lan: Netns, root: Path) -> tuple[Applied, float]:
    pinger = start_pinging(lan, "198.51.100.2")
    try:
        applied = apply_answers(ANSWERS, host.name, root)
        applied_at = time.time()
        host.run("ping", "-c", "3", "-i", "0.2", "198.51.100.1")
        time.sleep(1.0)  # an outage that goes on after apply returned must show
    finally:
        output = stop_pinging(pinger)
    lost, _ = lost_seconds(output, applied_at)
    return applied, lost


def bridged_state(host: Netns) -> dict[str, object]:
    """What the bridged conversion and the VM-only bridges must leave, and keep."""
    links = {link["ifname"]: link for link in json.loads(host.run("ip", "-j", "link").stdout)}
    addrs = json.loads(host.run("ip", "-j", "-4", "address").stdout)
    v4 = {
        a["ifname"]: sorted(f"{i['local']}/{i['prefixlen']}" for i in a["addr_info"]) for a in addrs
    }
    return {
        "eth0 master": links["eth0"].get("master"),
        "br0 mac": links["br0"]["address"],
        "virbr10 mac": links["virbr10"]["address"],
        "addresses": {name: v4.get(name, []) for name in ("eth0", "br0", "virbr10", "virbr20")},
        "default": host.run("ip", "route", "show", "default").stdout.split()[:5],
    }


EXPECTED = {
    "eth0 master": "br0",
    "br0 mac": HOST_MAC,
    "virbr10 mac": "52:54:00:7e:27:a0",
    "addresses": {
        "eth0": [],
        "br0": ["198.51.100.2/24"],
        "virbr10": ["192.168.100.1/24"],
        "virbr20": ["192.0.2.1/28"],
    },
    "default": ["default", "via", "198.51.100.1", "dev", "br0"],
}


def assert_vm_bridges_lease(topo: Topology, workdir: Path) -> None:
    """A VM on each VM-only bridge of stack-bridges.toml gets its fixed lease from the
    wizard's dnsmasq; the VMs' cables are taken out again afterwards."""
    ports = [plug_vm(topo, "vm1", "virbr10", "52:54:00:be:0a:f3")]
    assert dhcp_lease(topo["vm1"], workdir) == "192.168.100.77/24"
    ports.append(plug_vm(topo, "vm2", "virbr20", "52:54:00:be:0a:f4"))
    assert dhcp_lease(topo["vm2"], workdir) == "192.0.2.7/28"
    for port in ports:
        topo["host"].run("ip", "link", "delete", port)
