"""The screens' words for the core's field paths and options (issue 15): wizard/labels.py."""

from __future__ import annotations

import re

import pytest
from support.validate_cases import NAT, Change, both, host, lease, net, second_network, situation

from virtnet_tui.core.errors import AnswersError, FieldError
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.core.validate.answers import check_answers
from virtnet_tui.wizard.labels import error_lines, field_label, screen_words, subfield_label

#: What the TUI user must never read: a path in the answers file, its table, an option.
INTERNAL = re.compile(r"network\[|\bhost\.|\bsituation\.|\[\[|(?<![\w-])--[a-z]")


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("network[1].ipv4", "IPv4 subnet of network 2"),
        ("network[0].dhcp4", "DHCPv4 range of network 1"),
        ("network[0].name", "libvirt network name of network 1"),
        ("network[2]", "network 3"),
        ("network[0].dhcp_host[1].mac", "MAC of lease 2 of network 1"),
        ("network[0].forward[0].to_port", "VM port of forward 1 of network 1"),
        ("situation.vms", "VMs that need an address of their own"),
        ("host.gateway4", "IPv4 gateway"),
        ("host.used_subnets[0]", "The subnets already in use on the host"),
        ("host.netconfig", "The host's network stack (what configures the uplink)"),
    ],
)
def test_a_path_reads_as_the_screen_labels_its_field(path: str, label: str) -> None:
    assert field_label(path) == label


def test_a_question_is_worded_for_the_site() -> None:
    assert "provider" in field_label("situation.bridging_allowed", "dedicated")
    assert "your LAN" in field_label("situation.bridging_allowed", "homelab")


def test_a_path_the_screens_do_not_know_is_left_as_it_is() -> None:
    assert field_label("network[0].nonsense") == "network[0].nonsense"
    assert screen_words("the host my.host.name is down") == "the host my.host.name is down"


def test_a_row_field_is_named_alone_under_its_row() -> None:
    assert subfield_label("network[0].dhcp_host[1].mac") == "MAC"
    assert subfield_label("network[0].forward[0].ports") == "ports"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("is also used by network[0]", "is also used by network 1"),
        ("overlaps 10.0.0.0/24 of network[0].ipv4", "overlaps 10.0.0.0/24 of the IPv4 subnet"),
        (
            "a DUID lease needs network[0].ipv6_mode = 'dhcpv6'",
            "needs the IPv6 address assignment of network 1 set to 'dhcpv6'",
        ),
        ("(host.ipv4)", "(“Uplink IPv4 address”)"),
        ("already in use on the host (host.used_subnets)", "on the host (found by the probe)"),
        ("(for example 203.0.113.88/29); set it in [[network]]", "; type it in here"),
        ("give --mac (an IPv4 lease) or --id (a DUID)", "give MAC (an IPv4 lease) or DUID"),
    ],
)
def test_a_reason_is_put_in_the_screens_words(text: str, words: str) -> None:
    assert words in screen_words(text)


#: Answers the core finds fault with, one for each kind of internal name its reasons use.
BROKEN: list[Change] = [
    second_network(name="virbr10", bridge="virbr10"),  # "is also used by network[0]"
    second_network(ipv4="192.168.100.1/24"),  # "overlaps ... of network[0].ipv4"
    lease(DhcpHost(ip="2001:db8:aa::50", id="00:01:00:01:2c:5a:1f:3e:52:54:00:aa:bb:01")),
    lease(DhcpHost(ip="192.168.100.50", mac="52:54:00:aa:bb:01"), dhcp4=None),
    host(gateway4="10.9.9.9"),  # "(host.ipv4)"
    host(used_subnets=("192.168.100.0/24",)),  # "(host.used_subnets)"
    both(situation(firewall="manual"), net(type="nat")),  # "situation.firewall is 'manual'"
    net(type="routed", uplink="wlan9"),  # "must be host.uplink_interface or ..."
]


@pytest.mark.parametrize("change", BROKEN)
def test_no_finding_shows_an_internal_name(change: Change) -> None:
    findings = check_answers(change(NAT))
    notes = [*findings.errors, *findings.warnings]
    assert any(INTERNAL.search(note.reason) for note in notes), "the case lost its point"
    for note in notes:
        line = f"{field_label(note.field)}: {screen_words(note.reason)}"
        assert not INTERNAL.search(line), line


def test_a_refusal_names_the_forms_field() -> None:
    refusal = AnswersError(
        [
            FieldError("--mac", None, "give --mac (an IPv4 lease) or --id (a DUID), not both"),
            FieldError("--to", "10.0.0.5", "is outside nat1's subnet 192.168.100.0/24"),
        ]
    )
    lines = error_lines(refusal.errors, options={"--mac": "MAC", "--id": "DUID"})
    assert lines == [
        "MAC: give MAC (an IPv4 lease) or DUID (a DUID), not both",
        "To IP: is outside nat1's subnet 192.168.100.0/24",
    ]
