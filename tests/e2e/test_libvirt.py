"""libvirt's routed and NAT networks end to end, through a real libvirtd in a namespace."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from support.netns import Netns, stop

from e2e.libvirtd import libvirtd_in
from e2e.topology import (
    Topology,
    dhcp_lease,
    firewall_tables,
    lan_uplink,
    machine_snapshot,
    net_state,
    plug_vm,
    provider_routes,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers
from virtnet_tui.core.recipes.libvirt_network import LIBVIRT_CHAINS, leftovers_warning

ANSWERS = Path(__file__).with_name("answers")
#: The built-in chains iptables-save lists for a table that exists, in its order.
BUILTINS = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
}


def _without_libvirt_leftovers(
    ns: Netns, tool: str, before: dict[str, list[str]]
) -> dict[str, list[str]]:
    """The tables of ``tool`` less what the plan says libvirt leaves: each chain of
    ``LIBVIRT_CHAINS`` and its jump, once, and the empty tables libvirt made for them."""
    tables = firewall_tables(ns, tool)
    for table, builtin, chain in LIBVIRT_CHAINS:
        lines = tables.get(table, [])
        for line in (f":{chain} -", f"-A {builtin} -j {chain}"):
            assert line in lines, f"{tool}: {table} has no {line!r}"
            lines.remove(line)
    for table in {t for t, _, _ in LIBVIRT_CHAINS} - set(before):
        made = tables.pop(table)
        assert made == [f":{b} ACCEPT" for b in BUILTINS[table]] + ["COMMIT"], (tool, made)
    return tables


@pytest.mark.netns
@pytest.mark.parametrize(
    ("answers", "network", "bridge", "subnet", "lan_sees"),
    [
        ("libvirt-nat.toml", "vnwnat", "virbr30", "192.168.130.0/24", "host"),
        ("libvirt-routed.toml", "vnwrouted", "virbr31", "192.0.2.32/28", "vm"),
    ],
)
def test_libvirt_network_is_defined_active_autostarted_and_rolled_back(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    answers: str,
    network: str,
    bridge: str,
    subnet: str,
    lan_sees: str,
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    machine_before = machine_snapshot()
    with libvirtd_in(host, root, tmp_path / "libvirtd.log") as conn:
        before = net_state(host)
        tables_before = {t: firewall_tables(host, t) for t in ("iptables-save", "ip6tables-save")}
        applied = apply_answers(ANSWERS / answers, host.name, root)
        assert leftovers_warning() in applied.plan.warnings

        net = conn.networkLookupByName(network)
        assert net.isPersistent() and net.isActive() and net.autostart()
        assert net.bridgeName() == bridge
        # libvirt kept the definition and the autostart link under the root.
        defined = root / "etc/libvirt/qemu/networks" / f"{network}.xml"
        assert f"<name>{network}</name>" in defined.read_text()
        # (an absolute link, which points at the definition as libvirtd sees it)
        link = root / "etc/libvirt/qemu/networks/autostart" / f"{network}.xml"
        assert link.readlink() == Path("/etc/libvirt/qemu/networks") / f"{network}.xml"

        # A VM on the network gets a lease from libvirt's dnsmasq and reaches the LAN.
        provider_routes(applied.plan, lan)  # for the routed subnets
        port = plug_vm(topo, "vm", bridge, "52:54:00:00:00:30")
        vm = topo["vm"]
        lease = ipaddress.ip_interface(dhcp_lease(vm, tmp_path))
        assert lease.network == ipaddress.ip_network(subnet)
        server = tcp_server(lan, "198.51.100.1", 7000, "lan")
        try:
            seen = "198.51.100.2" if lan_sees == "host" else str(lease.ip)
            assert tcp_ask(vm, "198.51.100.1", 7000) == f"lan sees {seen}"
        finally:
            stop(server)
        host.run("ip", "link", "delete", port)

        applied.rollback()
        assert network not in [n.name() for n in conn.listAllNetworks()]
        # Links, addresses, routes and forwarding as before; the firewall as before but
        # for exactly what the plan's warning says libvirt leaves.
        after = net_state(host)
        firewall = ("iptables", "ip6tables")
        assert {k: v for k, v in after.items() if k not in firewall} == {
            k: v for k, v in before.items() if k not in firewall
        }
        for tool, tables in tables_before.items():
            assert _without_libvirt_leftovers(host, tool, tables) == tables
        assert not (root / "etc/libvirt/qemu/networks" / f"{network}.xml").exists()
    assert machine_snapshot() == machine_before
