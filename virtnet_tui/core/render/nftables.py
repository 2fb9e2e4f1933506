"""Renders the nftables table of a custom routed or custom NAT network (host.firewall_backend).

The handbook's iptables rules, moved into one ``inet`` table per network that holds
nothing else (``inet vnw_<bridge>``). The table is built as data first (:class:`NftTable`),
then printed as a file that nft loads atomically and repeatably::

    table inet vnw_virbr10          # make sure it exists...
    delete table inet vnw_virbr10   # ...so that deleting it cannot fail,
    table inet vnw_virbr10 { ... }  # then declare it afresh: all in one transaction.

An accept in one nftables table does not overrule a drop in another: the table can only
narrow what the host's own tables allow, never widen it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import netaddr

from virtnet_tui.core.model import HostFacts, NetworkSpec, Proto
from virtnet_tui.core.render.header import header
from virtnet_tui.core.render.iptables import FIREWALL_DIR, network, public_address

NFT = "nft"
TABLE_FAMILY = "inet"


@dataclass(frozen=True)
class NftRule:
    """One rule: its match and verdict words, and a comment line printed above it."""

    words: tuple[str, ...]
    comment: str = ""


@dataclass(frozen=True)
class NftChain:
    """A base chain: its hook, the chain type and priority, and its rules."""

    name: str
    type: str
    hook: str
    priority: str
    rules: tuple[NftRule, ...]


@dataclass(frozen=True)
class NftTable:
    """A table and its chains."""

    family: str
    name: str
    chains: tuple[NftChain, ...]

    @property
    def ref(self) -> str:
        """``inet vnw_virbr10``: how nft commands name the table."""
        return f"{self.family} {self.name}"


def nft_table_name(bridge: str) -> str:
    """The network's table: ``vnw_<bridge>`` (nft names allow the dashes of a bridge)."""
    return f"vnw_{bridge}"


def nft_rules_path(bridge: str) -> str:
    """Where the network's nftables file lives."""
    return f"{FIREWALL_DIR}/{bridge}.nft"


def nft_load_argv(bridge: str) -> tuple[str, ...]:
    """Loads (or reloads) the network's table: one atomic transaction."""
    return (NFT, "-f", nft_rules_path(bridge))


def nft_check_argv(bridge: str) -> tuple[str, ...]:
    """Checks the file against the running kernel without changing anything."""
    return (NFT, "-c", "-f", nft_rules_path(bridge))


def nft_delete_argv(bridge: str) -> tuple[str, ...]:
    """Removes every rule of the network: its table is all there is."""
    return (NFT, "delete", "table", TABLE_FAMILY, nft_table_name(bridge))


def _quote(name: str) -> str:
    return f'"{name}"'


def _ports(ports: Sequence[int]) -> str:
    return str(ports[0]) if len(ports) == 1 else "{ " + ", ".join(map(str, ports)) + " }"


def _tcp_syn(proto: Proto) -> tuple[str, ...]:
    # The handbook's --syn: only a connection's first packet is forwarded.
    return ("tcp", "flags", "&", "(fin|syn|rst|ack)", "==", "syn") if proto == "tcp" else ()


def _target(to: str) -> str:
    try:
        addr = netaddr.IPAddress(to)
    except (netaddr.AddrFormatError, TypeError, ValueError) as err:
        raise ValueError(f"port forward to {to!r}: not an address") from err
    if addr.version != 4:
        raise ValueError(f"port forward to {to}: only IPv4 is forwarded (IPv6 is routed)")
    return str(addr)


def _input(spec: NetworkSpec) -> list[NftRule]:
    br = _quote(spec.bridge)
    rules: list[NftRule] = []
    note = "DNS and DHCP queries from the VMs to their dnsmasq, on their bridge only."
    if spec.ipv4:
        ports = _ports([53, 67] if spec.dhcp4 is not None else [53])
        for proto in ("udp", "tcp"):
            rules.append(
                NftRule(("meta", "nfproto", "ipv4", "iifname", br, proto, "dport", ports, "accept"))
            )
    if spec.ipv6:
        ports = _ports([53, 547] if spec.ipv6_mode == "dhcpv6" else [53])
        rules.append(
            NftRule(("meta", "nfproto", "ipv6", "iifname", br, "udp", "dport", ports, "accept"))
        )
        rules.append(
            NftRule(("meta", "nfproto", "ipv6", "iifname", br, "tcp", "dport", "53", "accept"))
        )
    return [NftRule(rules[0].words, note), *rules[1:]] if rules else []


