"""Namespaces wired together for end-to-end tests: a host, its LAN, and VMs on its bridge."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support.netns import Netns, netns, stop

from virtnet_tui.core.plan import Plan

#: Addresses from the documentation ranges only (RFC 5737, RFC 3849): nothing here can
#: ever reach a real network.
LAN_HOST_V4 = "198.51.100.2/24"
LAN_ROUTER_V4 = "198.51.100.1/24"
LAN_HOST_V6 = "2001:db8:1::2/64"
LAN_ROUTER_V6 = "2001:db8:1::1/64"
#: Kernel settings that plans change and rollbacks must put back.
STATE_SYSCTLS = (
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.forwarding",
    "net.ipv6.conf.all.forwarding",
    "net.bridge.bridge-nf-call-iptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.bridge.bridge-nf-call-arptables",
)
#: The host's uplink MAC, as the answers files give it.
HOST_MAC = "02:00:00:00:00:02"

_UDHCPC_SCRIPT = """\
import ipaddress, os, subprocess, sys

# udhcpc runs this on each event; it sets the lease on the interface and nothing else
# (busybox's default script would rewrite /etc/resolv.conf).
event, dev = sys.argv[1], os.environ.get("interface", "")
if event == "deconfig":
    subprocess.run(["ip", "link", "set", dev, "up"], check=True)
    subprocess.run(["ip", "-4", "addr", "flush", "dev", dev], check=True)
elif event in ("bound", "renew"):
    ip, subnet = os.environ["ip"], os.environ.get("subnet", "255.255.255.0")
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{subnet}").prefixlen
    subprocess.run(["ip", "addr", "replace", f"{ip}/{prefix}", "dev", dev], check=True)
    router = os.environ.get("router", "").split()
    if router:
        subprocess.run(["ip", "route", "replace", "default", "via", router[0]], check=True)
    print(f"lease {ip}/{prefix} router {' '.join(router)}", flush=True)
"""

_TCP_SERVER = """\
import socket, sys

