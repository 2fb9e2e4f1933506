"""Firewall rules: golden files, the handbook's rules, and real loads inside a namespace."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.custom_net_examples import (
    FACTS,
    FIREWALL_VARIANTS,
    NAT,
    NAT_PLAIN,
    NAT_WITH_V6,
    ROUTED_SLAAC,
    ROUTED_V6_ONLY,
)
from support.golden_util import assert_golden
from support.netns import Netns

from virtnet_tui.core.model import NetworkSpec, PortForward
from virtnet_tui.core.render.iptables import (
    FAMILIES,
    IpFamily,
    firewall_chains,
    firewall_jump_argvs,
    firewall_restore_argv,
    firewall_rules_path,
    firewall_teardown_argvs,
    firewall_unit_name,
    render_iptables_rules,
)

CASES = [(name, spec, fam) for name, spec in FIREWALL_VARIANTS for fam in FAMILIES]
CASE_IDS = [f"{name}-v{fam}" for name, _, fam in CASES]
BUILTINS = {"INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"}


def rule_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("-A ")]


def rules_of(text: str, chain: str) -> list[str]:
    return [ln for ln in rule_lines(text) if ln.split()[1] == chain]


@pytest.mark.parametrize(("name", "spec", "family"), CASES, ids=CASE_IDS)
def test_rules_match_golden(name: str, spec: NetworkSpec, family: IpFamily) -> None:
    assert_golden(f"render/iptables-{name}.v{family}", render_iptables_rules(spec, FACTS, family))


@pytest.mark.parametrize(("name", "spec", "family"), CASES, ids=CASE_IDS)
def test_only_our_chains_are_declared_and_filled(
    name: str, spec: NetworkSpec, family: IpFamily
) -> None:
    text = render_iptables_rules(spec, FACTS, family)
    declared = [ln[1:].split()[0] for ln in text.splitlines() if ln.startswith(":")]
    assert declared == [ours for _, _, ours in firewall_chains(spec, family)]
    assert not BUILTINS & set(declared)
    for line in text.splitlines():
        assert line.startswith(("#", "*", ":", "-A VNW-virbr10-", "COMMIT")), line
    # Each table is opened once and committed.
    tables = [ln[1:] for ln in text.splitlines() if ln.startswith("*")]
    assert len(tables) == len(set(tables)) == text.count("\nCOMMIT\n")
    assert {t for t, _, _ in firewall_chains(spec, family)} == set(tables)
    for chain in declared:
        assert rules_of(text, chain), f"{chain} is declared but empty"


def _handbook(name: str) -> list[str]:
    """Rules copied from the handbook, kept beside this file as ``handbook-<name>.rules``."""
    return Path(__file__).with_name(f"handbook-{name}.rules").read_text().splitlines()


# The handbook's rules ("Example of iptables NAT with connection forwarding"), minus the
# host-wide INPUT rules that the wizard leaves to the operator.
HANDBOOK_NAT_FORWARDING = _handbook("nat-forwarding")

# "Custom routed network": the FORWARD rules for both families, and the dnsmasq INPUT rules.
HANDBOOK_ROUTED_V4 = _handbook("routed.v4")
HANDBOOK_ROUTED_V6 = _handbook("routed.v6")


def as_builtin(text: str, spec: NetworkSpec, family: IpFamily) -> list[str]:
    """Our rules written back into the built-in chains they hang from, SSH rule left out."""
    builtin = {ours: b for _, b, ours in firewall_chains(spec, family)}
    out = []
    for line in rule_lines(text):
        _, chain, rest = line.split(" ", 2)
        if rest == f"-p tcp -m tcp --dport {FACTS.ssh_port} -j ACCEPT":
            continue
        out.append(f"-A {builtin[chain]} {rest}")
    return out


@pytest.mark.parametrize(
    ("spec", "family", "handbook"),
    [
        (NAT, 4, HANDBOOK_NAT_FORWARDING),
        (ROUTED_SLAAC, 4, HANDBOOK_ROUTED_V4),
    ],
    ids=["nat-forwarding", "routed-v4"],
)
def test_rules_are_the_handbooks(spec: NetworkSpec, family: IpFamily, handbook: list[str]) -> None:
    got = as_builtin(render_iptables_rules(spec, FACTS, family), spec, family)
    assert got == handbook


def test_routed_v6_forward_rules_are_the_handbooks() -> None:
    text = render_iptables_rules(ROUTED_SLAAC, FACTS, 6)
    got = [ln for ln in as_builtin(text, ROUTED_SLAAC, 6) if ln.startswith("-A FORWARD")]
    assert got == HANDBOOK_ROUTED_V6


@pytest.mark.parametrize(("name", "spec", "family"), CASES, ids=CASE_IDS)
def test_filter_rules_only_match_the_networks_own_bridge(
    name: str, spec: NetworkSpec, family: IpFamily
) -> None:
    # The jumps into our chains come first in INPUT and FORWARD, so a rule that did not
    # name the bridge would accept traffic the host's own rules refuse (an SSH port the
    # host opens to one address only).
    facts = dataclasses.replace(FACTS, ssh_port=2222)
    text = render_iptables_rules(spec, facts, family)
    for suffix in ("IN", "FWD"):
        for rule in rules_of(text, f"VNW-{spec.bridge}-{suffix}"):
            assert f"-i {spec.bridge} " in rule or f"-o {spec.bridge} " in rule, rule
    assert "2222" not in text


def test_ipv6_input_accepts_dns_and_dhcpv6_only_when_used() -> None:
    slaac = rules_of(render_iptables_rules(ROUTED_SLAAC, FACTS, 6), "VNW-virbr10-IN")
    assert not any("547" in r for r in slaac)
    assert "-A VNW-virbr10-IN -i virbr10 -p udp -m udp --dport 53 -j ACCEPT" in slaac
    assert "-A VNW-virbr10-IN -i virbr10 -p tcp -m tcp --dport 53 -j ACCEPT" in slaac
    dhcpv6 = rules_of(render_iptables_rules(ROUTED_V6_ONLY, FACTS, 6), "VNW-virbr10-IN")
    assert "-A VNW-virbr10-IN -i virbr10 -p udp -m udp --dport 547 -j ACCEPT" in dhcpv6


def test_nat_network_routes_its_ipv6() -> None:
    v6 = render_iptables_rules(NAT_WITH_V6, FACTS, 6)
    assert "-A VNW-virbr10-FWD -d 2001:db8:bb::/64 -o virbr10 -j ACCEPT" in v6
    assert "*nat" not in v6
    assert "MASQUERADE" not in v6 and "DNAT" not in v6


def test_chains_per_variant() -> None:
    assert firewall_chains(NAT, 4) == [
        ("mangle", "POSTROUTING", "VNW-virbr10-POST"),
        ("nat", "PREROUTING", "VNW-virbr10-PRE"),
        ("nat", "POSTROUTING", "VNW-virbr10-POST"),
        ("filter", "INPUT", "VNW-virbr10-IN"),
        ("filter", "FORWARD", "VNW-virbr10-FWD"),
    ]
    assert firewall_chains(NAT, 6) == []
    assert [c for _, _, c in firewall_chains(NAT_PLAIN, 4)] == [
        "VNW-virbr10-POST",
        "VNW-virbr10-POST",
        "VNW-virbr10-IN",
        "VNW-virbr10-FWD",
    ]
    no_dhcp = dataclasses.replace(ROUTED_SLAAC, dhcp4=None)
    assert [t for t, _, _ in firewall_chains(no_dhcp, 4)] == ["filter", "filter"]
    assert firewall_chains(ROUTED_SLAAC, 6) == [
        ("filter", "INPUT", "VNW-virbr10-IN"),
        ("filter", "FORWARD", "VNW-virbr10-FWD"),
    ]
    assert firewall_chains(ROUTED_V6_ONLY, 4) == []


def test_network_without_the_family_gets_no_tables() -> None:
    text = render_iptables_rules(NAT, FACTS, 6)
    assert not [ln for ln in text.splitlines() if not ln.startswith("#")]


def test_paths_and_commands() -> None:
    assert firewall_rules_path("virbr10", 4) == "/etc/virtnet-wizard/firewall/virbr10.v4"
    assert firewall_rules_path("virbr10", 6) == "/etc/virtnet-wizard/firewall/virbr10.v6"
    assert firewall_unit_name("virbr10") == "virtnet-wizard-firewall-virbr10.service"
    assert firewall_restore_argv("virbr10", 6) == (
        "ip6tables-restore",
        "-w",
        "--noflush",
        "/etc/virtnet-wizard/firewall/virbr10.v6",
    )
    assert firewall_jump_argvs(ROUTED_SLAAC, 6, insert=True) == [
        ("ip6tables", "-w", "-t", "filter", "-I", "INPUT", "1", "-j", "VNW-virbr10-IN"),
        ("ip6tables", "-w", "-t", "filter", "-I", "FORWARD", "1", "-j", "VNW-virbr10-FWD"),
    ]
    teardown = firewall_teardown_argvs(ROUTED_SLAAC, 6)
    assert teardown == [
        ("ip6tables", "-w", "-t", "filter", "-D", "INPUT", "-j", "VNW-virbr10-IN"),
        ("ip6tables", "-w", "-t", "filter", "-D", "FORWARD", "-j", "VNW-virbr10-FWD"),
        ("ip6tables", "-w", "-t", "filter", "-F", "VNW-virbr10-IN"),
        ("ip6tables", "-w", "-t", "filter", "-F", "VNW-virbr10-FWD"),
        ("ip6tables", "-w", "-t", "filter", "-X", "VNW-virbr10-IN"),
        ("ip6tables", "-w", "-t", "filter", "-X", "VNW-virbr10-FWD"),
    ]


def test_chain_names_fit_iptables_limit() -> None:
    spec = dataclasses.replace(NAT, bridge="b" * 15)  # IFNAMSIZ - 1
    for _, _, chain in firewall_chains(spec, 4):
        assert len(chain) <= 28


def test_public_address_falls_back_to_the_hosts() -> None:
    spec = dataclasses.replace(NAT, public_ipv4="")
    pre = rules_of(render_iptables_rules(spec, FACTS, 4), "VNW-virbr10-PRE")
    assert all(r.startswith("-A VNW-virbr10-PRE -d 203.0.113.86/32 ") for r in pre)


def test_forwards_without_public_address_are_refused() -> None:
    spec = dataclasses.replace(NAT, public_ipv4="")
    with pytest.raises(ValueError, match="public IPv4"):
        render_iptables_rules(spec, dataclasses.replace(FACTS, ipv4=""), 4)


def test_forward_to_ipv6_is_refused() -> None:
    spec = dataclasses.replace(NAT, forwards=(PortForward("tcp", (80,), "2001:db8:aa::5"),))
    with pytest.raises(ValueError, match="only IPv4"):
        render_iptables_rules(spec, FACTS, 4)


def test_several_ports_to_another_port_get_one_rule_each() -> None:
    spec = dataclasses.replace(
        NAT,
        forwards=(
            PortForward("udp", (5000, 5001), "192.168.100.9", to_port=53),
            PortForward("udp", tuple(range(6000, 6020)), "192.168.100.9"),
        ),
    )
    text = render_iptables_rules(spec, FACTS, 4)
    pre = rules_of(text, "VNW-virbr10-PRE")
    assert pre[:2] == [
        "-A VNW-virbr10-PRE -d 203.0.113.3/32 -p udp -m udp --dport 5000"
        " -j DNAT --to-destination 192.168.100.9:53",
        "-A VNW-virbr10-PRE -d 203.0.113.3/32 -p udp -m udp --dport 5001"
        " -j DNAT --to-destination 192.168.100.9:53",
    ]
    # 20 ports: multiport takes 15 at most.
    assert len(pre) == 4
    assert "--dports " + ",".join(map(str, range(6000, 6015))) in pre[2]
    assert "--dports " + ",".join(map(str, range(6015, 6020))) in pre[3]
    fwd = [r for r in rules_of(text, "VNW-virbr10-FWD") if "192.168.100.9/32" in r]
    assert len(fwd) == 2 and "--dports 53,6000," in fwd[0]
    assert all("--syn" not in r for r in fwd)


# --- real loads in a namespace -------------------------------------------------------------

BACKENDS = ("nft", "legacy")

#: Rules the operator had before the wizard; none may change.
FOREIGN = {
    4: [
        ("filter", "-A", "INPUT", "-s", "198.51.100.7/32", "-j", "DROP"),
        ("filter", "-A", "FORWARD", "-i", "eth9", "-j", "ACCEPT"),
        ("filter", "-N", "OPERATOR"),
        ("filter", "-A", "OPERATOR", "-p", "tcp", "--dport", "8080", "-j", "ACCEPT"),
        ("filter", "-A", "INPUT", "-j", "OPERATOR"),
        ("nat", "-A", "POSTROUTING", "-s", "10.9.0.0/16", "-j", "MASQUERADE"),
        ("nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "8443", "-j", "REDIRECT"),
        ("mangle", "-A", "POSTROUTING", "-o", "eth9", "-j", "RETURN"),
    ],
    6: [
        ("filter", "-A", "INPUT", "-s", "2001:db8:ff::7/128", "-j", "DROP"),
        ("filter", "-A", "FORWARD", "-i", "eth9", "-j", "ACCEPT"),
        ("filter", "-N", "OPERATOR"),
        ("filter", "-A", "OPERATOR", "-p", "tcp", "--dport", "8080", "-j", "ACCEPT"),
        ("filter", "-A", "INPUT", "-j", "OPERATOR"),
    ],
}


def _cmd(backend: str, argv: tuple[str, ...]) -> list[str]:
    """``argv`` with the backend's own binary: ``iptables-nft``, ``ip6tables-legacy-restore``."""
    tool, *rest = argv
    base, _, suffix = tool.partition("-")  # "iptables", "restore"
    return [f"{base}-{backend}" + (f"-{suffix}" if suffix else ""), *rest]