def _forward(spec: NetworkSpec) -> list[NftRule]:
    br = _quote(spec.bridge)
    rules: list[NftRule] = []
    for family, cidr in (("ip", spec.ipv4), ("ip6", spec.ipv6)):
        if not cidr:
            continue
        subnet = str(network(cidr).cidr)
        if family == "ip" and spec.type == "custom-nat":
            rules.append(
                NftRule(
                    (
                        "oifname",
                        br,
                        "ip",
                        "daddr",
                        subnet,
                        "ct",
                        "state",
                        "established,related",
                        "accept",
                    ),
                    "Replies to connections the VMs opened.",
                )
            )
        else:
            rules.append(
                NftRule(
                    ("oifname", br, family, "daddr", subnet, "accept"),
                    "The subnet is routed: anything may reach the VMs.",
                )
            )
        rules.append(
            NftRule(("iifname", br, family, "saddr", subnet, "accept"), "The VMs may reach out.")
        )
    rules.append(NftRule(("iifname", br, "oifname", br, "accept"), "The VMs talk to each other."))
    if spec.type == "custom-nat":
        wanted: dict[tuple[str, Proto], set[int]] = {}
        for fwd in spec.forwards:
            ports = {fwd.to_port} if fwd.to_port else set(fwd.ports)
            wanted.setdefault((_target(fwd.to), fwd.proto), set()).update(ports)
        for index, ((vm, proto), port_set) in enumerate(wanted.items()):
            rules.append(
                NftRule(
                    (
                        "oifname", br, "ip", "daddr", vm, proto, "dport", _ports(sorted(port_set)),
                        "ct", "state", "new", "accept",
                    ),
                    "New connections that prerouting forwarded to a VM." if index == 0 else "",
                )
            )  # fmt: skip
    rules.append(
        NftRule(
            ("iifname", br, "reject", "with", "icmpx", "port-unreachable"),
            "Nothing else crosses the bridge (spoofed sources, other subnets).",
        )
    )
    rules.append(NftRule(("oifname", br, "reject", "with", "icmpx", "port-unreachable")))
    return rules


def _prerouting(spec: NetworkSpec, facts: HostFacts) -> list[NftRule]:
    public = public_address(spec, facts)
    rules: list[NftRule] = []
    for fwd in spec.forwards:
        target = _target(fwd.to)
        start = ("ip", "daddr", public, *_tcp_syn(fwd.proto), fwd.proto, "dport")
        if fwd.to_port:
            words = (*start, _ports(fwd.ports), "dnat", "ip", "to", f"{target}:{fwd.to_port}")
        else:
            words = (*start, _ports(fwd.ports), "dnat", "ip", "to", target)
        rules.append(NftRule(words, "" if rules else "Connections to the host that go to a VM."))
    return rules


def _postrouting(spec: NetworkSpec) -> list[NftRule]:
    subnet = str(network(spec.ipv4).cidr)
    s = ("ip", "saddr", subnet)
    out = (*s, "ip", "daddr", "!=", subnet)
    return [
        NftRule((*s, "ip", "daddr", "224.0.0.0/24", "return"), "Multicast and broadcast stay."),
        NftRule((*s, "ip", "daddr", "255.255.255.255", "return")),
        NftRule(
            (*out, "meta", "l4proto", "tcp", "masquerade", "to", ":1024-65535"),
            "Everything else from the VMs leaves with the host's address.",
        ),
        NftRule((*out, "meta", "l4proto", "udp", "masquerade", "to", ":1024-65535")),
        NftRule((*out, "masquerade")),
    ]


def nft_table(spec: NetworkSpec, facts: HostFacts) -> NftTable:
    """The network's table as data: the chains the handbook's rules need, nothing else.

    Raises:
        ValueError: an address does not parse, or port forwards have no public address.
    """
    chains = [
        NftChain("input", "filter", "input", "filter", tuple(_input(spec))),
        NftChain("forward", "filter", "forward", "filter", tuple(_forward(spec))),
    ]
    if spec.ipv4 and spec.forwards:
        chains.append(
            NftChain("prerouting", "nat", "prerouting", "dstnat", tuple(_prerouting(spec, facts)))
        )
    if spec.ipv4 and spec.type == "custom-nat":
        chains.append(
            NftChain("postrouting", "nat", "postrouting", "srcnat", tuple(_postrouting(spec)))
        )
    return NftTable(TABLE_FAMILY, nft_table_name(spec.bridge), tuple(chains))


def _chain_text(chain: NftChain) -> list[str]:
    lines = [
        f"    chain {chain.name} {{",
        f"        type {chain.type} hook {chain.hook} priority {chain.priority}; policy accept;",
    ]
    for rule in chain.rules:
        if rule.comment:
            lines.append(f"        # {rule.comment}")
        lines.append("        " + " ".join(rule.words))
    lines.append("    }")
    return lines


def render_nft_table(table: NftTable) -> str:
    """The body of ``nft -f``: create, delete and declare ``table`` in one transaction."""
    lines = [f"table {table.ref}", f"delete table {table.ref}", f"table {table.ref} {{"]
    for index, chain in enumerate(table.chains):
        if index:
            lines.append("")
        lines += _chain_text(chain)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_nft_rules(spec: NetworkSpec, facts: HostFacts) -> str:
    """The file ``nft -f`` loads for ``spec``: its own table, nothing else."""
    table = nft_table(spec, facts)
    note = ""
    if spec.ipv4 and spec.dhcp4 is not None:
        # iptables' CHECKSUM target has no nftables counterpart (libvirt's nftables
        # backend dropped it too): only very old DHCP clients on virtio need it.
        note = "# The handbook's DHCP checksum fill has no nftables equivalent: left out.\n"
    return (
        header(purpose=f"nft -f: the table {table.ref} of bridge {spec.bridge} only.")
        + note
        + render_nft_table(table)
    )
