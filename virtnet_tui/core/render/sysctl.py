"""Renders and parses sysctl.d files for bridge netfilter and IP forwarding."""

from __future__ import annotations

from virtnet_tui.core.render.header import header

BRIDGE_NF_PATH = "/etc/sysctl.d/bridge.conf"
FORWARDING_PATH = "/etc/sysctl.d/90-virtnet-wizard-forwarding.conf"

#: Off, so bridged frames skip iptables/ip6tables/arptables: faster, and host rules stay host rules.
BRIDGE_NF_SETTINGS: tuple[tuple[str, str], ...] = (
    ("net.bridge.bridge-nf-call-ip6tables", "0"),
    ("net.bridge.bridge-nf-call-iptables", "0"),
    ("net.bridge.bridge-nf-call-arptables", "0"),
)


def forwarding_settings(ipv4: bool, ipv6: bool) -> tuple[tuple[str, str], ...]:
    """The keys that let the host route packets between its uplink and the VM bridges."""
    settings: list[tuple[str, str]] = []
    if ipv4:
        settings += [("net.ipv4.ip_forward", "1"), ("net.ipv4.conf.all.forwarding", "1")]
    if ipv6:
        settings.append(("net.ipv6.conf.all.forwarding", "1"))
    return tuple(settings)


def render_bridge_nf_sysctl() -> str:
    """``/etc/sysctl.d/bridge.conf``: bridged traffic bypasses the host firewall."""
    purpose = "Loaded with br_netfilter by /etc/udev/rules.d/99-bridge.rules."
    return _render(purpose, BRIDGE_NF_SETTINGS)


def render_forwarding_sysctl(ipv4: bool, ipv6: bool) -> str:
    """``/etc/sysctl.d/90-virtnet-wizard-forwarding.conf``: route traffic to and from VMs."""
    return _render("The host routes packets for its VMs.", forwarding_settings(ipv4, ipv6))


def parse_sysctl(text: str) -> dict[str, str]:
    """The ``key = value`` settings of a sysctl.conf-style text, later lines winning.

    Comment lines (``#`` or ``;``) and blank lines are skipped; a leading ``-`` (ignore
    errors, for systemd-sysctl) is dropped from the key.

    Raises:
        ValueError: a line is neither a comment nor ``key = value``.
    """
    settings: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        key = key.strip().removeprefix("-")
        if not sep or not key:
            raise ValueError(f"line {number}: expected key = value, got {raw!r}")
        settings[key] = value.strip()
    return settings


def _render(purpose: str, settings: tuple[tuple[str, str], ...]) -> str:
    return header("#", purpose) + "".join(f"{key}={value}\n" for key, value in settings)
