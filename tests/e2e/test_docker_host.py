"""A host with Docker's FORWARD policy DROP: DOCKER-USER lets the wizard's bridge forward."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.netns import Netns, stop

from e2e.nft_host import nft_ruleset
from e2e.topology import (
    Topology,
    dhcp_lease,
    lan_uplink,
    net_state,
    plug_vm,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers
from virtnet_tui.core.recipes.docker import docker_user_argvs, docker_why

NFT_ANSWERS = Path(__file__).with_name("answers") / "custom-nat-nftables.toml"
VM_MAC = "52:54:00:be:0a:f3"
#: The filter and nat rules Docker 24 makes for docker0 (no container running).
DOCKER_RULES = (
    ("-N", "DOCKER"),
    ("-N", "DOCKER-ISOLATION-STAGE-1"),
    ("-N", "DOCKER-ISOLATION-STAGE-2"),
    ("-N", "DOCKER-USER"),
    ("-P", "FORWARD", "DROP"),
    ("-A", "FORWARD", "-j", "DOCKER-USER"),
    ("-A", "FORWARD", "-j", "DOCKER-ISOLATION-STAGE-1"),
    ("-A", "FORWARD", "-o", "docker0", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
     "-j", "ACCEPT"),
    ("-A", "FORWARD", "-o", "docker0", "-j", "DOCKER"),
    ("-A", "FORWARD", "-i", "docker0", "!", "-o", "docker0", "-j", "ACCEPT"),
    ("-A", "FORWARD", "-i", "docker0", "-o", "docker0", "-j", "ACCEPT"),
    ("-A", "DOCKER-ISOLATION-STAGE-1", "-i", "docker0", "!", "-o", "docker0",
     "-j", "DOCKER-ISOLATION-STAGE-2"),
    ("-A", "DOCKER-ISOLATION-STAGE-1", "-j", "RETURN"),
    ("-A", "DOCKER-ISOLATION-STAGE-2", "-o", "docker0", "-j", "DROP"),
    ("-A", "DOCKER-ISOLATION-STAGE-2", "-j", "RETURN"),
    ("-A", "DOCKER-USER", "-j", "RETURN"),
    ("-t", "nat", "-N", "DOCKER"),
    ("-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER"),
    ("-t", "nat", "-A", "POSTROUTING", "-s", "172.17.0.0/16", "!", "-o", "docker0",
     "-j", "MASQUERADE"),
)  # fmt: skip


def docker_chains(ns: Netns) -> None:
    for rule in DOCKER_RULES:
        ns.run("iptables", "-w", *rule)


@pytest.mark.netns
def test_docker_user_lets_an_nftables_network_forward_and_rollback_removes_it(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    docker_chains(host)
    before, ruleset_before = net_state(host), nft_ruleset(host)
    answers = tmp_path / "docker.toml"
    answers.write_text(NFT_ANSWERS.read_text().replace("[host]\n", "[host]\ndocker = true\n", 1))

    applied = apply_answers(answers, host.name, root)
    assert docker_why("virbr10") in applied.plan.warnings, "the preview explains the rules"
    saved = host.run("iptables-save").stdout
    assert "-A DOCKER-USER -i virbr10 -j ACCEPT" in saved
    assert "-A DOCKER-USER -o virbr10 -j ACCEPT" in saved
    assert saved.index("-A DOCKER-USER -i virbr10") < saved.index("-A DOCKER-USER -j RETURN")

    port = plug_vm(topo, "vm", "virbr10", VM_MAC)
    vm = topo["vm"]
    assert dhcp_lease(vm, tmp_path) == "192.168.100.77/24"
    lan_server = tcp_server(lan, "198.51.100.1", 7000, "lan")
    vm_server = tcp_server(vm, "0.0.0.0", 80, "vm")
    try:
        assert tcp_ask(vm, "198.51.100.1", 7000) == "lan sees 198.51.100.2"
        assert tcp_ask(lan, "198.51.100.2", 8080) == "vm sees 198.51.100.1"
        # Without the accepts Docker's DROP policy stops the VMs' traffic both ways.
        deletes = docker_user_argvs("virbr10", insert=False)
        for argv in deletes:
            host.run(*argv)
        assert tcp_ask(vm, "198.51.100.1", 7000, seconds=2) == ""
        assert tcp_ask(lan, "198.51.100.2", 8080, seconds=2) == ""
        for argv in docker_user_argvs("virbr10", insert=True):
            host.run(*argv)
        assert tcp_ask(vm, "198.51.100.1", 7000) == "lan sees 198.51.100.2"
    finally:
        stop(lan_server)
        stop(vm_server)

    host.run("ip", "link", "delete", port)
    applied.rollback()
    assert net_state(host) == before, "Docker's chains as they were, ours gone"
    assert nft_ruleset(host) == ruleset_before
