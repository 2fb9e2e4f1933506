"""Checks that the answers make sense together, naming each field, value and reason."""

from __future__ import annotations

from virtnet_tui.core.errors import AnswersError, FieldWarning
from virtnet_tui.core.model import Answers
from virtnet_tui.core.validate.default_network import check_default_network
from virtnet_tui.core.validate.findings import Findings, Report
from virtnet_tui.core.validate.forwards import check_forwards
from virtnet_tui.core.validate.host import check_host
from virtnet_tui.core.validate.leases import check_leases
from virtnet_tui.core.validate.networks import check_network
from virtnet_tui.core.validate.overlaps import check_overlaps, check_unique
from virtnet_tui.core.validate.situation import check_situation

__all__ = ["Findings", "check_answers", "require_valid"]


def check_answers(answers: Answers) -> Findings:
    """Every error and warning about ``answers``; pure, never raises for bad values."""
    # The order of the subjects is the order of the findings the operator reads.
    report = Report()
    check_situation(report, answers.situation)
    uplink = check_host(report, answers.host)
    subnets = []
    for index, spec in enumerate(answers.networks):
        own = check_network(report, index, spec, answers)
        check_leases(report, index, spec, own)
        subnets.append(own)
    check_forwards(report, answers, subnets, uplink)
    check_unique(report, answers.networks)
    check_overlaps(report, answers, subnets, uplink)
    check_default_network(report, answers)
    return report.findings()


def require_valid(answers: Answers) -> tuple[FieldWarning, ...]:
    """The warnings about ``answers``.

    Raises:
        AnswersError: listing every error, when there is at least one.
    """
    findings = check_answers(answers)
    if findings.errors:
        raise AnswersError(findings.errors)
    return findings.warnings
