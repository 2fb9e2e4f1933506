"""Docker present: every backend's plan lets the bridge through DOCKER-USER, undone on rollback."""

from __future__ import annotations

import pytest
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.plan import CommandStep
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.recipes.docker import docker_why


@pytest.mark.parametrize(
    ("name", "bridge"),
    [
        ("custom-nat-debian-nftables-docker", "virbr10"),
        ("custom-routed-debian-docker", "virbr10"),
        ("nat-debian-docker", "virbr1"),
    ],
)
def test_docker_user_accepts_the_bridge_with_an_undo(name: str, bridge: str) -> None:
    prepared = prepare(ALL_CASES[name])
    steps = [s for _, _, s in prepared.plan.steps() if isinstance(s, CommandStep)]
    inserts = [s for s in steps if s.argv[:5] == ("iptables", "-w", "-I", "DOCKER-USER", "1")]
    assert [s.argv[5:] for s in inserts] == [
        ("-o", bridge, "-j", "ACCEPT"),
        ("-i", bridge, "-j", "ACCEPT"),
    ]
    for step in inserts:
        assert step.undo == (("iptables", "-w", "-D", "DOCKER-USER", *step.argv[5:]),)
    assert docker_why(bridge) in prepared.warnings or docker_why(bridge) in prepared.plan.warnings


def test_no_docker_no_docker_user_rules() -> None:
    plan = prepare(ALL_CASES["custom-nat-debian-nftables"]).plan
    assert not any("DOCKER-USER" in s.describe() for _, _, s in plan.steps())
