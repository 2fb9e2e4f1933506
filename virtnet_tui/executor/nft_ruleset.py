"""Tells the tables of ``nft list ruleset`` that iptables-nft made from everyone else's."""

from __future__ import annotations

import re

#: The built-in chains of each table that the iptables-nft family of tools makes,
#: by nftables family: iptables and ip6tables, arptables, ebtables.
_XTABLES_BUILTINS: dict[str, dict[str, frozenset[str]]] = {
    family: {
        "filter": frozenset({"INPUT", "FORWARD", "OUTPUT"}),
        "nat": frozenset({"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"}),
        "mangle": frozenset({"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}),
        "raw": frozenset({"PREROUTING", "OUTPUT"}),
        "security": frozenset({"INPUT", "FORWARD", "OUTPUT"}),
    }
    for family in ("ip", "ip6")
} | {
    "arp": {"filter": frozenset({"INPUT", "OUTPUT"})},
    "bridge": {
        "filter": frozenset({"INPUT", "FORWARD", "OUTPUT"}),
        "nat": frozenset({"PREROUTING", "OUTPUT", "POSTROUTING"}),
        "broute": frozenset({"BROUTING"}),
    },
}
#: A table's first line; a comment (``# handle 4``, ``# progname nft``) may follow the brace.
_TABLE = re.compile(r"^table (\S+) (\S+) \{", re.MULTILINE)
#: A chain and its first line (after its comment, if it has one), which says
#: ``type ... hook ...`` when it is a base chain.
_CHAIN = re.compile(
    r'^\s*chain "?([^"\s]+)"? \{[^\n]*\n(?:\s*comment "[^"\n]*"\n)?\s*(type \S+ hook)?',
    re.MULTILINE,
)
#: What nft says (on stderr) of a table with rules only iptables-nft understands.
_MANAGED = re.compile(r"table (\S+ \S+) is managed by iptables-nft")


def _blocks(ruleset: str) -> list[tuple[str, str, str]]:
    """``(family, name, body)`` of every table, in the order listed."""
    starts = list(_TABLE.finditer(ruleset))
    ends = [m.start() for m in starts[1:]] + [len(ruleset)]
    return [(m[1], m[2], ruleset[m.end() : end]) for m, end in zip(starts, ends, strict=False)]


def made_by_iptables_nft(family: str, name: str, body: str) -> bool:
    """The table has an iptables-nft name and hooks only the chains iptables-nft makes.

    iptables-nft 1.8 makes ``ip filter`` and the like with base chains named as its
    built-in chains (``INPUT``, ``POSTROUTING``...). A table of the same name written
    for nft by hand hooks chains of its own names (``input``), and other tools' tables
    (``inet firewalld``, ``ip docker-bridges``, a user's ``inet filter``) have other names.
    """
    builtins = _XTABLES_BUILTINS.get(family, {}).get(name)
    if builtins is None:
        return False
    return all(chain in builtins for chain, base in _CHAIN.findall(body) if base)


def foreign_tables(ruleset: str, messages: str = "") -> list[str]:
    """``family name`` of every table in ``ruleset`` that iptables-nft did not make.

    ``messages`` is what nft printed besides (its stderr): the tables it calls
    "managed by iptables-nft" count as iptables-nft's whatever they hold.
    """
    managed = set(_MANAGED.findall(messages))
    return [
        f"{family} {name}"
        for family, name, body in _blocks(ruleset)
        if f"{family} {name}" not in managed and not made_by_iptables_nft(family, name, body)
    ]


def table_bodies(ruleset: str) -> list[tuple[str, str]]:
    """``(family name, body)`` of every table of ``ruleset``, in the order listed."""
    return [(f"{family} {name}", body) for family, name, body in _blocks(ruleset)]
