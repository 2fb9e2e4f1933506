"""The firewall warning names only nftables tables that iptables-nft did not make.

The rule sets in tests/data/nft are real: iptables-nft 1.8.9 and libnftables 1.0.6 (what
``nft list ruleset`` prints, stdout and stderr apart) in a fresh network namespace, after
iptables and ip6tables rules in all five tables of both families, then tables made with
nft: firewalld's ``inet firewalld``, a user's ``inet filter``, Docker's nftables
``ip docker-bridges`` and a table with the ``owner`` flag. ``own-ip-filter`` holds an
iptables-nft ``ip nat`` and an emptied ``ip6 mangle`` beside an ``ip filter`` written for nft.
"""

from __future__ import annotations

import json
from pathlib import Path

from support.paths import DATA

from virtnet_tui.core.plan import CommandStep, FileStep, Stage
from virtnet_tui.executor.firewall_safety import inspect_firewall
from virtnet_tui.executor.nft_ruleset import foreign_tables
from virtnet_tui.hosts.sandbox import SANDBOX_RESPONSES, SandboxHost

NFT = DATA / "nft"
MIXED = (NFT / "iptables-nft-and-others.stdout").read_text()
MIXED_STDERR = (NFT / "iptables-nft-and-others.stderr").read_text()
OTHERS = ["inet firewalld", "inet filter", "ip docker-bridges", "inet owned"]
STAGE = Stage(
    "Firewall rules for virbr10",
    (
        FileStep("/etc/virtnet-wizard/firewall/virbr10.v4", "*filter\nCOMMIT\n"),
        CommandStep(("iptables-restore", "-w", "--noflush", "/x")),
    ),
)


def test_iptables_nft_tables_are_not_foreign_with_or_without_nft_s_warnings() -> None:
    # nft 1.0.6 warns of five of the ten (those with rules it cannot translate), on stderr.
    assert "table ip security" not in MIXED_STDERR and "table ip6 filter" not in MIXED_STDERR
    assert foreign_tables(MIXED, MIXED_STDERR) == OTHERS
    assert foreign_tables(MIXED) == OTHERS


def test_a_table_with_an_iptables_name_but_nft_s_own_chains_is_foreign() -> None:
    ruleset = (NFT / "own-ip-filter.stdout").read_text()
    assert foreign_tables(ruleset) == ["ip filter"]
    commented = (
        "table ip filter { # handle 3\n\tchain INPUT { # handle 1\n"
        "\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n"
        'table ip nat {\n\tchain prerouting {\n\t\tcomment "port forwards"\n'
        "\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t}\n}\n"
    )
    assert foreign_tables(commented) == ["ip nat"]
    assert foreign_tables("") == []


def test_the_warning_names_only_other_tools_tables(tmp_path: Path) -> None:
    responses = {
        "iptables -V": "iptables v1.8.9 (nf_tables)\n",
        "nft list ruleset": {"returncode": 0, "stdout": MIXED, "stderr": MIXED_STDERR},
    }
    (tmp_path / SANDBOX_RESPONSES).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / SANDBOX_RESPONSES).write_text(json.dumps(responses))
    report = inspect_firewall(SandboxHost(tmp_path), STAGE)
    # firewalld's table is named as firewalld's, not as unknown; the rest are listed.
    assert report.foreign_nft_tables == (
        "inet filter",
        "ip docker-bridges",
        "inet owned",
        "inet firewalld",
    )
    (warning,) = [w for w in report.warnings if "nftables has tables" in w]
    assert "(inet filter, ip docker-bridges, inet owned)" in warning


def test_no_warning_for_a_host_with_only_iptables_nft_tables(tmp_path: Path) -> None:
    only_iptables = MIXED[: MIXED.index("table inet firewalld")]
    responses = {
        "iptables -V": "iptables v1.8.9 (nf_tables)\n",
        "nft list ruleset": {"returncode": 0, "stdout": only_iptables, "stderr": MIXED_STDERR},
    }
    (tmp_path / SANDBOX_RESPONSES).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / SANDBOX_RESPONSES).write_text(json.dumps(responses))
    report = inspect_firewall(SandboxHost(tmp_path), STAGE)
    assert report.foreign_nft_tables == ()
    assert not any("nftables" in w for w in report.warnings)


NFT_STAGE = Stage(
    "Firewall rules for virbr10 (nftables)",
    (
        FileStep("/etc/virtnet-wizard/firewall/virbr10.nft", "table inet vnw_virbr10\n"),
        CommandStep(("nft", "-f", "/etc/virtnet-wizard/firewall/virbr10.nft")),
    ),
)
DROPPING_HOST = (
    "table inet filter {\n\tchain input {\n"
    "\t\ttype filter hook input priority filter; policy accept;\n\t}\n"
    "\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n"
    "table inet vnw_virbr10 {\n\tchain forward {\n"
    "\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n"
)


def test_an_nft_stage_on_a_host_without_iptables(tmp_path: Path) -> None:
    """No "install iptables" warning; the host's dropping forward chain is named instead."""
    responses = {
        "nft list ruleset": {"returncode": 0, "stdout": DROPPING_HOST, "stderr": ""},
        "iptables -V": {"returncode": 127, "stdout": "", "stderr": "iptables: not found"},
    }
    (tmp_path / SANDBOX_RESPONSES).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / SANDBOX_RESPONSES).write_text(json.dumps(responses))
    report = inspect_firewall(SandboxHost(tmp_path), NFT_STAGE)
    assert report.iptables == "missing"
    assert not any("iptables is not installed" in w for w in report.warnings)
    assert report.foreign_nft_tables == ("inet filter",), "the wizard's own table is not foreign"
    (warning,) = [w for w in report.warnings if "drop by default" in w]
    assert "inet filter forward (forward)" in warning
    # The same host, an iptables stage: the old warning stands.
    old = inspect_firewall(SandboxHost(tmp_path), STAGE)
    assert any("iptables is not installed" in w for w in old.warnings)
