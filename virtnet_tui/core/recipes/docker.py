"""Docker's FORWARD policy DROP: rules in DOCKER-USER that let the wizard's bridges forward.

Docker sets the iptables FORWARD policy to DROP and keeps one chain, DOCKER-USER, for the
administrator's rules, which FORWARD consults before Docker's own. Without an accept there,
what a VM sends through the host is dropped whenever no other iptables rule accepts it: on
an nftables or firewalld host (their accepts do not count in iptables' tables) and for
libvirt's nftables backend. The rules match the bridge only; the network's own rules
(chains, table or zone) still decide what crosses it.
"""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Argv, CommandStep, FileStep, Stage, Step
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.common import daemon_reload, systemctl
from virtnet_tui.core.render.systemd import render_docker_user_unit, unit_path

DOCKER_USER = "DOCKER-USER"


def docker_user_argvs(bridge: str, *, insert: bool) -> list[Argv]:
    """Insert (at the top) or delete the two accepts of ``bridge`` in DOCKER-USER."""
    where = ("-I", DOCKER_USER, "1") if insert else ("-D", DOCKER_USER)
    return [
        ("iptables", "-w", *where, direction, bridge, "-j", "ACCEPT") for direction in ("-o", "-i")
    ]


def docker_unit_name(bridge: str) -> str:
    return f"virtnet-wizard-docker-user-{bridge}.service"


def docker_why(bridge: str) -> str:
    """What the preview says about the DOCKER-USER rules."""
    return (
        f"Docker runs on this host: it sets the iptables FORWARD policy to DROP, which drops "
        f"the VMs' traffic on {bridge} unless an iptables rule accepts it. The plan adds two "
        f"rules to DOCKER-USER (Docker's chain for your own rules, consulted first): accept "
        f"what enters or leaves {bridge}; the network's own rules still decide what crosses "
        "it. Rollback deletes them."
    )


def docker_steps(b: PlanBuilder, spec: NetworkSpec) -> list[Step]:
    """The DOCKER-USER accepts of ``spec``'s bridge, and the unit that adds them at boot."""
    br = spec.bridge
    steps: list[Step] = [
        CommandStep(ins, undo=(rm,), description=f"let {br}'s traffic pass Docker's FORWARD DROP")
        for ins, rm in zip(
            docker_user_argvs(br, insert=True), docker_user_argvs(br, insert=False), strict=True
        )
    ]
    if b.facts.systemd:
        unit = docker_unit_name(br)
        steps += [
            FileStep(
                unit_path(unit),
                render_docker_user_unit(
                    br, docker_user_argvs(br, insert=True), docker_user_argvs(br, insert=False)
                ),
                description=f"add the DOCKER-USER rules of {br} whenever Docker starts",
            ),
            daemon_reload(),
            CommandStep(
                systemctl("enable", unit),
                undo=(systemctl("disable", unit),),
                description="start it with Docker",
            ),
        ]
    b.warn(docker_why(br))
    return steps


def docker_stage(b: PlanBuilder, spec: NetworkSpec) -> None:
    """A stage of its own, for libvirt's networks, whose rules libvirt writes."""
    b.add(
        Stage(
            name=f"Let {spec.bridge} forward past Docker",
            steps=tuple(docker_steps(b, spec)),
            network=spec.name,
        )
    )
