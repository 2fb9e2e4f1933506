"""Looks at the host's firewall before a firewall stage and says what could go wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass

from virtnet_tui.core.plan import CommandStep, FileStep, Stage
from virtnet_tui.executor.nft_ruleset import foreign_tables, table_bodies
from virtnet_tui.hosts.base import Host

_FIREWALL_TOOLS = frozenset(
    {"iptables", "ip6tables", "iptables-restore", "ip6tables-restore", "nft"}
)
#: The wizard's own nftables tables (host.firewall_backend = "nftables").
_OWN_NFT_TABLE = re.compile(r"^inet vnw_")
#: nftables tables that others own on purpose and that we mention by name, not as unknown.
_KNOWN_NFT_OWNERS = {"firewalld": "firewalld", "libvirt": "libvirt", "libvirt_network": "libvirt"}


def is_firewall_stage(stage: Stage) -> bool:
    """The stage changes iptables rules or nftables tables."""
    return any(isinstance(s, CommandStep) and s.argv[0] in _FIREWALL_TOOLS for s in stage.steps)


def _uses_nft(stage: Stage) -> bool:
    return any(isinstance(s, CommandStep) and s.argv[0] == "nft" for s in stage.steps)


#: A base chain on the forward or input hook whose policy drops what no rule accepted.
_DROPPING_CHAIN = re.compile(
    r"chain (\S+) \{[^}]*?hook (forward|input)[^;]*;[^}]*?policy drop;", re.DOTALL
)


def _nft_drop_policies(ruleset: str, tables: list[str]) -> list[str]:
    """``family name: chain`` of the host's base chains that drop by default."""
    return [
        f"{table} {m[1]} ({m[2]})"
        for table, body in table_bodies(ruleset)
        if table in tables
        for m in _DROPPING_CHAIN.finditer(body)
    ]


@dataclass(frozen=True)
class FirewallReport:
    """What the host's firewall looks like, and the warnings it deserves."""

    firewalld: bool
    iptables: str
    """``nf_tables``, ``legacy``, ``missing`` or ``unknown``."""
    foreign_nft_tables: tuple[str, ...]
    docker: bool
    policies: dict[str, str]
    """Policy of the filter table's built-in chains (``INPUT``: ``DROP``...)."""
    host_rules: int
    """Rules in the filter table that the wizard did not write."""
    warnings: tuple[str, ...]


def ssh_server_port(host: Host) -> int | None:
    """The server port of the SSH session the wizard runs in, if it runs in one."""
    words = host.environ.get("SSH_CONNECTION", "").split()
    return int(words[3]) if len(words) == 4 and words[3].isdigit() else None


def _iptables_backend(host: Host) -> str:
    result = host.run(["iptables", "-V"])
    if result.returncode == 127:
        return "missing"
    text = result.stdout + result.stderr
    if "nf_tables" in text:
        return "nf_tables"
    if "legacy" in text:
        return "legacy"
    return "unknown"


def _foreign_nft_tables(host: Host) -> tuple[list[str], list[str], str]:
    """nftables tables not managed by iptables-nft nor the wizard: (unknown, known owners',
    the rule set listed)."""
    result = host.run(["nft", "list", "ruleset"])
    if not result.ok:
        return [], [], ""
    unknown: list[str] = []
    known: list[str] = []
    # nft prints its "managed by iptables-nft" warnings on stderr.
    for table in foreign_tables(result.stdout, result.stdout + result.stderr):
        if _OWN_NFT_TABLE.match(table):
            continue
        (known if table.split()[1] in _KNOWN_NFT_OWNERS else unknown).append(table)
    return unknown, known, result.stdout


def _stage_rules(stage: Stage) -> list[str]:
    return [
        line
        for step in stage.steps
        if isinstance(step, FileStep) and "/firewall/" in step.path
        for line in step.content.splitlines()
        if line.startswith("-A ")
    ]