def _save(ns: Netns, backend: str, family: IpFamily) -> str:
    """The namespace's rule set, without timestamps and counters."""
    tool = "iptables" if family == 4 else "ip6tables"
    out = ns.run(*_cmd(backend, (f"{tool}-save",))).stdout
    lines = [ln for ln in out.splitlines() if not ln.startswith("#")]
    return "\n".join(re.sub(r"\[\d+:\d+\]", "[0:0]", ln) for ln in lines) + "\n"


def _chain_rules(saved: str, table: str, chain: str) -> list[str]:
    """The rules of ``chain`` in ``table`` of an iptables-save (or iptables-restore) text."""
    if f"*{table}\n" not in saved:
        return []
    section = saved.split(f"*{table}\n", 1)[1].split("COMMIT", 1)[0]
    return [ln for ln in section.splitlines() if ln.startswith(f"-A {chain} ")]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    name = str(request.param)
    if not shutil.which(f"iptables-{name}-restore"):
        pytest.skip(f"iptables-{name} is not installed")
    yield name


@pytest.mark.netns
@pytest.mark.parametrize(("name", "spec", "family"), CASES, ids=CASE_IDS)
def test_real_load_is_idempotent_and_undoable(
    name: str, spec: NetworkSpec, family: IpFamily, backend: str, ns: Netns, tmp_path: Path
) -> None:
    tool = "iptables" if family == 4 else "ip6tables"
    rules = tmp_path / f"virbr10.v{family}"
    rules.write_text(render_iptables_rules(spec, FACTS, family))
    restore = _cmd(backend, (f"{tool}-restore", "-w", "--noflush", str(rules)))

    for table, *args in FOREIGN[family]:
        ns.run(*_cmd(backend, (tool, "-w", "-t", table, *args)))
    before = _save(ns, backend, family)

    # --test parses everything (and loads the match and target modules) without applying.
    ns.run(*_cmd(backend, (f"{tool}-restore", "--test", "--noflush", str(rules))))
    assert _save(ns, backend, family) == before

    ns.run(*restore)
    for argv in firewall_jump_argvs(spec, family, insert=True):
        ns.run(*_cmd(backend, argv))
    loaded = _save(ns, backend, family)

    chains = firewall_chains(spec, family)
    text = rules.read_text()
    for table, builtin, ours in chains:
        assert f":{ours} - [0:0]" in loaded
        # Same number of rules as the file (iptables-save spells some matches differently).
        assert len(_chain_rules(loaded, table, ours)) == len(_chain_rules(text, table, ours))
        # Our jump comes first, the operator's rules follow unchanged.
        assert _chain_rules(loaded, table, builtin)[0] == f"-A {builtin} -j {ours}"
    for table in ("filter", "nat", "mangle"):
        for builtin in BUILTINS:
            jumps = [f"-A {builtin} -j {c}" for t, b, c in chains if t == table and b == builtin]
            theirs = _chain_rules(before, table, builtin)
            assert _chain_rules(loaded, table, builtin) == jumps + theirs, (table, builtin)
    assert _chain_rules(loaded, "filter", "OPERATOR") == _chain_rules(before, "filter", "OPERATOR")
    if not chains:
        assert loaded == before

    # Reloading the file is idempotent: every declared chain is flushed and refilled.
    ns.run(*restore)
    assert _save(ns, backend, family) == loaded

    for argv in firewall_teardown_argvs(spec, family):
        ns.run(*_cmd(backend, argv))
    assert _save(ns, backend, family) == before


