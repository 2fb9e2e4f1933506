"""The nftables table of a custom network: built as data, one file, the bridge's traffic only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.plan_matrix import facts, spec

from virtnet_tui.core.render.nftables import nft_table, render_nft_rules
from virtnet_tui.core.render.systemd import render_nft_firewall_unit

NAT = replace(spec("custom-nat", "dhcpv6"))
ROUTED = spec("custom-routed", "slaac")
HOST = facts("debian", False, True)


def test_the_file_recreates_its_one_table_atomically() -> None:
    text = render_nft_rules(NAT, HOST)
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert body[:3] == [
        "table inet vnw_virbr10",
        "delete table inet vnw_virbr10",
        "table inet vnw_virbr10 {",
    ]
    assert sum(1 for ln in body if ln.startswith("table ")) == 2, "one table, nothing else"
    assert "flush" not in text


@pytest.mark.parametrize("network", [NAT, ROUTED], ids=["nat", "routed"])
def test_every_filter_rule_matches_the_bridge(network: object) -> None:
    table = nft_table(network, HOST)  # type: ignore[arg-type]
    filters = [c for c in table.chains if c.type == "filter"]
    assert [c.hook for c in filters] == ["input", "forward"]
    for chain in filters:
        for rule in chain.rules:
            words = rule.words
            assert "iifname" in words or "oifname" in words, words
            assert '"virbr10"' in words, words


def test_nat_chains_masquerade_and_forward_the_ports() -> None:
    table = nft_table(NAT, HOST)
    chains = {c.name: c for c in table.chains}
    assert (chains["prerouting"].priority, chains["postrouting"].priority) == ("dstnat", "srcnat")
    pre = [" ".join(r.words) for r in chains["prerouting"].rules]
    assert any("tcp dport { 80, 443 } dnat ip to 192.168.100.77" in r for r in pre)
    assert any("tcp dport 7722 dnat ip to 192.168.100.77:22" in r for r in pre)
    assert any(r.startswith("ip daddr 203.0.113.86 udp dport 51820 dnat") for r in pre)
    post = [" ".join(r.words) for r in chains["postrouting"].rules]
    assert post[-1] == ("ip saddr 192.168.100.0/24 ip daddr != 192.168.100.0/24 masquerade")
    fwd = [" ".join(r.words) for r in chains["forward"].rules]
    assert (
        'oifname "virbr10" ip daddr 192.168.100.77 tcp dport { 22, 80, 443 } ct state new accept'
        in fwd
    )


def test_a_routed_network_has_no_nat_and_no_checksum_target() -> None:
    table = nft_table(ROUTED, HOST)
    assert [c.name for c in table.chains] == ["input", "forward"]
    text = render_nft_rules(ROUTED, HOST)
    assert "checksum fill has no nftables equivalent" in text
    assert "masquerade" not in text and "dnat" not in text


def test_forwards_without_a_public_address_are_refused() -> None:
    with pytest.raises(ValueError, match="public IPv4"):
        nft_table(replace(NAT, public_ipv4=""), replace(HOST, ipv4=""))


def test_the_unit_loads_after_the_hosts_rule_set_and_follows_its_reloads() -> None:
    unit = render_nft_firewall_unit(NAT)
    assert "After=nftables.service firewalld.service" in unit
    assert "PartOf=nftables.service" in unit and "ReloadPropagatedFrom=nftables.service" in unit
    load = "/usr/sbin/nft -f /etc/virtnet-wizard/firewall/virbr10.nft"
    assert f"ExecStart={load}" in unit and f"ExecReload={load}" in unit
    assert "ExecStop=-/usr/sbin/nft delete table inet vnw_virbr10" in unit
