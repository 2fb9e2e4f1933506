"""The probe picks the host's firewall backend and tells which one libvirt writes rules with."""

from __future__ import annotations

from pathlib import Path

import pytest

from virtnet_tui.core.answers import parse_answers
from virtnet_tui.core.recipes.libvirt_network import leftovers_warning
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.probe.firewall_backend import (
    choose_firewall_backend,
    libvirt_firewall_backend,
)
from virtnet_tui.probe.model import Firewalls
from virtnet_tui.probe.run import probe


@pytest.mark.parametrize(
    ("firewalls", "iptables", "enabled", "expected"),
    [
        (Firewalls(), True, False, "iptables"),
        (Firewalls(nftables_installed=True), True, False, "iptables"),
        (Firewalls(nftables_installed=True), False, False, "nftables"),
        (Firewalls(nftables_installed=True), True, True, "nftables"),
        (Firewalls(nftables_installed=False), False, True, "iptables"),
        (Firewalls(firewalld_running=True, nftables_installed=True), True, True, "firewalld"),
        (Firewalls(firewalld_installed=True), True, False, "iptables"),
    ],
)
def test_the_backend_follows_what_the_host_runs(
    firewalls: Firewalls, iptables: bool, enabled: bool, expected: str
) -> None:
    assert choose_firewall_backend(firewalls, iptables, enabled) == expected


@pytest.mark.parametrize(
    ("conf", "version", "nft", "expected"),
    [
        (None, "9.0.0", True, "iptables"),
        (None, "10.4.0", True, "nftables"),
        (None, "10.4.0", False, "iptables"),
        (None, "", True, "iptables"),
        ('#firewall_backend = "nftables"\n', "10.3.0", True, "iptables"),
        ('firewall_backend = "iptables"\n', "11.0.0", True, "iptables"),
        ('# comment\n  firewall_backend = "nftables"\n', "10.6.0", False, "nftables"),
        ('firewall_backend = "bogus"\n', "10.6.0", True, "nftables"),
    ],
)
def test_libvirt_backend_from_network_conf_then_version(
    conf: str | None, version: str, nft: bool, expected: str
) -> None:
    assert libvirt_firewall_backend(conf, version, nft) == expected


def _drop(root: Path, program: str) -> None:
    (root / "usr/sbin" / program).unlink()


def test_probe_of_an_nftables_only_host(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    assert probe(SandboxHost(tmp_path)).facts.firewall_backend == "iptables"
    _drop(tmp_path, "iptables-restore")
    facts = probe(SandboxHost(tmp_path)).facts
    assert facts.firewall_backend == "nftables"


def test_probe_sees_nftables_service_enabled_and_libvirts_setting(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    wants = tmp_path / "etc/systemd/system/sysinit.target.wants"
    wants.mkdir(parents=True)
    (wants / "nftables.service").write_text("")
    (tmp_path / "etc/libvirt").mkdir(parents=True, exist_ok=True)
    (tmp_path / "etc/libvirt/network.conf").write_text('firewall_backend = "nftables"\n')
    facts = probe(SandboxHost(tmp_path)).facts
    assert (facts.firewall_backend, facts.libvirt_firewall_backend) == ("nftables", "nftables")


def test_the_answers_file_sets_and_checks_the_backend() -> None:
    text = '[situation]\nsite = "dedicated"\nuplink = "ethernet"\n[host]\n'
    answers = parse_answers(text + 'firewall_backend = "nftables"\n')
    assert answers.host.firewall_backend == "nftables"
    assert "firewall_backend" in answers.host_given
    with pytest.raises(Exception, match="firewall_backend"):
        parse_answers(text + 'firewall_backend = "pf"\n')


def test_libvirt_warnings_name_the_tables_of_its_backend() -> None:
    assert "LIBVIRT_FWX" in leftovers_warning("iptables")
    nft = leftovers_warning("nftables")
    assert "libvirt_network" in nft and "LIBVIRT_" not in nft


def test_a_libvirt_nat_plan_warns_about_the_tables_libvirt_writes() -> None:
    from virtnet_tui.core.planning import prepare

    text = (
        '[situation]\nsite = "dedicated"\nuplink = "ethernet"\n'
        '[host]\nipv4 = "203.0.113.10/24"\ngateway4 = "203.0.113.1"\n'
        'libvirt_firewall_backend = "nftables"\n'
        '[[network]]\ntype = "nat"\nname = "net1"\nipv4 = "192.168.100.1/24"\n'
    )
    warnings = " ".join(prepare(parse_answers(text)).warnings)
    assert "nftables rules (table libvirt_network) for net1" in warnings
    assert "iptables rules for net1" not in warnings


def test_plan_json_lists_the_probed_backends(tmp_path: Path) -> None:
    from virtnet_tui.core.textreport import host_facts_json
    from virtnet_tui.probe.answers import merge_facts

    seed_demo_host(tmp_path)
    _drop(tmp_path, "iptables-restore")
    answers = parse_answers('[situation]\nsite = "dedicated"\nuplink = "ethernet"\n')
    probed = host_facts_json(merge_facts(probe(SandboxHost(tmp_path)).facts, answers))["probed"]
    assert isinstance(probed, dict)
    assert probed["firewall_backend"] == "nftables"
    assert probed["libvirt_firewall_backend"] == "iptables"
