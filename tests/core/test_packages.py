"""Packages: a fresh host gets what its networks run installed first; an equipped one nothing."""

from __future__ import annotations

import dataclasses

import pytest
from support.plan_matrix import ALL_CASES, case

from virtnet_tui.core.model import Answers
from virtnet_tui.core.plan import CommandStep, Plan
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.recipes.packages import NEEDS


def _plan(answers: Answers, installed: tuple[str, ...] = ()) -> Plan:
    return prepare(
        dataclasses.replace(answers, host=dataclasses.replace(answers.host, installed=installed))
    ).plan


def _install_argvs(plan: Plan) -> list[tuple[str, ...]]:
    first = plan.stages[0]
    assert first.name == "Install packages"
    return [s.argv for s in first.steps if isinstance(s, CommandStep)]


UPDATE = ("apt-get", "update")
APT = ("apt-get", "install", "-y", "--no-install-recommends")


@pytest.mark.parametrize(
    ("kind", "distro", "argvs"),
    [
        ("nat", "debian", [UPDATE, (*APT, "libvirt-daemon-system", "libvirt-clients")]),
        ("routed", "fedora", [("dnf", "install", "-y", "libvirt")]),
        ("custom-nat", "debian", [UPDATE, (*APT, "dnsmasq-base", "iptables")]),
        ("custom-routed", "rhel", [("yum", "install", "-y", "dnsmasq", "iptables")]),
        ("bridged", "debian", [UPDATE, (*APT, "bridge-utils")]),
    ],
)
def test_a_fresh_host_installs_what_the_network_runs_first(
    kind: str, distro: str, argvs: list[tuple[str, ...]]
) -> None:
    plan = _plan(case(kind, distro, False, "none"))  # type: ignore[arg-type]
    assert _install_argvs(plan) == argvs
    # Installing comes before anything that needs the packages, and says it stays.
    assert "a rollback leaves them installed" in plan.stages[0].steps[-1].describe()
    assert all(s.name != "Install packages" for s in plan.stages[1:])


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_an_equipped_host_installs_nothing(name: str) -> None:
    plan = _plan(ALL_CASES[name], installed=NEEDS)
    assert all(s.name != "Install packages" for s in plan.stages)
    argvs = [s.argv for _, _, s in plan.steps() if isinstance(s, CommandStep)]
    assert not [a for a in argvs if a[0] in ("apt-get", "yum", "dnf")]


def test_bridging_on_rhel_needs_no_bridge_utils() -> None:
    plan = _plan(case("bridged", "rhel", False, "none"))
    assert all(s.name != "Install packages" for s in plan.stages)


def test_two_networks_share_one_install_stage() -> None:
    nat = case("custom-nat", "debian", False, "none")
    routed = case("routed", "debian", False, "none")
    second = dataclasses.replace(
        routed.networks[0],
        dhcp_hosts=(),
        name="mynetwork2",
        bridge="virbr20",
        ipv4="10.20.0.1/24",
        dhcp4=("10.20.0.2", "10.20.0.254"),
    )
    plan = _plan(dataclasses.replace(nat, networks=(*nat.networks, second)))
    [install] = [s for s in plan.stages if s.name == "Install packages"]
    last = install.steps[-1]
    assert isinstance(last, CommandStep)
    packages = last.argv[4:]
    assert packages == ("libvirt-daemon-system", "libvirt-clients", "dnsmasq-base", "iptables")


def test_radvd_is_installed_and_started_at_boot_where_dnsmasq_is_too_old() -> None:
    plan = _plan(ALL_CASES["custom-routed-debian-dnsmasq260"], installed=("dnsmasq", "iptables"))
    assert _install_argvs(plan)[-1][-1] == "radvd"
    enable = [
        s for _, _, s in plan.steps()
        if isinstance(s, CommandStep) and s.argv == ("systemctl", "enable", "radvd.service")
    ]  # fmt: skip
    assert len(enable) == 1 and enable[0].undo == (("systemctl", "disable", "radvd.service"),)
