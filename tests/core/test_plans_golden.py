"""Golden plans for every (type x distro x NetworkManager x IPv6 mode) case and edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.golden_util import assert_golden
from support.plan_matrix import ALL_CASES, MATRIX

from virtnet_tui.core.model import Answers
from virtnet_tui.core.planning import prepare


def readable(plan_json: dict[str, Any]) -> str:
    """The plan's JSON with file contents split into lines, so golden diffs read well."""
    for stage in plan_json["stages"]:
        for step in stage["steps"]:
            for key in ("content", "xml"):
                if key in step:
                    step[key + "_lines"] = step.pop(key).split("\n")
    return json.dumps(plan_json, indent=1) + "\n"


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_plan_matches_golden(name: str) -> None:
    prepared = prepare(ALL_CASES[name])
    assert_golden(f"plans/{name}.json", readable(prepared.plan.to_json()))


def test_matrix_is_complete() -> None:
    assert len(MATRIX) == 5 * 3 * 2 * 3


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_every_step_is_numbered_once_and_files_are_absolute(name: str) -> None:
    plan = prepare(ALL_CASES[name]).plan
    numbers = [n for n, _, _ in plan.steps()]
    assert numbers == list(range(1, len(numbers) + 1))
    for path in plan.files():
        assert path.startswith("/") and ".." not in path.split("/")


def _answers(name: str) -> Answers:
    return ALL_CASES[name]


def test_firewall_stages_are_risky_and_leave_the_hosts_rules_alone() -> None:
    plan = prepare(_answers("custom-nat-debian-nonm-none")).plan
    fw = [s for s in plan.stages if s.name.startswith("Firewall")]
    assert fw and all(s.risky for s in fw)
    rules = plan.files()["/etc/virtnet-wizard/firewall/virbr10.v4"].content
    # No port opened to everyone: the session is kept by the guard, not by a rule.
    assert "--dport 22 " not in rules
    # never a built-in chain in the rules file: the host's own rules stay untouched
    assert not [
        ln for ln in rules.splitlines() if ln.startswith(("-A INPUT", "-A FORWARD", ":INPUT"))
    ]


def test_existing_interfaces_file_keeps_loopback_and_drops_eth0_static() -> None:
    plan = prepare(_answers("bridged-debian-existing-interfaces")).plan
    text = plan.files()["/etc/network/interfaces"].content
    assert "iface lo inet loopback" in text
    assert "iface eth0 inet static" not in text
    assert "iface eth0 inet manual" in text
    assert "bridge_ports eth0" in text


def test_old_dnsmasq_gets_radvd_and_bind_interfaces() -> None:
    plan = prepare(_answers("custom-routed-debian-dnsmasq260")).plan
    files = plan.files()
    assert "/etc/radvd.conf" in files
    conf = files["/var/lib/dnsmasq/virbr10/dnsmasq.conf"].content
    assert "bind-interfaces" in conf.splitlines()
    assert "bind-dynamic" not in conf.splitlines()
    plan = prepare(_answers("custom-routed-debian-dnsmasq263")).plan
    assert "/etc/radvd.conf" in plan.files()
    assert "bind-dynamic" in plan.files()["/var/lib/dnsmasq/virbr10/dnsmasq.conf"].content
    plan = prepare(_answers("custom-routed-debian-nonm-slaac")).plan
    assert "/etc/radvd.conf" not in plan.files()


def test_udev_rule_follows_the_kernel() -> None:
    old = prepare(_answers("bridged-rhel-oldkernel")).plan.files()
    new = prepare(_answers("bridged-rhel-nonm-none")).plan.files()
    assert 'KERNEL=="bridge"' in old["/etc/udev/rules.d/99-bridge.rules"].content
    assert 'KERNEL=="br_netfilter"' in new["/etc/udev/rules.d/99-bridge.rules"].content