# Answers every connection with the address the connection came from, then closes it.
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
srv = socket.socket(family, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(8)
print("listening", flush=True)
while True:
    conn, peer = srv.accept()
    conn.sendall(f"{sys.argv[3]} sees {peer[0]}\\n".encode())
    conn.close()
"""

_TCP_CLIENT = """\
import socket, sys

source = (sys.argv[4], 0) if len(sys.argv) > 4 else None
address = (sys.argv[1], int(sys.argv[2]))
with socket.create_connection(address, timeout=float(sys.argv[3]), source_address=source) as s:
    data = b""
    while chunk := s.recv(4096):
        data += chunk
print(data.decode().strip())
"""


@dataclass
class Topology:
    """Named namespaces for one test; everything is deleted when the ``with`` block ends."""

    stack: ExitStack
    spaces: dict[str, Netns] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Netns:
        return self.spaces[role]

    def add(self, role: str) -> Netns:
        made = self.stack.enter_context(_netns_killing_leftovers(f"vnw{role[:4]}"))
        self.spaces[role] = made
        return made

    def veth(self, a: str, a_name: str, b: str, b_name: str, b_mac: str = "") -> None:
        """A cable between namespace roles ``a`` and ``b``, both ends up."""
        peer = ["peer", "name", b_name, "netns", self[b].name]
        if b_mac:
            peer += ["address", b_mac]
        subprocess.run(
            ["ip", "link", "add", a_name, "netns", self[a].name, "type", "veth", *peer],
            check=True,
            capture_output=True,
        )
        self[a].run("ip", "link", "set", a_name, "up")
        self[b].run("ip", "link", "set", b_name, "up")


@contextmanager
def topology() -> Iterator[Topology]:
    """Namespaces made through ``Topology.add``; each is emptied and deleted afterwards."""
    with ExitStack() as stack:
        yield Topology(stack)


@contextmanager
def _netns_killing_leftovers(prefix: str) -> Iterator[Netns]:
    with netns(prefix) as made:
        try:
            yield made
        finally:
            kill_processes_in(made.name)


def kill_processes_in(name: str) -> None:
    """Kill whatever still runs in namespace ``name`` (daemons a failed test left behind)."""
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
    for pid in pids.stdout.split():
        subprocess.run(["kill", "-KILL", pid], capture_output=True)


def lan_uplink(topo: Topology, ipv6: bool = False, mac: str = HOST_MAC) -> None:
    """A "host" with an "eth0" to a "lan" router; the host's default route points at the lan."""
    topo.veth("lan", "eth0", "host", "eth0", b_mac=mac)
    host, lan = topo["host"], topo["lan"]
    host.run("ip", "address", "add", LAN_HOST_V4, "dev", "eth0")
    lan.run("ip", "address", "add", LAN_ROUTER_V4, "dev", "eth0")
    host.run("ip", "route", "add", "default", "via", LAN_ROUTER_V4.split("/")[0])
    if ipv6:
        host.run("ip", "-6", "address", "add", LAN_HOST_V6, "dev", "eth0", "nodad")
        lan.run("ip", "-6", "address", "add", LAN_ROUTER_V6, "dev", "eth0", "nodad")
        host.run("ip", "-6", "route", "add", "default", "via", LAN_ROUTER_V6.split("/")[0])
    settle(host)
    settle(lan)


def uplink_configured(host: Netns) -> bool:
    """Whether the host's eth0 has its LAN address and the default route through it."""
    addrs = host.run("ip", "-o", "-4", "address", "show", "dev", "eth0").stdout
    return (
        "198.51.100.2/24" in addrs
        and "default via 198.51.100.1 dev eth0" in host.run("ip", "route").stdout
    )


def settle(ns: Netns) -> None:
    """Wait until the kernel has finished giving links their IPv6 link-local addresses.

    They appear a moment after a link comes up; a snapshot taken before would differ from
    one taken later for no fault of the wizard.
    """

    def settled() -> bool:
        links = json.loads(ns.run("ip", "-j", "-d", "link", "show").stdout)
        addrs = json.loads(ns.run("ip", "-j", "-6", "address", "show").stdout)
        local = {
            a["ifname"]
            for a in addrs
            for i in a.get("addr_info", [])
            if i["local"].startswith("fe80:") and not i.get("tentative")
        }
        pending = [i for a in addrs for i in a.get("addr_info", []) if i.get("tentative")]
        wanted = {
            link["ifname"]
            for link in links
            if link["ifname"] != "lo"
            and "LOWER_UP" in link.get("flags", [])
            and link.get("inet6_addr_gen_mode") != "none"
        }
        return wanted <= local and not pending

    wait_until(f"IPv6 link-local addresses in {ns.name}", settled)


def plug_vm(topo: Topology, role: str, bridge: str, mac: str) -> str:
    """A "vm" namespace whose "eth0" (with ``mac``) is a port of ``bridge`` in "host".

    Returns the name of the port on the host side.
    """
    port = f"vnet{uuid.uuid4().hex[:4]}"
    topo.add(role)
    topo.veth("host", port, role, "eth0", b_mac=mac)
    topo["host"].run("ip", "link", "set", port, "master", bridge)
    return port


def dhcp_lease(ns: Netns, workdir: Path, iface: str = "eth0", seconds: int = 10) -> str:
    """Run a real DHCP client (busybox udhcpc) in ``ns``; the address it was given, as a/nn."""
    script = workdir / "udhcpc-event"
    script.write_text(f"#!{sys.executable}\n{_UDHCPC_SCRIPT}")
    script.chmod(0o755)
    proc = ns.run(
        "udhcpc",
        "-f",
        "-q",
        "-n",
        "-i",
        iface,
        "-t",
        str(seconds),
        "-T",
        "1",
        "-s",
        str(script),
        timeout=seconds + 10,
    )
    match = re.search(r"lease (\S+) router", proc.stdout)
    assert match, f"no lease in udhcpc's output:\n{proc.stdout}{proc.stderr}"
    return match.group(1)


def tcp_server(ns: Netns, address: str, port: int, name: str) -> subprocess.Popen[str]:
    """A server in ``ns`` that answers each connection with ``NAME sees PEER-ADDRESS``."""
    proc = ns.popen(sys.executable, "-c", _TCP_SERVER, address, str(port), name)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening" in line, f"the server in {ns.name} did not start: {line}"
    return proc


def tcp_ask(ns: Netns, address: str, port: int, seconds: float = 5, source: str = "") -> str:
    """Connect from ``ns`` (from ``source`` when given) to ``address:port``; what the server
    said, or "" when the connection failed."""
    argv = [sys.executable, "-c", _TCP_CLIENT, address, str(port), str(seconds)]
    proc = ns.run(*argv, *([source] if source else []), check=False)
    return proc.stdout.strip()


def assert_nat_traffic(vm: Netns, lan: Netns) -> None:
    """Through a custom NAT network: the VM reaches the LAN's server, which sees the host's
    address (masqueraded), and the LAN reaches the VM's port 80 on the host's 8080."""
    server = tcp_server(lan, "198.51.100.1", 7000, "lan")
    try:
        assert tcp_ask(vm, "198.51.100.1", 7000) == "lan sees 198.51.100.2"
    finally:
        stop(server)
    server = tcp_server(vm, "0.0.0.0", 80, "vm")
    try:
        assert tcp_ask(lan, "198.51.100.2", 8080) == "vm sees 198.51.100.1"
    finally:
        stop(server)


def provider_routes(plan: Plan, lan: Netns) -> None:
    """The LAN plays the hosting provider: it adds the static routes the plan's to-dos ask
    for (a routed subnet, an IPv6 prefix, via the host)."""
    for todo in plan.todos:
        for command in todo.commands:
            lan.run(*shlex.split(command))


def ifindex(ns: Netns, link: str) -> int:
    """The kernel's index of ``link``: a link deleted and made again gets a new one."""
    return int(ns.run("cat", f"/sys/class/net/{link}/ifindex").stdout)


def wait_until(what: str, probe: object, seconds: float = 10, every: float = 0.1) -> None:
    """Poll the callable ``probe`` until it returns true; fail naming ``what`` otherwise."""
    assert callable(probe)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")


def net_state(ns: Netns) -> dict[str, object]:
    """Links, addresses, routes and firewall of ``ns``, without counters or volatile fields."""
    links = json.loads(ns.run("ip", "-j", "link", "show").stdout)
    addrs = json.loads(ns.run("ip", "-j", "address", "show").stdout)
    routes4 = json.loads(ns.run("ip", "-j", "-4", "route", "show", "table", "all").stdout)
    routes6 = json.loads(ns.run("ip", "-j", "-6", "route", "show", "table", "all").stdout)
    return {
        "links": sorted(
            (
                link["ifname"],
                link.get("address", ""),
                tuple(link.get("flags", [])),
                link.get("master", ""),
                link.get("mtu"),
            )
            for link in links
        ),
        "addresses": sorted(
            (a["ifname"], i["family"], i["local"], i["prefixlen"])
            for a in addrs
            for i in a.get("addr_info", [])
        ),
        "routes": sorted(
            json.dumps({k: v for k, v in r.items() if k not in ("expires",)}, sort_keys=True)
            for r in routes4 + routes6
        ),
        "iptables": _firewall(ns, "iptables-save"),
        "ip6tables": _firewall(ns, "ip6tables-save"),
        "sysctl": ns.run("sysctl", *STATE_SYSCTLS).stdout,
    }


def host_state(ns: Netns) -> dict[str, object]:
    """``net_state`` plus each link's operational state and the uplink's accept_ra."""
    state = net_state(ns)
    links = json.loads(ns.run("ip", "-j", "link", "show").stdout)
    state["operstate"] = sorted((link["ifname"], link.get("operstate", "")) for link in links)
    state["accept_ra"] = ns.run("sysctl", "net.ipv6.conf.eth0.accept_ra").stdout
    return state


def state_diff(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """What differs between two ``host_state`` snapshots, one line per item."""
    lines = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            lines += [f"{key}: lost {item!r}" for item in old if item not in new]
            lines += [f"{key}: gained {item!r}" for item in new if item not in old]
            if all(item in new for item in old) and all(item in old for item in new):
                lines.append(f"{key}: same items, other order: {old!r} -> {new!r}")
        else:
            lines.append(f"{key}: {old!r} -> {new!r}")
    return lines


def full_state(ns: Netns) -> dict[str, object]:
    """``host_state`` plus each link's kind, port kind and settings a bridge port changes."""
    state = host_state(ns)
    links = json.loads(ns.run("ip", "-j", "-d", "link", "show").stdout)
    state["link_details"] = sorted(
        (
            link["ifname"],
            link.get("linkinfo", {}).get("info_kind", ""),
            link.get("linkinfo", {}).get("info_slave_kind", ""),
            link.get("inet6_addr_gen_mode", ""),
            link.get("promiscuity"),
            link.get("allmulti"),
            link.get("linkmode", ""),
            link.get("txqlen"),
        )
        for link in links
    )
    return state


def _firewall(ns: Netns, tool: str) -> list[str]:
    """The rule set without comments and packet counters; every table it lists counts.

    With iptables-nft a table, once made, stays listed with its built-in chains after its
    last rule is gone: rollback deletes the tables the wizard made, so an empty table that
    was not there before is a difference.
    """
    return [
        re.sub(r" \[\d+:\d+\]$", "", line)
        for line in ns.run(tool).stdout.splitlines()
        if line and not line.startswith("#")
    ]


def firewall_tables(ns: Netns, tool: str) -> dict[str, list[str]]:
    """Each table ``tool`` (``iptables-save``...) lists, with its lines, as ``_firewall``."""
    tables: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _firewall(ns, tool):
        if line.startswith("*"):
            current = tables.setdefault(line[1:], [])
        else:
            current.append(line)
    return tables


def host_firewall(ns: Netns) -> None:
    """Rules the host had before the wizard, which must survive apply and rollback unchanged."""
    ns.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
    ns.run("iptables", "-A", "FORWARD", "-s", "10.255.0.0/16", "-j", "DROP")
    ns.run("iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.255.0.0/16", "-j", "RETURN")
    ns.run("ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")


def machine_snapshot() -> dict[str, object]:
    """What the machine has where the recipes' files and runtime state would go."""
    snap: dict[str, object] = {}
    for folder in (
        "/etc/network",
        "/run/network",
        "/var/lib/dnsmasq",
        "/run/dnsmasq",
        "/etc/virtnet-wizard",
        "/etc/sysctl.d",
        "/var/lib/libvirt",
        "/run/libvirt",
        "/etc/libvirt",
        "/var/log/libvirt",
    ):
        path = Path(folder)
        if not path.exists():
            snap[folder] = None
            continue
        entries = {}
        for item in sorted(path.rglob("*")):
            st = item.lstat()
            content = item.read_bytes() if item.is_file() and not item.is_symlink() else b""
            entries[str(item)] = (st.st_mode, st.st_size, st.st_mtime_ns, content)
        snap[folder] = entries
    snap["sysctl"] = subprocess.run(
        ["sysctl", "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"],
        capture_output=True,
        text=True,
    ).stdout
    snap["links"] = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    return snap


def live_processes(ns: Netns) -> list[str]:
    """Names of the processes running in ``ns`` (zombies left out)."""
    names = []
    pids = subprocess.run(["ip", "netns", "pids", ns.name], capture_output=True, text=True)
    for pid in pids.stdout.split():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if fields[1].split()[0] != "Z":
            names.append(name)
    return names


def daemon(pid_file: Path, name: str = "dnsmasq") -> tuple[int, int]:
    """The pid in ``pid_file`` and that process's start time (clock ticks since boot).

    The pair names one process for good: a daemon restarted under a recycled pid would
    still have another start time. Fails unless the process runs and is ``name``.
    """
    pid = int(pid_file.read_text().split()[0])
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError as exc:
        raise AssertionError(f"{pid_file} names pid {pid}, which is not running") from exc
    assert comm == name, f"{pid_file} names pid {pid}, which is {comm}, not {name}"
    assert stat[0] != "Z", f"{name} (pid {pid}) has exited"
    return pid, int(stat[19])  # field 22 of stat: starttime
