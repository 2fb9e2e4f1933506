"""Tests for the decision guide in virtnet_tui.core.advisor."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from virtnet_tui.core.advisor import (
    RULES,
    SECTION_EXAMPLE_1,
    SECTION_EXAMPLE_2,
    SECTION_EXAMPLE_3,
    SECTIONS,
    Recommendation,
    recommend,
)
from virtnet_tui.core.model import FIREWALLS, NETWORK_TYPES, SITES, UPLINKS, Situation, Uplink

Shape = list[tuple[str, str]]


def shape(rec: Recommendation) -> Shape:
    """The (type, family) pairs of the recommended networks, in order."""
    return [(n.type, n.family) for n in rec.networks]


def alternative(rec: Recommendation, kind: str) -> str:
    """The why_not of one alternative; fails when ``kind`` is not among them."""
    found = [a.why_not for a in rec.alternatives if a.type == kind]
    assert found, f"{kind} missing from alternatives"
    return found[0]


# --- "How to choose a network type", first paragraph: dedicated servers ----------------

DEDICATED_PUBLIC = Situation(
    site="dedicated", public_ipv4=4, vms=4, bridging_allowed=True, inbound=True
)


def test_dedicated_with_enough_addresses_and_bridging_gets_bridged() -> None:
    rec = recommend(DEDICATED_PUBLIC)
    assert shape(rec) == [("bridged", "ipv4")]
    assert rec.networks[0].section == "Bridged network"


def test_dedicated_bridge_carries_ipv6_too() -> None:
    rec = recommend(
        Situation(site="dedicated", public_ipv4=3, vms=3, bridging_allowed=True, ipv6_prefix=64)
    )
    assert shape(rec) == [("bridged", "both")]
    assert rec.warnings == ()


def test_dedicated_without_bridging_gets_routed() -> None:
    rec = recommend(
        Situation(site="dedicated", public_ipv4=6, vms=6, bridging_allowed=False, inbound=True)
    )
    assert shape(rec) == [("routed", "ipv4")]
    assert "MAC" in alternative(rec, "bridged")
    assert any("static route" in w for w in rec.warnings)


def test_dedicated_routed_carries_a_sliced_ipv6_block() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=6, vms=6, ipv6_prefix=56))
    assert shape(rec) == [("routed", "both")]


def test_dedicated_with_scarce_ipv4_gets_nat() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=1, vms=5, bridging_allowed=True))
    assert shape(rec) == [("nat", "ipv4")]
    assert "1 for 5" in alternative(rec, "bridged")
    assert "1 for 5" in alternative(rec, "routed")


def test_dedicated_routing_needs_one_address_per_vm() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=2, vms=3, bridging_allowed=False))
    assert shape(rec) == [("nat", "ipv4")]


def test_no_spare_ipv4_means_nat_even_for_one_bridgeable_vm() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=0, vms=1, bridging_allowed=True))
    assert shape(rec) == [("nat", "ipv4")]


def test_inbound_on_shared_ipv4_uses_custom_nat_for_port_forwards() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=1, vms=5, inbound=True))
    assert shape(rec) == [("custom-nat", "ipv4")]
    assert "hook" in alternative(rec, "nat")
    assert any("reverse proxy" in w for w in rec.warnings)


# --- second paragraph: intranet or home lab -------------------------------------------


@pytest.mark.parametrize("uplink", UPLINKS)
def test_homelab_outbound_only_gets_nat(uplink: Uplink) -> None:
    rec = recommend(
        Situation(
            site="homelab",
            uplink=uplink,
            bridging_allowed=True,
            public_ipv4=10,
            vms=2,
            inbound=False,
        )
    )
    assert shape(rec) == [("nat", "ipv4")]
    assert "connect out" in alternative(rec, "routed")


def test_homelab_serving_the_lan_over_ethernet_gets_bridged() -> None:
    rec = recommend(
        Situation(
            site="homelab",
            uplink="ethernet",
            bridging_allowed=True,
            public_ipv4=10,
            vms=2,
            inbound=True,
        )
    )
    assert shape(rec) == [("bridged", "ipv4")]
    assert "hides" in alternative(rec, "nat")


@pytest.mark.parametrize(("uplink", "expected"), [
    ("ethernet", [("bridged", "ipv4")]),
    ("both", [("bridged", "ipv4"), ("routed", "ipv4")]),
])  # fmt: skip
def test_the_address_count_limits_bridging_only_on_dedicated_servers(
    uplink: Uplink, expected: Shape
) -> None:
    # The guide: a home lab whose VMs serve the LAN over Ethernet gets a bridge; the VMs
    # take LAN addresses, so however few the operator counted, that is no obstacle.
    homelab = Situation(
        site="homelab", uplink=uplink, bridging_allowed=True, public_ipv4=0, vms=5, inbound=True
    )
    assert shape(recommend(homelab)) == expected
    assert not any("too few" in r for r in recommend(homelab).reasons)
    dedicated = replace(homelab, site="dedicated", uplink="ethernet", public_ipv4=1)
    assert "bridged" not in [t for t, _ in shape(recommend(dedicated))]


def test_homelab_serving_the_lan_over_wireless_gets_routed() -> None:
    rec = recommend(
        Situation(
            site="homelab",
            uplink="wireless",
            bridging_allowed=True,
            public_ipv4=0,
            vms=5,
            inbound=True,
        )
    )
    # A private subnet is routed, so the LAN's address count does not matter.
    assert shape(rec) == [("routed", "ipv4")]
    assert "wireless" in alternative(rec, "bridged")


def test_homelab_ethernet_without_bridging_permission_gets_routed() -> None:
    rec = recommend(
        Situation(site="homelab", uplink="ethernet", bridging_allowed=False, inbound=True)
    )
    assert shape(rec) == [("routed", "ipv4")]


# --- third paragraph: keeping libvirt out of iptables ---------------------------------


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        (DEDICATED_PUBLIC, [("bridged", "ipv4")]),
        (Situation(public_ipv4=6, vms=6), [("custom-routed", "ipv4")]),
        (Situation(public_ipv4=1, vms=6), [("custom-nat", "ipv4")]),
        (
            Situation(public_ipv4=1, vms=6, ipv6_prefix=56),
            [("custom-routed", "ipv6"), ("custom-nat", "ipv4")],
        ),
        (
            Situation(site="homelab", uplink="both", bridging_allowed=True, inbound=True),
            [("bridged", "ipv4"), ("custom-routed", "ipv4")],
        ),
    ],
)
def test_manual_firewall_swaps_in_custom_variants(situation: Situation, expected: Shape) -> None:
    rec = recommend(replace(situation, firewall="manual"))
    assert shape(rec) == expected
    assert "managed by hand" in rec.reasons[-1]
    for plain in ("routed", "nat"):
        if f"custom-{plain}" in {t for t, _ in expected}:
            assert "iptables" in alternative(rec, plain)


def test_manual_firewall_reason_is_part_of_the_chain() -> None:
    rec = recommend(Situation(public_ipv4=1, vms=6, firewall="manual"))
    assert any("managed by hand" in r for r in rec.reasons)
    libvirt = recommend(Situation(public_ipv4=1, vms=6))
    assert not any("managed by hand" in r for r in libvirt.reasons)


# --- "Multiple networks" examples ------------------------------------------------------


@pytest.mark.parametrize(("inbound", "nat"), [(False, "nat"), (True, "custom-nat")])
def test_example_1_routed_ipv6_beside_nat_ipv4(inbound: bool, nat: str) -> None:
    rec = recommend(
        Situation(
            site="dedicated",
            uplink="ethernet",
            public_ipv4=1,
            vms=4,
            bridging_allowed=False,
            ipv6_prefix=56,
            inbound=inbound,
        )
    )
    assert shape(rec) == [("routed", "ipv6"), (nat, "ipv4")]
    assert {n.section for n in rec.networks} == {SECTION_EXAMPLE_1}


@pytest.mark.parametrize(("inbound", "nat"), [(False, "nat"), (True, "custom-nat")])
def test_example_2_bridged_ipv6_beside_nat_ipv4(inbound: bool, nat: str) -> None:
    rec = recommend(
        Situation(
            site="dedicated",
            uplink="ethernet",
            public_ipv4=1,
            vms=4,
            bridging_allowed=True,
            ipv6_prefix=64,
            inbound=inbound,
        )
    )
    assert shape(rec) == [("bridged", "ipv6"), (nat, "ipv4")]
    assert {n.section for n in rec.networks} == {SECTION_EXAMPLE_2}
    # The single /64 is shared on the bridge, so nothing asks for a /56.
    assert not any("/56" in w for w in rec.warnings)


def test_example_3_one_network_per_uplink() -> None:
    rec = recommend(
        Situation(
            site="homelab", uplink="both", bridging_allowed=True, public_ipv4=4, vms=2, inbound=True
        )
    )
    assert [(n.type, n.uplink) for n in rec.networks] == [
        ("bridged", "ethernet"),
        ("routed", "wireless"),
    ]
    assert {n.section for n in rec.networks} == {SECTION_EXAMPLE_3}


def test_example_3_ethernet_side_is_routed_when_bridging_is_refused() -> None:
    rec = recommend(Situation(site="homelab", uplink="both", bridging_allowed=False, inbound=True))
    assert [(n.type, n.uplink) for n in rec.networks] == [
        ("routed", "ethernet"),
        ("routed", "wireless"),
    ]


# --- IPv6 block size ------------------------------------------------------------------


def test_single_64_cannot_be_routed_and_asks_for_a_56() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=1, vms=4, ipv6_prefix=64))
    assert shape(rec) == [("nat", "ipv4")]
    assert any("/56" in w for w in rec.warnings)


def test_single_64_on_a_routed_host_stays_ipv4_with_a_warning() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=4, vms=4, ipv6_prefix=64))
    assert shape(rec) == [("routed", "ipv4")]
    assert any("/56" in w for w in rec.warnings)


def test_a_63_is_enough_to_slice_a_64_off() -> None:
    rec = recommend(Situation(site="dedicated", public_ipv4=1, vms=4, ipv6_prefix=63))
    assert shape(rec) == [("routed", "ipv6"), ("nat", "ipv4")]
    assert any("2 /64" in r for r in rec.reasons)


@pytest.mark.parametrize("prefix", [65, 80, 112, 128])
def test_block_smaller_than_64_is_left_out_with_a_warning(prefix: int) -> None:
    rec = recommend(Situation(public_ipv4=2, vms=2, bridging_allowed=True, ipv6_prefix=prefix))
    assert shape(rec) == [("bridged", "ipv4")]
    assert any(w.startswith("/64 is the smallest") for w in rec.warnings)


def test_no_ipv6_block_means_ipv4_only() -> None:
    rec = recommend(Situation(public_ipv4=2, vms=2, bridging_allowed=True, ipv6_prefix=0))
    assert shape(rec) == [("bridged", "ipv4")]
    assert "no IPv6" in rec.reasons[0]


# --- odd inputs, explanations, alternatives --------------------------------------------


def test_zero_vms_is_treated_as_one() -> None:
    rec = recommend(Situation(public_ipv4=1, vms=0, bridging_allowed=True))
    assert shape(rec) == [("bridged", "ipv4")]
    assert any("for 1 VM:" in r for r in rec.reasons)


def test_wireless_dedicated_host_is_routed_not_bridged() -> None:
    rec = recommend(
        Situation(site="dedicated", uplink="wireless", public_ipv4=3, vms=3, bridging_allowed=True)
    )
    assert shape(rec) == [("routed", "ipv4")]


def test_alternatives_cover_every_other_type_with_its_section() -> None:
    rec = recommend(Situation(public_ipv4=1, vms=4, ipv6_prefix=56))
    assert [a.type for a in rec.alternatives] == ["bridged", "custom-routed", "custom-nat"]
    for alt in rec.alternatives:
        assert alt.section == SECTIONS[alt.type]


def test_reasons_follow_the_rule_order() -> None:
    rec = recommend(
        Situation(public_ipv4=1, vms=4, ipv6_prefix=56, inbound=True, firewall="manual")
    )
    assert len(rec.reasons) == len(RULES) - 1  # only the static-route rule adds a warning
    assert "/56" in rec.reasons[0]
    assert "1 IPv4 address" in rec.reasons[1]
    assert "MAC" in rec.reasons[2]
    assert "managed by hand" in rec.reasons[-1]


def test_to_json_shape() -> None:
    rec = recommend(Situation(public_ipv4=1, vms=4, ipv6_prefix=56))
    doc = rec.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert set(doc) == {"networks", "reasons", "alternatives", "warnings"}
    assert doc["networks"][0] == {
        "type": "routed",
        "family": "ipv6",
        "why": rec.networks[0].why,
        "section": SECTION_EXAMPLE_1,
        "uplink": "",
    }
    assert [n["type"] for n in doc["networks"]] == ["routed", "nat"]
    assert all(set(a) == {"type", "why_not", "section"} for a in doc["alternatives"])
    assert doc["reasons"] == list(rec.reasons)


# --- properties over every situation -----------------------------------------------------

situations = st.builds(
    Situation,
    site=st.sampled_from(SITES),
    uplink=st.sampled_from(UPLINKS),
    public_ipv4=st.integers(0, 300),
    vms=st.integers(0, 300),
    bridging_allowed=st.booleans(),
    ipv6_prefix=st.integers(0, 128),
    inbound=st.booleans(),
    firewall=st.sampled_from(FIREWALLS),
)


@given(situations)
def test_every_situation_gets_an_explained_answer(s: Situation) -> None:
    rec = recommend(s)
    assert rec.networks
    assert rec.reasons
    for n in rec.networks:
        assert n.why and n.section
    for a in rec.alternatives:
        assert a.why_not and a.section == SECTIONS[a.type]
    json.dumps(rec.to_json())


@given(situations)
def test_nat_never_carries_ipv6(s: Situation) -> None:
    for n in recommend(s).networks:
        if n.type in ("nat", "custom-nat"):
            assert n.family == "ipv4"


@given(situations)
def test_ipv4_is_always_served(s: Situation) -> None:
    assert any(n.family in ("ipv4", "both") for n in recommend(s).networks)


@given(situations)
def test_bridges_only_where_allowed_and_wired(s: Situation) -> None:
    types = {n.type for n in recommend(s).networks}
    if s.uplink == "wireless" or not s.bridging_allowed:
        assert "bridged" not in types


@given(situations)
def test_alternatives_and_networks_partition_the_types(s: Situation) -> None:
    rec = recommend(s)
    chosen = {n.type for n in rec.networks}
    others = [a.type for a in rec.alternatives]
    assert chosen.isdisjoint(others)
    assert len(others) == len(set(others))
    assert chosen | set(others) == set(NETWORK_TYPES)


@given(situations)
def test_ipv6_only_from_a_usable_block(s: Situation) -> None:
    rec = recommend(s)
    carries_ipv6 = any(n.family in ("ipv6", "both") for n in rec.networks)
    if not 0 < s.ipv6_prefix <= 64:
        assert not carries_ipv6
    elif s.ipv6_prefix < 64:
        assert carries_ipv6
    elif s.uplink != "wireless" and s.bridging_allowed:
        assert carries_ipv6  # a bridge shares the /64 as it is
    elif not carries_ipv6:
        assert any("/56" in w for w in rec.warnings)


@given(situations)
def test_manual_firewall_never_yields_libvirt_rules(s: Situation) -> None:
    types = {n.type for n in recommend(s).networks}
    if s.firewall == "manual":
        assert not types & {"routed", "nat"}
    else:
        assert "custom-routed" not in types


@given(situations)
def test_uplink_sides_only_on_two_uplink_hosts(s: Situation) -> None:
    for n in recommend(s).networks:
        if s.uplink != "both":
            assert n.uplink == ""


@given(situations)
def test_recommend_is_deterministic(s: Situation) -> None:
    assert recommend(s) == recommend(s)
