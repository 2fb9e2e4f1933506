"""Plain-text reports of a recommendation and a plan, for the terminal without the TUI."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from virtnet_tui.core.plan import FileStep, LibvirtStep

if TYPE_CHECKING:
    from virtnet_tui.core.advisor import Recommendation
    from virtnet_tui.core.model import Answers
    from virtnet_tui.core.planning import Prepared


def _wrap(text: str, indent: str) -> str:
    # Continuation lines line up under the text, not under the bullet.
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=" " * len(indent))


def _fact_value(answers: Answers, key: str) -> object:
    value = getattr(answers.host, key)
    return list(value) if isinstance(value, tuple) else value


def host_facts_json(answers: Answers) -> dict[str, object]:
    """The host facts a plan was made with, split by where each came from."""
    return {
        "given": {key: _fact_value(answers, key) for key in answers.host_given},
        "probed": {key: _fact_value(answers, key) for key in answers.host_probed},
        "problems": list(answers.probe_problems),
    }


def host_facts_text(answers: Answers) -> str:
    """The facts the probe supplied, for the operator to check before anything is applied."""
    if not answers.host_probed:
        return ""
    out = ["Found on the host (set them under [host] in the answers file to override):"]
    for key in answers.host_probed:
        value = _fact_value(answers, key)
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        if isinstance(shown, bool):
            shown = "yes" if shown else "no"
        out.append(_wrap(f"{key} = {shown if shown != '' else '(none)'}", "  "))
    out += [_wrap(f"could not tell: {problem}", "  ! ") for problem in answers.probe_problems]
    return "\n".join(out) + "\n\n"


def recommendation_text(rec: Recommendation, warnings: tuple[str, ...]) -> str:
    out = ["Recommended networks:"]
    for n, choice in enumerate(rec.networks, start=1):
        out.append(f"  {n}. {choice.type} ({choice.family}) -- handbook: {choice.section}")
        out.append(_wrap(choice.why, "       "))
    out.append("Why:")
    out += [_wrap(r, "  - ") for r in rec.reasons]
    if rec.alternatives:
        out.append("Not chosen:")
        for alt in rec.alternatives:
            out.append(_wrap(f"{alt.type}: {alt.why_not}", "  - "))
    for w in (*rec.warnings, *warnings):
        out.append(_wrap(w, "  ! "))
    return "\n".join(out) + "\n"


def plan_text(prepared: Prepared) -> str:
    plan = prepared.plan
    out = [f"Plan: {len(plan.stages)} stages, {sum(1 for _ in plan.steps())} steps."]
    for w in prepared.warnings:
        out.append(_wrap(w, "  ! "))
    number = 0
    for index, stage in enumerate(plan.stages, start=1):
        mark = "  [RISKY: guarded by a timed confirmation]" if stage.risky else ""
        if stage.nm_checkpoint:
            mark = "  [RISKY: guarded by a timed confirmation and a NetworkManager checkpoint]"
        out.append("")
        out.append(f"Stage {index}: {stage.name}{mark}")
        for step in stage.steps:
            number += 1
            out.append(f"  {number:3d}. {step.describe()}")
            if isinstance(step, FileStep):
                out.append(f"       {step.path} ({step.mode_text()}):")
                out += [f"       | {line}" for line in step.content.splitlines()]
            elif isinstance(step, LibvirtStep) and step.xml:
                out += [f"       | {line}" for line in step.xml.splitlines()]
        for check in stage.checks:
            out.append(f"       check: {check.describe()}")
        out.append(f"       -- checkpoint {index}")
    if plan.todos:
        out.append("")
        out.append("To do elsewhere:")
        for todo in plan.todos:
            out.append(_wrap(f"{todo.title}: {todo.detail}", "  - "))
            out += [f"      {c}" for c in todo.commands]
    if plan.notes:
        out.append("")
        out.append("Connecting VMs:")
        for note in plan.notes:
            out += [f"  {line}" for line in note.splitlines()]
    return "\n".join(out) + "\n"
