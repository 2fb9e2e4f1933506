"""``forward add`` on an nftables host: the network's table file is rewritten and reloaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import fast_root
from support.rerun_util import FORWARD_80, Sandbox, answers_text, custom_nat

from virtnet_tui.core.render.nftables import nft_rules_path

RULES = nft_rules_path("virbr10")


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def test_forward_add_reloads_the_table_and_rollback_restores_it(sandbox: Sandbox) -> None:
    text = answers_text(custom_nat(FORWARD_80)).replace(
        "[host]\n", '[host]\nfirewall_backend = "nftables"\n', 1
    )
    sandbox.apply(text)
    before = sandbox.host.read_text(RULES)
    assert before is not None and "dnat ip to 192.168.110.77" in before
    assert not sandbox.host.exists("/etc/virtnet-wizard/firewall/virbr10.v4")
    count = len(sandbox.commands())
    run_id = sandbox.change(
        "forward", "add", "--network", "virbr10", "--proto", "tcp", "--port", "8080",
        "--to", "192.168.110.77", "--to-port", "80",
    )  # fmt: skip
    after = sandbox.host.read_text(RULES) or ""
    assert "tcp dport 8080 dnat ip to 192.168.110.77:80" in after
    assert sandbox.commands()[count:] == [["nft", "-c", "-f", RULES], ["nft", "-f", RULES]]
    sandbox.ok("rollback", run_id)
    assert sandbox.host.read_text(RULES) == before
    assert sandbox.commands()[-1] == ["nft", "-f", RULES], "the old table is loaded again"


def test_forward_add_on_firewalld_adds_a_rich_rule_now_and_permanently(sandbox: Sandbox) -> None:
    text = answers_text(custom_nat(FORWARD_80)).replace(
        "[host]\n", '[host]\nfirewall_backend = "firewalld"\n', 1
    )
    sandbox.apply(text)
    count = len(sandbox.commands())
    run_id = sandbox.change(
        "forward", "add", "--network", "virbr10", "--proto", "tcp", "--port", "8080",
        "--to", "192.168.110.77", "--to-port", "80",
    )  # fmt: skip
    rule = (
        '--add-rich-rule=rule family="ipv4" destination address="203.0.113.3" forward-port '
        'port="8080" protocol="tcp" to-port="80" to-addr="192.168.110.77"'
    )
    assert sandbox.commands()[count:] == [
        ["firewall-cmd", "--zone=public", rule],
        ["firewall-cmd", "--permanent", "--zone=public", rule],
    ]
    count = len(sandbox.commands())
    sandbox.ok("rollback", run_id)
    removal = rule.replace("--add-rich-rule", "--remove-rich-rule")
    assert sandbox.commands()[count:] == [
        ["firewall-cmd", "--permanent", "--zone=public", removal],
        ["firewall-cmd", "--zone=public", removal],
    ]
