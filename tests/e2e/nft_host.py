"""An nftables-only host for the end-to-end tests: a PATH without iptables, the host's rules."""

from __future__ import annotations

import os
import re
from pathlib import Path

from support.netns import Netns

#: The programs an nftables-only host lacks (iptables and its relatives).
IPTABLES_NAMES = re.compile(r"^(ip6?tables|xtables|ebtables|arptables)")
BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
#: What the host allows before the wizard: SSH from the LAN router's address only.
SSH_FROM = "198.51.100.1"
HOST_TABLE = f"""\
table inet filter {{
    chain input {{
        type filter hook input priority filter; policy accept;
        tcp dport 22 ip saddr != {SSH_FROM} drop
    }}
}}
"""


def path_without_iptables(folder: Path) -> str:
    """A PATH of one folder linking every program of the usual folders but iptables'."""
    folder.mkdir(parents=True, exist_ok=True)
    for bin_dir in BIN_DIRS:
        if not os.path.isdir(bin_dir):
            continue
        for name in os.listdir(bin_dir):
            link = folder / name
            if IPTABLES_NAMES.match(name) or link.exists() or link.is_symlink():
                continue
            link.symlink_to(os.path.join(bin_dir, name))
    return str(folder)


def host_nft_firewall(ns: Netns) -> None:
    """The host's own nftables table, which must hold and survive apply and rollback."""
    ns.run("nft", "-f", "-", input=HOST_TABLE)


def nft_ruleset(ns: Netns) -> str:
    """``nft list ruleset`` without packet counters."""
    out = ns.run("nft", "list", "ruleset").stdout
    return re.sub(r"\bcounter packets \d+ bytes \d+", "counter", out)
