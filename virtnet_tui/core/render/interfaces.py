"""Renders and edits Debian ifupdown stanzas for bridged networks and custom virtual bridges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netaddr import IPNetwork

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.header import header

INDENT = "    "

#: Lines that start a new stanza in /etc/network/interfaces; anything else is an option line.
_STANZA_KEYWORDS = frozenset(
    {
        "iface",
        "mapping",
        "auto",
        "source",
        "source-directory",
        "rename",
        "no-auto-down",
        "no-scripts",
    }
)
#: Stanzas that list interface names after the keyword.
_NAME_LISTS = frozenset({"auto", "no-auto-down", "no-scripts"})


#: Options of an uplink stanza that the bridge's stanzas write themselves (addresses, the
#: MAC, how IPv6 is configured); every other plain option moves over to the bridge.
_ADDRESSING = frozenset(
    {
        "address", "netmask", "broadcast", "network", "gateway", "pointopoint", "hwaddress",
        "scope", "autoconf", "accept_ra", "privext", "dad-attempts", "dad-interval",
    }
)  # fmt: skip
#: Commands run around ifup/ifdown: they may be about the card (offloads, its MTU), so
#: they stay with the uplink, which still comes up, now as a port.
_HOOKS = frozenset({"pre-up", "up", "post-up", "down", "pre-down", "post-down"})


@dataclass(frozen=True)
class UplinkOptions:
    """What the uplink's own stanzas say besides its addresses."""

    inet: tuple[str, ...] = ()
    """Options for the bridge's IPv4 stanza (``dns-nameservers``, ``dns-search``, ``mtu``...)."""
    inet6: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()
    """The uplink's up/down commands, kept on its (now port) stanza."""


def uplink_options(existing: str, uplink: str) -> UplinkOptions:
    """Read ``uplink``'s ``iface`` stanzas in ``existing`` for what must survive bridging."""
    found: dict[str, list[str]] = {"inet": [], "inet6": [], "hooks": []}
    for block in _blocks(existing.splitlines()):
        words = block.words
        if len(words) < 3 or words[0] != "iface" or words[1] != uplink:
            continue
        family = "inet6" if words[2] == "inet6" else "inet"
        for line in block.body:
            option = line.strip()
            if not option or option.startswith("#"):
                continue
            name = option.split()[0]
            if name in _HOOKS:
                found["hooks"].append(option)
            elif name not in _ADDRESSING and option not in found[family]:
                found[family].append(option)
    return UplinkOptions(tuple(found["inet"]), tuple(found["inet6"]), tuple(found["hooks"]))


def render_bridged_stanzas(spec: NetworkSpec, facts: HostFacts, existing: str = "") -> str:
    """Stanzas that enslave the uplink to ``spec.bridge`` and move the host's addresses onto it.

    ``existing`` is the current interfaces file: the uplink's DNS servers and other options
    move to the bridge with its addresses, and its up/down commands stay with it.
    """
    uplink = spec.uplink or facts.uplink_interface
    bridge = spec.bridge
    kept = uplink_options(existing, uplink)
    inet: list[str] = []
    if facts.mac:
        # The bridge keeps the uplink's MAC, the only one the provider's switch may accept.
        inet.append(f"hwaddress ether {facts.mac}")
    if facts.ipv4:
        net = IPNetwork(facts.ipv4)
        inet += [f"address {net.ip}", f"netmask {net.netmask}"]
        if facts.gateway4:
            inet.append(f"gateway {facts.gateway4}")
    inet += [f"bridge_ports {uplink}", "bridge_stp off", "bridge_fd 0", *kept.inet]
    method = "static" if facts.ipv4 else "dhcp"
    stanzas = [
        _stanza(f"iface {uplink} inet manual", list(kept.hooks)),
        f"auto {bridge}\n" + _stanza(f"iface {bridge} inet {method}", inet),
    ]
    if facts.ipv6:
        net6 = IPNetwork(facts.ipv6)
        inet6 = [f"address {net6.ip}", f"netmask {net6.prefixlen}"]
        if facts.gateway6:
            inet6.append(f"gateway {facts.gateway6}")
        # A server's address is fixed; router advertisements must not add another one.
        inet6 += ["autoconf 0", *kept.inet6]
        stanzas.append(_stanza(f"iface {bridge} inet6 static", inet6))
    purpose = f"{uplink} is a port of bridge {bridge}, which holds the host's addresses."
    return _join(purpose, stanzas)


