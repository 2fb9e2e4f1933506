"""Absurd answers files are refused by a named limit before they cost time or memory."""

from __future__ import annotations

import pytest

from virtnet_tui.core.answers import MAX_ENTRIES, MAX_NETWORKS, parse_answers
from virtnet_tui.core.errors import AnswersError

HEAD = '[situation]\nsite = "homelab"\nuplink = "ethernet"\n'
NETWORK = '[[network]]\ntype = "nat"\nname = "n{i}"\n'


def refusal(text: str) -> str:
    with pytest.raises(AnswersError) as caught:
        parse_answers(text)
    return str(caught.value)


def test_too_many_networks_are_refused_by_the_limit() -> None:
    text = HEAD + "".join(NETWORK.format(i=i) for i in range(MAX_NETWORKS + 1))
    assert f"at most {MAX_NETWORKS} are allowed" in refusal(text)


def test_too_many_dhcp_hosts_are_refused_by_the_limit() -> None:
    limit = MAX_ENTRIES["dhcp_host"]
    hosts = "".join(
        f'[[network.dhcp_host]]\nip = "10.0.{i // 250}.{i % 250 + 2}"\n' for i in range(limit + 1)
    )
    message = refusal(HEAD + NETWORK.format(i=0) + hosts)
    assert "network[0].dhcp_host" in message
    assert f"at most {limit} are allowed" in message


def test_too_many_forwards_and_ports_are_refused_by_the_limit() -> None:
    forwards = MAX_ENTRIES["forward"]
    text = HEAD + NETWORK.format(i=0)
    text += '[[network.forward]]\nproto = "tcp"\nports = [22]\nto = "10.0.0.2"\n' * (forwards + 1)
    assert f"at most {forwards} are allowed" in refusal(text)
    ports = MAX_ENTRIES["ports"]
    listed = ", ".join(str(1000 + i) for i in range(ports + 1))
    text = HEAD + NETWORK.format(i=0)
    text += f'[[network.forward]]\nproto = "tcp"\nports = [{listed}]\nto = "10.0.0.2"\n'
    message = refusal(text)
    assert "network[0].forward[0].ports" in message
    assert f"at most {ports} are allowed" in message


def test_deep_nesting_is_refused_without_a_recursion_error() -> None:
    assert "levels deep" in refusal(HEAD + "x = " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert "levels deep" in refusal(HEAD + "x = " + "[" * 50 + "]" * 50 + "\n")


def test_limits_leave_a_real_file_alone() -> None:
    text = HEAD + NETWORK.format(i=0)
    text += '[[network.forward]]\nproto = "tcp"\nports = [22, 80]\nto = "10.0.0.2"\n'
    assert parse_answers(text).networks[0].forwards[0].ports == (22, 80)
