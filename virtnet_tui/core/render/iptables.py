"""Renders the iptables and ip6tables rules of a custom routed or custom NAT network.

The rules never replace the host's own: they live in chains of their own, one set per
network (``VNW-<bridge>-IN``, ``-FWD``, ``-PRE``, ``-POST``), loaded with
``iptables-restore --noflush``. Declaring a chain in that file flushes only that chain,
so loading the file again is idempotent and touches nothing else. The built-in chains
(INPUT, FORWARD, PREROUTING, POSTROUTING) only get one jump each into ours, inserted and
removed by the commands below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import netaddr

from virtnet_tui.core.model import HostFacts, NetworkSpec, PortForward, Proto
from virtnet_tui.core.render.header import header

IpFamily = Literal[4, 6]
Table = Literal["mangle", "nat", "filter"]
Argv = tuple[str, ...]

FAMILIES: tuple[IpFamily, ...] = (4, 6)
FIREWALL_DIR = "/etc/virtnet-wizard/firewall"
CHAIN_PREFIX = "VNW"
#: ``-m multiport`` takes at most 15 ports per rule.
MULTIPORT_MAX = 15


def firewall_rules_path(bridge: str, family: IpFamily) -> str:
    """Where the rules file of ``bridge`` for IPv4 or IPv6 lives."""
    return f"{FIREWALL_DIR}/{bridge}.v{family}"


def firewall_unit_name(bridge: str) -> str:
    """The systemd unit that loads the rules of ``bridge`` at boot (rendered in ``systemd``)."""
    return f"virtnet-wizard-firewall-{bridge}.service"


def chain_name(bridge: str, suffix: Literal["IN", "FWD", "PRE", "POST"]) -> str:
    """The name of one of our chains; at most 23 characters, under iptables' limit of 28."""
    return f"{CHAIN_PREFIX}-{bridge}-{suffix}"


def network(text: str) -> netaddr.IPNetwork:
    """``text`` as an address with its prefix; ``ValueError`` naming it when it is not one."""
    try:
        return netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, TypeError, ValueError) as err:
        raise ValueError(f"{text!r} is not an address with a prefix: {err}") from err


def _has_family(spec: NetworkSpec, family: IpFamily) -> bool:
    return bool(spec.ipv4 if family == 4 else spec.ipv6)


def firewall_chains(spec: NetworkSpec, family: IpFamily) -> list[tuple[Table, str, str]]:
    """``(table, built-in chain, our chain)`` for every chain the rules file declares.

    The order is the file's order; a network without an address of ``family`` has none.
    """
    if not _has_family(spec, family):
        return []
    br = spec.bridge
    chains: list[tuple[Table, str, str]] = []
    if family == 4 and spec.dhcp4 is not None:
        chains.append(("mangle", "POSTROUTING", chain_name(br, "POST")))
    if family == 4 and spec.forwards:
        chains.append(("nat", "PREROUTING", chain_name(br, "PRE")))
    if family == 4 and spec.type == "custom-nat":
        chains.append(("nat", "POSTROUTING", chain_name(br, "POST")))
    chains.append(("filter", "INPUT", chain_name(br, "IN")))
    chains.append(("filter", "FORWARD", chain_name(br, "FWD")))
    return chains


def _tool(family: IpFamily, restore: bool = False) -> str:
    name = "iptables" if family == 4 else "ip6tables"
    return f"{name}-restore" if restore else name


def firewall_restore_argv(bridge: str, family: IpFamily) -> Argv:
    """Loads (or reloads) our chains without flushing anything else."""
    return (_tool(family, restore=True), "-w", "--noflush", firewall_rules_path(bridge, family))


def firewall_jump_argvs(spec: NetworkSpec, family: IpFamily, *, insert: bool) -> list[Argv]:
    """Insert (at the top of each built-in chain) or delete the jumps into our chains."""
    tool = _tool(family)
    argvs: list[Argv] = []
    for table, builtin, ours in firewall_chains(spec, family):
        where = ("-I", builtin, "1") if insert else ("-D", builtin)
        argvs.append((tool, "-w", "-t", table, *where, "-j", ours))
    return argvs


def firewall_chain_removal_argvs(spec: NetworkSpec, family: IpFamily) -> list[Argv]:
    """Flush and delete our chains (their jumps must be gone already)."""
    tool = _tool(family)
    chains = firewall_chains(spec, family)
    argvs: list[Argv] = [(tool, "-w", "-t", table, "-F", ours) for table, _, ours in chains]
    argvs += [(tool, "-w", "-t", table, "-X", ours) for table, _, ours in chains]
    return argvs


