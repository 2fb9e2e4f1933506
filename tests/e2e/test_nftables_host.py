"""Custom NAT on an nftables-only host: one table of the wizard's, the host's own rules kept."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from support.netns import stop

from e2e.nft_host import SSH_FROM, host_nft_firewall, nft_ruleset, path_without_iptables
from e2e.topology import (
    Topology,
    assert_nat_traffic,
    dhcp_lease,
    lan_uplink,
    live_processes,
    machine_snapshot,
    net_state,
    plug_vm,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers
from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.render.systemd import render_nft_firewall_unit

ANSWERS = Path(__file__).with_name("answers") / "custom-nat-nftables.toml"
VM_MAC = "52:54:00:be:0a:f3"
TABLE = "table inet vnw_virbr10"
#: Debian's /etc/nftables.conf: it begins by deleting every rule anyone loaded.
NFTABLES_CONF = "#!/usr/sbin/nft -f\n\nflush ruleset\n\n"


def _unit_start(root: Path) -> list[str]:
    """The ExecStart= command of the network's unit, its file taken from the root."""
    unit = render_nft_firewall_unit(load_answers(ANSWERS).networks[0])
    line = next(ln for ln in unit.splitlines() if ln.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[:2] == ["/usr/sbin/nft", "-f"], argv
    return ["nft", "-f", str(root / argv[2].lstrip("/"))]


@pytest.mark.netns
def test_nftables_host_serves_masquerades_forwards_survives_a_flush_and_rolls_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    host_nft_firewall(host)
    before, ruleset_before, machine_before = net_state(host), nft_ruleset(host), machine_snapshot()
    env = {"PATH": path_without_iptables(tmp_path / "bin")}
    assert not (tmp_path / "bin/iptables").exists() and (tmp_path / "bin/nft").exists()

    applied = apply_answers(ANSWERS, host.name, root, env=env)
    assert not any("iptables" in step.describe() for _, _, step in applied.plan.steps())
    ruleset = nft_ruleset(host)
    assert TABLE in ruleset
    assert ruleset_before.strip() in ruleset, "the host's own table is untouched"
    assert net_state(host)["iptables"] == before["iptables"], "no iptables rule was made"

    port = plug_vm(topo, "vm", "virbr10", VM_MAC)
    vm = topo["vm"]
    assert dhcp_lease(vm, tmp_path) == "192.168.100.77/24"

    assert_nat_traffic(vm, lan)

    # The host's SSH rule holds: the LAN router's address gets in, the VM does not.
    ssh = tcp_server(host, "0.0.0.0", 22, "host")
    try:
        assert tcp_ask(lan, "198.51.100.2", 22) == f"host sees {SSH_FROM}"
        assert tcp_ask(vm, "192.168.100.1", 22, seconds=2) == ""
    finally:
        stop(ssh)

    # nftables.service reloads /etc/nftables.conf (flush ruleset, the host's table), then
    # the wizard's unit loads the table again, as ReloadPropagatedFrom makes it do.
    host.run("nft", "-f", "-", input=NFTABLES_CONF + nft_ruleset(host).split(TABLE)[0])
    assert TABLE not in nft_ruleset(host)
    host.run(*_unit_start(root))
    host.run(*_unit_start(root))  # a second reload doubles nothing
    assert nft_ruleset(host) == ruleset
    assert_nat_traffic(vm, lan)

    host.run("ip", "link", "delete", port)
    applied.rollback()
    assert nft_ruleset(host) == ruleset_before
    assert net_state(host) == before
    assert "dnsmasq" not in live_processes(host)
    assert machine_snapshot() == machine_before
