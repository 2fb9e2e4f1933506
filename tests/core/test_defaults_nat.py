"""Defaults that follow the guide: libvirt's own "default" NAT network, and forwards to add."""

from __future__ import annotations

import dataclasses

from virtnet_tui.core.model import Answers, HostFacts, Situation
from virtnet_tui.core.planning import prepare

# A home lab whose VMs only connect out: the guide's answer is a NAT network.
OUTBOUND = Answers(
    situation=Situation(site="homelab", uplink="ethernet", inbound=False),
    host=HostFacts(
        distro="debian", ipv4="192.168.0.10/24", gateway4="192.168.0.1", mac="0c:c4:7a:00:00:01"
    ),
)


def test_a_host_without_libvirts_default_network_gets_exactly_that_one() -> None:
    [spec] = prepare(OUTBOUND).answers.networks
    assert (spec.type, spec.name, spec.bridge) == ("nat", "default", "virbr0")
    assert spec.ipv4 == "192.168.122.1/24"
    assert spec.dhcp4 == ("192.168.122.2", "192.168.122.254")


def test_where_the_default_network_or_its_subnet_is_taken_another_is_chosen() -> None:
    for host in (
        dataclasses.replace(OUTBOUND.host, used_networks=("default",), used_bridges=("virbr0",)),
        dataclasses.replace(OUTBOUND.host, used_subnets=("192.168.122.0/24",)),
    ):
        [spec] = prepare(dataclasses.replace(OUTBOUND, host=host)).answers.networks
        assert spec.name != "default" and spec.bridge != "virbr0"
        assert spec.ipv4 != "192.168.122.1/24"


def test_a_custom_nat_network_for_inbound_services_without_forwards_says_how_to_add_one() -> None:
    answers = dataclasses.replace(
        OUTBOUND,
        situation=Situation(
            site="dedicated", inbound=True, firewall="manual", public_ipv4=1, vms=3
        ),
        host=dataclasses.replace(OUTBOUND.host, ipv4="203.0.113.10/24", gateway4="203.0.113.1"),
    )
    prepared = prepare(answers)
    [spec] = prepared.answers.networks
    assert spec.type == "custom-nat" and not spec.forwards
    [todo] = [t for t in prepared.plan.todos if t.title.startswith("Port forwards")]
    assert todo.commands[0].startswith(f"virtnet-wizard forward add --network {spec.name} ")
    # With a forward in place, or for VMs that only go out, there is nothing to add.
    outbound = dataclasses.replace(
        answers, situation=dataclasses.replace(answers.situation, inbound=False)
    )
    assert not [t for t in prepare(outbound).plan.todos if t.title.startswith("Port forwards")]
