"""Whole-answers checks of the situation's numbers."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    NAT,
    Change,
    assert_one_error,
    assert_one_warning,
    situation,
)

from virtnet_tui.core.model import Answers

# (base, change, the only field expected to be in error)
ERRORS: dict[str, tuple[Answers, Change, str]] = {
    "public_ipv4 negative": (NAT, situation(public_ipv4=-1), "situation.public_ipv4"),
    "public_ipv4 huge": (NAT, situation(public_ipv4=1025), "situation.public_ipv4"),
    "vms zero": (NAT, situation(vms=0), "situation.vms"),
    "vms huge": (NAT, situation(vms=4097), "situation.vms"),
    "ipv6_prefix negative": (NAT, situation(ipv6_prefix=-1), "situation.ipv6_prefix"),
    "ipv6_prefix 129": (NAT, situation(ipv6_prefix=129), "situation.ipv6_prefix"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), ERRORS.values(), ids=ERRORS.keys())
def test_one_bad_value_gives_one_error_naming_its_field(
    base: Answers, change: Change, field: str
) -> None:
    assert_one_error(change(base), field)


WARNINGS: dict[str, tuple[Answers, Change, str]] = {
    "ipv6 block smaller than /64": (NAT, situation(ipv6_prefix=80), "situation.ipv6_prefix"),
}  # fmt: skip


@pytest.mark.parametrize(("base", "change", "field"), WARNINGS.values(), ids=WARNINGS.keys())
def test_doubtful_value_gives_one_warning(base: Answers, change: Change, field: str) -> None:
    assert_one_warning(change(base), field)