def inspect_firewall(host: Host, stage: Stage) -> FirewallReport:
    """Read the host's firewall (read-only commands) and warn about what the stage meets."""
    warnings: list[str] = []
    firewalld = (
        host.run(["systemctl", "is-active", "firewalld"]).stdout.strip() == "active"
        or host.run(["firewall-cmd", "--state"]).stdout.strip() == "running"
    )
    if firewalld:
        warnings.append(
            "firewalld is running: `firewall-cmd --reload` or a restart of firewalld drops "
            "rules added outside it on an iptables backend. The wizard's chains are loaded "
            "again at boot (its unit starts after firewalld), but not after a reload; "
            "run `systemctl restart virtnet-wizard-firewall-*.service` after one."
        )
    backend = _iptables_backend(host)
    unknown, known, ruleset = _foreign_nft_tables(host)
    nft_stage = _uses_nft(stage)
    if nft_stage:
        dropping = _nft_drop_policies(ruleset, unknown + known)
        if dropping:
            warnings.append(
                "The host's nftables chains drop by default: "
                f"{', '.join(dropping)}. An accept in the wizard's own table does not "
                "overrule another table's drop, so the VMs' traffic needs rules there too "
                "(e.g. `iifname/oifname <bridge> accept` in that forward chain)."
            )
    elif backend == "missing":
        warnings.append(
            "iptables is not installed (an nftables-only host): this stage's iptables "
            "commands will fail and the stage will be rolled back. Install the iptables "
            "package (its nf_tables variant) first."
        )
    elif unknown and backend == "legacy":
        warnings.append(
            f"iptables uses the legacy backend while nftables has its own tables "
            f"({', '.join(unknown)}): both rule sets see every packet, so an nftables rule "
            "may drop what the wizard's iptables rules accept."
        )
    elif unknown:
        warnings.append(
            f"nftables has tables that iptables did not make ({', '.join(unknown)}): their "
            "rules apply as well as the wizard's and may drop the VMs' traffic "
            "(see `nft list ruleset`)."
        )
    rules = host.run(["iptables", "-w", "-S"])
    lines = rules.stdout.splitlines() if rules.ok else []
    policies = {
        w[1]: w[2] for w in (line.split() for line in lines) if len(w) == 3 and w[0] == "-P"
    }
    docker = any(line.split()[:2] == ["-N", "DOCKER"] for line in lines)
    host_rules = sum(1 for line in lines if line.startswith("-A ") and "VNW-" not in line)
    if docker:
        drop = " and the FORWARD policy is DROP" if policies.get("FORWARD") == "DROP" else ""
        warnings.append(
            f"Docker is installed{drop}: the wizard's FORWARD jump is inserted first, so "
            "VM traffic is accepted before Docker's chains; restarting Docker puts its own "
            "jumps back on top, which leave VM traffic alone but check `iptables -S FORWARD` "
            "if VMs lose their connection."
        )
    if host_rules:
        shown = ", ".join(f"{c} {p}" for c, p in sorted(policies.items()))
        warnings.append(
            f"The host already has {host_rules} firewall rules (policies: {shown}). The "
            "wizard adds jumps to its own VNW-* chains at the top, never flushes the "
            "host's rules, and removes only its own on rollback."
        )
    stage_rules = _stage_rules(stage)
    rejects = [r for r in stage_rules if "-FWD " in r and "REJECT" in r]
    if rejects:
        bridges = sorted({w for r in rejects for w in re.findall(r"-[io] (\S+)", r)})
        warnings.append(
            f"Like the handbook's \"reject everything else\", the wizard's FORWARD chain "
            f"refuses all other traffic into or out of {', '.join(bridges)}. The handbook "
            "also rejects every other INPUT packet; the wizard does not: its INPUT chain "
            "only opens SSH and DNS/DHCP for the VMs and leaves the host's INPUT policy alone."
        )
    port = ssh_server_port(host)
    closes_input = any("-IN " in r and re.search(r"-j (REJECT|DROP)", r) for r in stage_rules)
    if port is not None and closes_input:
        opened = any(
            "-IN " in r and f"--dport {port} " in r + " " and "ACCEPT" in r for r in stage_rules
        )
        if not opened:
            warnings.append(
                f"The rules close INPUT but do not open port {port}, the port of your SSH "
                "session: the timed confirmation will revert them if you are cut off."
            )
    return FirewallReport(
        firewalld=firewalld,
        iptables=backend,
        foreign_nft_tables=tuple(unknown + known),
        docker=docker,
        policies=policies,
        host_rules=host_rules,
        warnings=tuple(warnings),
    )
