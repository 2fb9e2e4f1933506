"""Which rules files a custom network's firewall backend writes (host.firewall_backend)."""

from __future__ import annotations

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.iptables import FAMILIES, firewall_rules_path
from virtnet_tui.core.render.nftables import nft_rules_path


def firewall_files(spec: NetworkSpec, facts: HostFacts) -> tuple[str, ...]:
    """The rules files the network's firewall stage wrote (none: firewalld keeps them)."""
    if facts.firewall_backend == "firewalld":
        return ()
    if facts.firewall_backend == "nftables":
        return (nft_rules_path(spec.bridge),)
    cidrs = (spec.ipv4, spec.ipv6)
    return tuple(
        firewall_rules_path(spec.bridge, fam)
        for fam, cidr in zip(FAMILIES, cidrs, strict=True)
        if cidr
    )


def forward_rules_path(spec: NetworkSpec, facts: HostFacts) -> str:
    """The file that holds the network's port forwards (its IPv4 rules, or its table)."""
    if facts.firewall_backend == "nftables":
        return nft_rules_path(spec.bridge)
    return firewall_rules_path(spec.bridge, 4)