def firewall_teardown_argvs(spec: NetworkSpec, family: IpFamily) -> list[Argv]:
    """Remove every trace of the network's rules: the jumps, then our flushed chains."""
    return firewall_jump_argvs(spec, family, insert=False) + firewall_chain_removal_argvs(
        spec, family
    )


def _chunks(ports: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ports), MULTIPORT_MAX):
        yield ports[i : i + MULTIPORT_MAX]


def _port_match(proto: Proto, ports: Sequence[int], middle: str = "") -> str:
    """``-p tcp -m tcp --syn [middle] --dport 22`` or ``... -m multiport --dports 80,443``."""
    syn = " --syn" if proto == "tcp" else ""
    mid = f" {middle}" if middle else ""
    if len(ports) == 1:
        return f"-p {proto} -m {proto}{syn}{mid} --dport {ports[0]}"
    return f"-p {proto} -m {proto}{syn}{mid} -m multiport --dports {','.join(map(str, ports))}"


def public_address(spec: NetworkSpec, facts: HostFacts) -> str:
    """The host's address that port forwards listen on (the network's, else the uplink's)."""
    if spec.public_ipv4:
        try:
            return str(netaddr.IPAddress(spec.public_ipv4, 4))
        except (netaddr.AddrFormatError, TypeError, ValueError) as err:
            raise ValueError(f"public_ipv4 {spec.public_ipv4!r} is not an IPv4 address") from err
    if facts.ipv4:
        return str(network(facts.ipv4).ip)
    raise ValueError(
        f"network {spec.name}: port forwards need the host's public IPv4 address "
        "(public_ipv4 of the network, or ipv4 of the host)"
    )


def _forward_target(fwd: PortForward) -> netaddr.IPAddress:
    try:
        addr = netaddr.IPAddress(fwd.to)
    except (netaddr.AddrFormatError, TypeError, ValueError) as err:
        raise ValueError(f"port forward to {fwd.to!r}: not an address") from err
    if addr.version != 4:
        raise ValueError(f"port forward to {fwd.to}: only IPv4 is forwarded (IPv6 is routed)")
    return addr


def _nat_prerouting(spec: NetworkSpec, facts: HostFacts, chain: str) -> list[str]:
    public = public_address(spec, facts)
    lines = ["# Connections to the host's public address that go to a VM."]
    for fwd in spec.forwards:
        target = _forward_target(fwd)
        start = f"-A {chain} -d {public}/32"
        if fwd.to_port:
            # A different port on the VM: one rule per public port.
            for port in fwd.ports:
                lines.append(
                    f"{start} {_port_match(fwd.proto, [port])}"
                    f" -j DNAT --to-destination {target}:{fwd.to_port}"
                )
        else:
            for group in _chunks(fwd.ports):
                lines.append(
                    f"{start} {_port_match(fwd.proto, group)} -j DNAT --to-destination {target}"
                )
    return lines


def _nat_postrouting(subnet: netaddr.IPNetwork, chain: str) -> list[str]:
    s = f"-A {chain} -s {subnet}"
    return [
        "# Multicast and broadcast leave the subnet untranslated.",
        f"{s} -d 224.0.0.0/24 -j RETURN",
        f"{s} -d 255.255.255.255/32 -j RETURN",
        "# Everything else from the VMs leaves with the host's address.",
        f"{s} ! -d {subnet} -p tcp -j MASQUERADE --to-ports 1024-65535",
        f"{s} ! -d {subnet} -p udp -j MASQUERADE --to-ports 1024-65535",
        f"{s} ! -d {subnet} -j MASQUERADE",
    ]


def _input(spec: NetworkSpec, family: IpFamily, chain: str) -> list[str]:
    # Every rule matches the bridge: the jump into this chain comes first in INPUT, so a
    # rule without ``-i`` would accept traffic the host's own rules may refuse (an SSH
    # port the host opens to one address only). Keeping the operator's session through a
    # risky change is the guard's job, not an open port's.
    br = spec.bridge
    lines = ["# DNS and DHCP queries from the VMs to their dnsmasq."]
    if family == 4:
        ports = "-m multiport --dports 53,67" if spec.dhcp4 is not None else "--dport 53"
        lines.append(f"-A {chain} -i {br} -p udp -m udp {ports} -j ACCEPT")
        lines.append(f"-A {chain} -i {br} -p tcp -m tcp {ports} -j ACCEPT")
    else:
        lines.append(f"-A {chain} -i {br} -p udp -m udp --dport 53 -j ACCEPT")
        lines.append(f"-A {chain} -i {br} -p tcp -m tcp --dport 53 -j ACCEPT")
        if spec.ipv6_mode == "dhcpv6":
            lines.append(f"-A {chain} -i {br} -p udp -m udp --dport 547 -j ACCEPT")
    return lines


