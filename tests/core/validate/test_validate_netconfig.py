"""The host's network stack: bridging needs a clear owner, bridges a stack the wizard writes."""

from __future__ import annotations

from dataclasses import replace

from support.validate_cases import BRIDGED, NAT, assert_one_error, error_fields, host, net

from virtnet_tui.core.answers import parse_answers
from virtnet_tui.core.model import Answers, HostFacts
from virtnet_tui.core.netconfig import stack
from virtnet_tui.core.validate.answers import check_answers
from virtnet_tui.probe.answers import merge_facts

MIXED = "several stacks configure eth0: ifupdown (...); netplan (/etc/netplan/50-cloud-init.yaml)"


def test_bridging_is_refused_while_the_uplinks_owner_is_unclear() -> None:
    answers = host(netconfig="", netconfig_problem=MIXED)(BRIDGED)
    assert_one_error(answers, "host.netconfig")
    (error,) = check_answers(answers).errors
    assert "several stacks configure eth0" in error.reason


def test_other_types_proceed_while_the_owner_is_unclear() -> None:
    assert error_fields(host(netconfig="", netconfig_problem=MIXED)(NAT)) == []
    libvirt_nat = net(type="nat", forwards=())(host(netconfig="", netconfig_problem=MIXED)(NAT))
    assert error_fields(libvirt_nat) == []


def test_networkmanagers_own_profiles_take_bridged_and_custom_bridges() -> None:
    assert error_fields(host(netconfig="networkmanager")(BRIDGED)) == []
    assert error_fields(host(netconfig="networkmanager")(NAT)) == []


def test_ifcfg_is_refused_where_networkmanager_no_longer_reads_it() -> None:
    for distro, version in (("rhel", "10.0"), ("fedora", "41"), ("fedora", "42")):
        gone = host(netconfig="ifcfg", distro=distro, distro_version=version)
        assert_one_error(gone(BRIDGED), "host.netconfig")
        assert_one_error(gone(NAT), "network[0].type")
        (error,) = check_answers(gone(NAT)).errors
        assert "no longer reads ifcfg" in error.reason and "'networkmanager'" in error.reason
    for distro, version in (("rhel", "9.4"), ("rhel", "8"), ("fedora", "40")):
        read = host(netconfig="ifcfg", distro=distro, distro_version=version)
        assert error_fields(read(BRIDGED)) == [], (distro, version)


def test_libvirts_own_networks_need_no_host_stack() -> None:
    assert error_fields(net(type="nat", forwards=())(host(netconfig="networkmanager")(NAT))) == []


def test_netplan_and_networkd_hosts_bridge() -> None:
    for kind in ("netplan", "networkd", "ifupdown", "ifcfg"):
        assert error_fields(host(netconfig=kind)(BRIDGED)) == [], kind


def test_the_stack_defaults_to_the_distros_habit() -> None:
    assert stack(HostFacts(distro="debian")) == "ifupdown"
    assert stack(HostFacts(distro="ubuntu")) == "netplan"
    assert stack(HostFacts(distro="rhel")) == "ifcfg"
    assert stack(HostFacts(distro="fedora", network_manager=True)) == "ifcfg"
    assert stack(HostFacts(distro="ubuntu", netconfig="networkd")) == "networkd"
    # Where NetworkManager no longer reads ifcfg files, its keyfiles are the habit.
    assert stack(HostFacts(distro="rhel", distro_version="9.4")) == "ifcfg"
    assert stack(HostFacts(distro="rhel", distro_version="10.0")) == "networkmanager"
    assert stack(HostFacts(distro="fedora", distro_version="41")) == "networkmanager"
    assert stack(HostFacts(distro="fedora", distro_version="40")) == "ifcfg"


def test_a_given_netconfig_overrides_what_the_probe_found_unclear() -> None:
    answers = parse_answers(
        '[situation]\nsite = "dedicated"\nuplink = "ethernet"\n[host]\nnetconfig = "netplan"\n'
    )
    probed = HostFacts(netconfig="", netconfig_problem=MIXED)
    merged = merge_facts(probed, answers)
    assert merged.host.netconfig == "netplan" and merged.host.netconfig_problem == ""
    assert "netconfig" not in merged.host_probed
    # Left out, the key is probed, with the probe's reason.
    bare: Answers = replace(answers, host=HostFacts(), host_given=())
    assert merge_facts(probed, bare).host.netconfig_problem == MIXED
    assert "netconfig" in merge_facts(probed, bare).host_probed
