"""The static routes the operator is asked to add: only what is routed, via the right address."""

from __future__ import annotations

import dataclasses

import pytest
from support.paths import EXAMPLES
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.planning import prepare


def _routes(name: str) -> list[str]:
    plan = prepare(ALL_CASES[name]).plan
    return [
        c for todo in plan.todos if todo.title.startswith("Static routes") for c in todo.commands
    ]


@pytest.mark.parametrize("name", ["custom-nat-debian-nonm-slaac", "nat-debian-nonm-slaac"])
def test_a_nat_network_asks_a_route_for_its_ipv6_subnet_only(name: str) -> None:
    routes = _routes(name)
    assert routes and all(r.startswith("ip -6 route add") for r in routes)


@pytest.mark.parametrize("name", ["custom-routed-debian-nonm-slaac", "routed-debian-nonm-slaac"])
def test_a_routed_network_asks_routes_for_both_families(name: str) -> None:
    routes = _routes(name)
    assert [r.split()[1] for r in routes] == ["-4", "-6"]


def test_example_3_routes_the_wireless_side_via_the_wireless_address() -> None:
    answers = load_answers(EXAMPLES / "multi-example3.toml")
    plan = prepare(answers).plan
    [todo] = [t for t in plan.todos if t.title.startswith("Static routes")]
    assert todo.commands == ("ip -4 route add 192.168.50.0/24 via 192.168.1.10",)
    assert "wlan0" in todo.detail
    # Without the wireless address the to-do names what to use, never the wired address.
    host = dataclasses.replace(answers.host, wireless_ipv4="")
    plan = prepare(dataclasses.replace(answers, host=host)).plan
    [todo] = [t for t in plan.todos if t.title.startswith("Static routes")]
    assert todo.commands == ("ip -4 route add 192.168.50.0/24 via <wlan0's address>",)