def _forward_accepts(spec: NetworkSpec, chain: str) -> list[str]:
    """Accepts for connections forwarded by DNAT: per VM and protocol, the VM-side ports."""
    wanted: dict[tuple[str, Proto], set[int]] = {}
    for fwd in spec.forwards:
        ports = {fwd.to_port} if fwd.to_port else set(fwd.ports)
        wanted.setdefault((str(_forward_target(fwd)), fwd.proto), set()).update(ports)
    lines: list[str] = []
    if wanted:
        lines.append("# New connections that PREROUTING forwarded to a VM.")
    for (vm, proto), port_set in wanted.items():
        for group in _chunks(sorted(port_set)):
            lines.append(
                f"-A {chain} -d {vm}/32 -o {spec.bridge}"
                f" {_port_match(proto, group, '-m conntrack --ctstate NEW')} -j ACCEPT"
            )
    return lines


def _forward(spec: NetworkSpec, family: IpFamily, chain: str) -> list[str]:
    br = spec.bridge
    subnet = network(spec.ipv4 if family == 4 else spec.ipv6).cidr
    nat = family == 4 and spec.type == "custom-nat"
    lines: list[str] = []
    if nat:
        lines.append("# Replies to connections the VMs opened.")
        lines.append(
            f"-A {chain} -d {subnet} -o {br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
        )
    else:
        lines.append("# The subnet is routed: anything may reach the VMs.")
        lines.append(f"-A {chain} -d {subnet} -o {br} -j ACCEPT")
    lines += [
        "# The VMs may reach out, and talk to each other.",
        f"-A {chain} -s {subnet} -i {br} -j ACCEPT",
        f"-A {chain} -i {br} -o {br} -j ACCEPT",
    ]
    if nat:
        lines += _forward_accepts(spec, chain)
    reject = "icmp-port-unreachable" if family == 4 else "icmp6-port-unreachable"
    lines += [
        "# Nothing else crosses the bridge (spoofed sources, other subnets).",
        f"-A {chain} -i {br} -j REJECT --reject-with {reject}",
        f"-A {chain} -o {br} -j REJECT --reject-with {reject}",
    ]
    return lines


def _mangle_postrouting(spec: NetworkSpec, chain: str) -> list[str]:
    return [
        "# Fill in the checksum of DHCP replies, which some VM clients otherwise drop.",
        f"-A {chain} -o {spec.bridge} -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill",
    ]


def render_iptables_rules(spec: NetworkSpec, facts: HostFacts, family: IpFamily) -> str:
    """The ``iptables-restore --noflush`` file of ``spec`` for IPv4 (4) or IPv6 (6).

    Only our own chains are declared and filled; a network without an address of
    ``family`` gets a file of comments only.

    Raises:
        ValueError: an address does not parse, or port forwards have no public address.
    """
    tool = _tool(family, restore=True)
    out = [
        header(purpose=f"{tool} -w --noflush: the chains of bridge {spec.bridge} only."),
    ]
    chains = firewall_chains(spec, family)
    if not chains:
        out.append(f"# {spec.name} has no IPv{family} address: no rules.\n")
        return "".join(out)

    body: dict[Table, list[str]] = {}
    for table, builtin, ours in chains:
        if table == "mangle":
            rules = _mangle_postrouting(spec, ours)
        elif table == "nat" and builtin == "PREROUTING":
            rules = _nat_prerouting(spec, facts, ours)
        elif table == "nat":
            rules = _nat_postrouting(network(spec.ipv4).cidr, ours)
        elif builtin == "INPUT":
            rules = _input(spec, family, ours)
        else:
            rules = _forward(spec, family, ours)
        body.setdefault(table, []).extend(rules)

    for table, rules in body.items():
        out.append(f"*{table}\n")
        out.extend(f":{ours} - [0:0]\n" for t, _, ours in chains if t == table)
        out.extend(rule + "\n" for rule in rules)
        out.append("COMMIT\n")
    return "".join(out)