def render_virtual_bridge_stanzas(
    spec: NetworkSpec, facts: HostFacts, hook_lines: Sequence[str] = ()
) -> str:
    """Stanzas for a custom network's virtual bridge, with its dummy port when the kernel has one.

    Args:
        spec: the custom routed or NAT network.
        facts: the host; ``dummy_supported`` picks a dummy port or a MAC set on the bridge.
        hook_lines: extra option lines for the IPv4 stanza (``up``/``down`` commands).
    """
    bridge = spec.bridge
    dummy = f"{bridge}-dummy"
    stanzas: list[str] = []
    if facts.dummy_supported:
        # A bridge takes the lowest MAC of its ports; a dummy port with a chosen MAC, attached
        # before any VM, keeps the bridge's MAC the same across reboots.
        stanzas.append(
            f"auto {dummy}\n"
            + _stanza(
                f"iface {dummy} inet manual",
                [
                    f"pre-up /sbin/ip link add {dummy} type dummy",
                    f"up /sbin/ip link set {dummy} address {spec.bridge_mac}",
                    f"post-down /sbin/ip link delete {dummy}",
                ],
            )
        )
        ports = [f"bridge_ports {dummy}"]
    else:
        ports = ["bridge_ports none", f"hwaddress ether {spec.bridge_mac}"]
    inet = [*ports, "bridge_stp on", "bridge_fd 2"]
    if spec.ipv4:
        net = IPNetwork(spec.ipv4)
        inet += [f"address {net.ip}", f"netmask {net.netmask}"]
        method = "static"
    else:
        method = "manual"
    inet += hook_lines
    stanzas.append(f"auto {bridge}\n" + _stanza(f"iface {bridge} inet {method}", inet))
    ipv6 = spec.ipv6 if spec.ipv6_mode != "none" else ""
    if ipv6:
        net6 = IPNetwork(ipv6)
        # A bridge has no carrier until a port forwards, so duplicate address detection cannot
        # finish and ifup would give up on the address; the kernel completes it later anyway.
        inet6 = [f"address {net6.ip}", f"netmask {net6.prefixlen}", "dad-attempts 0"]
        stanzas.append(_stanza(f"iface {bridge} inet6 static", inet6))
    purpose = f"Virtual bridge {bridge} of the {spec.type} network {spec.name}."
    return _join(purpose, stanzas)


def edit_interfaces(existing: str, drop: Sequence[str], append: str) -> str:
    """``existing`` without the stanzas of ``drop``, then ``append`` after a blank line.

    Removed: every ``iface``/``mapping`` block of a dropped interface (with the comment lines
    right above it), and dropped names from ``auto``/``allow-*`` lines (the whole line, with its
    comments, when no name is left). Comments and other stanzas are kept. When ``append`` only
    defines interfaces in ``drop``, editing again gives the same text.
    """
    names = set(drop)
    lines = existing.splitlines()
    kept: list[str] = []
    for block in _blocks(lines):
        kept += _edit_block(block, names)
    while kept and not kept[-1].strip():
        kept.pop()
    if not append.strip():
        return "\n".join(kept) + "\n" if kept else ""
    text = append if append.endswith("\n") else append + "\n"
    return ("\n".join(kept) + "\n\n" if kept else "") + text


@dataclass
class _Block:
    """A stanza with the comments right above it and the blank lines after it."""

    comments: list[str]
    head: str
    body: list[str]
    trailing: list[str]

    @property
    def words(self) -> list[str]:
        return self.head.split()


def _blocks(lines: list[str]) -> list[_Block]:
    """Splits the file into blocks; text before the first stanza is a block without head."""
    starts = [i for i, line in enumerate(lines) if _is_stanza_start(line)]
    blocks: list[_Block] = []
    prefix_end = starts[0] if starts else len(lines)
    pending = lines[:prefix_end]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        comments = _take_attached_comments(pending)
        if blocks:
            blocks[-1].trailing += pending
        elif pending:
            blocks.append(_Block([], "", [], pending))
        body, pending = _split_tail(lines[start + 1 : end])
        blocks.append(_Block(comments, lines[start], body, []))
    if starts:
        blocks[-1].trailing += pending
    elif pending:
        blocks.append(_Block([], "", [], pending))
    return blocks


def _take_attached_comments(pending: list[str]) -> list[str]:
    """Removes and returns the comment lines at the end of ``pending`` (no blank line between)."""
    count = 0
    while count < len(pending) and pending[len(pending) - 1 - count].lstrip().startswith("#"):
        count += 1
    taken = pending[len(pending) - count :]
    del pending[len(pending) - count :]
    return taken


def _split_tail(lines: list[str]) -> tuple[list[str], list[str]]:
    """A stanza body and what follows it: blank lines and unindented comments at its end."""
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return lines[:end], lines[end:]


def _edit_block(block: _Block, names: set[str]) -> list[str]:
    """The block's lines after dropping ``names`` from it."""
    words = block.words
    if not words:
        return block.trailing
    keyword = words[0]
    # A removed stanza takes its attached comments and the blank lines after it along;
    # comments standing on their own further down stay.
    removed = _drop_leading_blanks(block.trailing)
    if keyword == "iface" and len(words) > 1 and words[1] in names:
        return removed
    if keyword == "mapping" or keyword in _NAME_LISTS or keyword.startswith("allow-"):
        listed = words[1:]
        left = [w for w in listed if w not in names]
        if not left:
            return removed
        if len(left) < len(listed):
            indent = block.head[: len(block.head) - len(block.head.lstrip())]
            head = indent + " ".join([keyword, *left])
            return [*block.comments, head, *block.body, *block.trailing]
    return [*block.comments, block.head, *block.body, *block.trailing]


def _drop_leading_blanks(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    return lines[start:]


def _is_stanza_start(line: str) -> bool:
    words = line.split()
    if not words:
        return False
    return words[0] in _STANZA_KEYWORDS or words[0].startswith("allow-")


def _stanza(head: str, options: Sequence[str]) -> str:
    return "\n".join([head, *(INDENT + o for o in options)]) + "\n"


def _join(purpose: str, stanzas: Sequence[str]) -> str:
    # The header sits right above the first stanza so that edit_interfaces removes it with that
    # stanza on a re-run instead of piling up copies.
    return header("#", purpose) + "\n".join(stanzas)
