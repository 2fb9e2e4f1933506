"""Recipes: turn answers and host facts into the stages of a plan."""

from __future__ import annotations

from virtnet_tui.core.model import Answers
from virtnet_tui.core.plan import Plan
from virtnet_tui.core.recipes import bridged, custom, libvirt_network
from virtnet_tui.core.recipes.builder import PlanBuilder


def build_plan(answers: Answers) -> Plan:
    """The complete plan for every network in ``answers``, in the order they are listed.

    ``answers`` must already be complete (networks filled in) and valid.
    """
    b = PlanBuilder(answers)
    for spec in answers.networks:
        if spec.type == "bridged":
            bridged.build(b, spec)
        elif spec.is_libvirt:
            libvirt_network.build(b, spec)
        else:
            custom.build(b, spec)
    return b.build()
