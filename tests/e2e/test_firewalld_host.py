"""Custom NAT on a firewalld host: a real firewalld (private D-Bus) in the test namespace."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.netns import stop

from e2e.firewalld_host import firewalld_in
from e2e.topology import (
    Topology,
    assert_nat_traffic,
    dhcp_lease,
    lan_uplink,
    live_processes,
    plug_vm,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers

ANSWERS = Path(__file__).with_name("answers") / "custom-nat-firewalld.toml"
VM_MAC = "52:54:00:be:0a:f3"
SSH_FROM = "198.51.100.1"


@pytest.mark.netns
def test_firewalld_host_serves_masquerades_forwards_survives_a_reload_and_rolls_back(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo)
    with firewalld_in(host, root / "run", tmp_path) as fw:
        # The host admits SSH from the LAN router's address only.
        rule = f'rule family="ipv4" source address="{SSH_FROM}" service name="ssh" accept'
        for permanent in ((), ("--permanent",)):
            fw.cmd(*permanent, "--zone=public", "--remove-service=ssh")
            fw.cmd(*permanent, "--zone=public", f"--add-rich-rule={rule}")
        before = fw.config()

        applied = apply_answers(ANSWERS, host.name, root)
        assert "vnw-virbr10" in fw.cmd("--get-zones")
        assert fw.cmd("--get-zone-of-interface=virbr10").strip() == "vnw-virbr10"
        assert "masquerade" in fw.cmd("--zone=public", "--list-rich-rules")
        assert "masquerade" in fw.cmd("--permanent", "--zone=public", "--list-rich-rules")

        port = plug_vm(topo, "vm", "virbr10", VM_MAC)
        vm = topo["vm"]
        assert dhcp_lease(vm, tmp_path) == "192.168.100.77/24"

        def traffic() -> None:
            assert_nat_traffic(vm, lan)
            ssh = tcp_server(host, "0.0.0.0", 22, "host")
            try:
                assert tcp_ask(lan, "198.51.100.2", 22) == f"host sees {SSH_FROM}"
                assert tcp_ask(vm, "192.168.100.1", 22, seconds=2) == "", "SSH stays closed"
            finally:
                stop(ssh)

        traffic()
        fw.cmd("--reload")  # firewalld's own reload: the permanent objects come back
        traffic()

        host.run("ip", "link", "delete", port)
        applied.rollback()
        assert fw.config() == before
        assert "dnsmasq" not in live_processes(host)
