"""From answers to a checked plan: the one path that the CLI, the TUI and the tests share."""

from __future__ import annotations

from dataclasses import dataclass

from virtnet_tui.core.advisor import Recommendation, recommend
from virtnet_tui.core.defaults import complete
from virtnet_tui.core.errors import FieldWarning
from virtnet_tui.core.model import Answers
from virtnet_tui.core.plan import Plan
from virtnet_tui.core.recipes import build_plan
from virtnet_tui.core.validate.answers import require_valid


@dataclass(frozen=True)
class Prepared:
    """Everything the preview shows: the recommendation, the completed answers and the plan."""

    recommendation: Recommendation
    answers: Answers
    """The answers with every network spelled out (the operator's or the recommended ones)."""
    plan: Plan
    warnings: tuple[str, ...]


def prepare(answers: Answers) -> Prepared:
    """Validate ``answers``, fill in the networks and build the plan.

    Raises:
        AnswersError: a field is invalid; nothing has been planned.
    """
    require_valid(answers)
    recommendation = recommend(answers.situation)
    completed = complete(answers, recommendation)
    field_warnings: tuple[FieldWarning, ...] = require_valid(completed)
    plan = build_plan(completed)
    warnings = [str(w) for w in field_warnings]
    for text in (*recommendation.warnings, *plan.warnings):
        if text not in warnings:
            warnings.append(text)
    return Prepared(recommendation, completed, plan, tuple(warnings))
