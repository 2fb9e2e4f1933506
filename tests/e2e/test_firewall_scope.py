"""The wizard's firewall rules never widen what the host's own rules allow."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.netns import stop

from e2e.topology import (
    Topology,
    firewall_tables,
    lan_uplink,
    net_state,
    tcp_ask,
    tcp_server,
)
from e2e.wizard import apply_answers

ANSWERS = Path(__file__).with_name("answers")
ADMIN = "198.51.100.1"  # the one address the host admits SSH from
STRANGER = "198.51.100.9"


def _ssh_from(topo: Topology, source: str) -> str:
    return tcp_ask(topo["lan"], "198.51.100.2", 22, seconds=2, source=source)


@pytest.mark.netns
@pytest.mark.parametrize("answers", ["custom-nat.toml", "custom-routed.toml"])
def test_ssh_restricted_to_one_address_stays_restricted(
    topo: Topology, root: Path, answers: str
) -> None:
    host, lan = topo.add("host"), topo.add("lan")
    lan_uplink(topo, ipv6=answers == "custom-routed.toml")
    lan.run("ip", "address", "add", f"{STRANGER}/24", "dev", "eth0")
    host.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-s", ADMIN, "-j", "ACCEPT")
    host.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP")
    server = tcp_server(host, "0.0.0.0", 22, "sshd")
    try:
        assert _ssh_from(topo, ADMIN) == f"sshd sees {ADMIN}"
        assert _ssh_from(topo, STRANGER) == "", "the host's own rule refuses the stranger"
        before = net_state(host)

        applied = apply_answers(ANSWERS / answers, host.name, root)
        assert _ssh_from(topo, ADMIN) == f"sshd sees {ADMIN}"
        assert _ssh_from(topo, STRANGER) == "", "the wizard's chains let the stranger in"

        applied.rollback()
        assert net_state(host) == before
    finally:
        stop(server)


@pytest.mark.netns
def test_rollback_deletes_the_tables_the_wizard_made_and_only_those(
    topo: Topology, root: Path
) -> None:
    host = topo.add("host")
    topo.add("lan")
    lan_uplink(topo)
    host.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
    # The host's own nat table, empty: rollback must not take it for one of the wizard's.
    host.run("iptables", "-t", "nat", "-N", "HOST-EMPTY")
    host.run("iptables", "-t", "nat", "-X", "HOST-EMPTY")
    before = firewall_tables(host, "iptables-save")
    assert sorted(before) == ["filter", "nat"]

    applied = apply_answers(ANSWERS / "custom-nat.toml", host.name, root)
    assert "mangle" in firewall_tables(host, "iptables-save"), "the DHCP checksum chain made it"
    applied.rollback()
    assert firewall_tables(host, "iptables-save") == before
    journal = (root / "var/lib/virtnet-wizard/runs" / applied.run_id / "journal.jsonl").read_text()
    assert "deleted the empty iptables mangle table the wizard made" in journal
    assert "deleted the empty iptables nat table" not in journal

    # A rule someone adds to a table the wizard made keeps that table through rollback.
    applied = apply_answers(ANSWERS / "custom-nat.toml", host.name, root)
    host.run("iptables", "-t", "mangle", "-A", "PREROUTING", "-p", "udp", "-j", "ACCEPT")
    applied.rollback()
    after = firewall_tables(host, "iptables-save")
    assert "-A PREROUTING -p udp -j ACCEPT" in after.pop("mangle")
    assert after == before
