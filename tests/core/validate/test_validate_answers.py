"""The whole-answers check: clean answers pass, every error is reported in order, and the API."""

from __future__ import annotations

import pytest
from support.validate_cases import (
    BRIDGED,
    NAT,
    ROUTED,
    both,
    error_fields,
    host,
    net,
    situation,
)

from virtnet_tui.core.errors import AnswersError
from virtnet_tui.core.model import Answers
from virtnet_tui.core.validate.answers import check_answers, require_valid


@pytest.mark.parametrize("answers", [NAT, ROUTED, BRIDGED], ids=["nat", "routed", "bridged"])
def test_base_answers_are_clean(answers: Answers) -> None:
    assert check_answers(answers).errors == ()
    assert check_answers(answers).warnings == ()


def test_routed_libvirt_type_is_clean_too() -> None:
    assert error_fields(net(type="routed", name="mynetwork1", bridge="virbr1")(ROUTED)) == []


def test_many_errors_are_all_reported() -> None:
    answers = both(situation(vms=0), host(ssh_port=0), net(name="a b", bridge="x/y"))(NAT)
    assert error_fields(answers) == [
        "situation.vms",
        "host.ssh_port",
        "network[0].name",
        "network[0].bridge",
    ]


def test_message_names_field_value_and_reason() -> None:
    answers = net(dhcp4=("192.168.100.2", "10.0.0.1"))(NAT)
    (error,) = check_answers(answers).errors
    assert str(error) == (
        "network[0].dhcp4 = ['192.168.100.2', '10.0.0.1']: "
        "end 10.0.0.1 is outside the subnet 192.168.100.0/24"
    )


def test_require_valid_raises_with_every_error() -> None:
    with pytest.raises(AnswersError) as caught:
        require_valid(both(situation(vms=0), host(ssh_port=0))(NAT))
    assert [e.field for e in caught.value.errors] == ["situation.vms", "host.ssh_port"]


def test_require_valid_returns_warnings() -> None:
    warnings = require_valid(situation(ipv6_prefix=80)(NAT))
    assert [w.field for w in warnings] == ["situation.ipv6_prefix"]