@pytest.mark.netns
@pytest.mark.parametrize(
    ("old", "new"),
    [
        # DNAT belongs to the nat table: --test accepts it, the kernel does not.
        (
            "-A VNW-virbr10-FWD -i virbr10 -o virbr10 -j ACCEPT",
            "-A VNW-virbr10-FWD -i virbr10 -o virbr10 -j DNAT --to-destination 192.168.100.7",
        ),
        # A jump to a chain that does not exist (iptables-nft's --test misses it).
        ("-A VNW-virbr10-FWD -i virbr10 -o virbr10 -j ACCEPT", "-A VNW-virbr10-FWD -j VNW-nope"),
    ],
    ids=["dnat-in-filter", "missing-chain"],
)
def test_real_load_catches_what_test_misses(
    old: str, new: str, backend: str, ns: Netns, tmp_path: Path
) -> None:
    """Why the load above is done for real: these files pass ``--test`` (on nft) but not a load."""
    text = render_iptables_rules(NAT, FACTS, 4)
    assert old in text
    rules = tmp_path / "broken.v4"
    rules.write_text(text.replace(old, new))
    proc = ns.run(*_cmd(backend, ("iptables-restore", "-w", "--noflush", str(rules))), check=False)
    assert proc.returncode != 0
    # Each table commits on its own: the failing filter table left nothing behind, while
    # mangle and nat, committed before it, stay loaded (the caller must undo them).
    saved = _save(ns, backend, 4)
    assert "VNW-virbr10-FWD" not in saved and "VNW-virbr10-IN" not in saved
    assert ":VNW-virbr10-PRE - [0:0]" in saved
