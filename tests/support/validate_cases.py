"""Clean answers to start from, one-field changes to break them, and the checks of the findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from virtnet_tui.core.model import Answers, DhcpHost, HostFacts, NetworkSpec, PortForward, Situation
from virtnet_tui.core.validate.answers import check_answers

Change = Callable[[Answers], Answers]

# The reference custom NAT network, with a unicast uplink MAC.
NAT = Answers(
    situation=Situation(site="dedicated", uplink="ethernet", vms=4, ipv6_prefix=56, inbound=True),
    host=HostFacts(
        uplink_interface="eth0",
        mac="00:25:90:ab:cd:ef",
        ipv4="203.0.113.166/29",
        gateway4="203.0.113.161",
        ipv6="2001:db8::1/64",
        gateway6="fe80::1",
    ),
    networks=(
        NetworkSpec(
            type="custom-nat",
            name="virbr10",
            bridge="virbr10",
            ipv4="192.168.100.1/24",
            dhcp4=("192.168.100.2", "192.168.100.254"),
            ipv6="2001:db8:aa::1/64",
            bridge_mac="52:54:00:7e:27:af",
            public_ipv4="203.0.113.3",
            dhcp_hosts=(DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3"),),
            forwards=(PortForward("tcp", (80, 443), "192.168.100.77"),),
        ),
    ),
)

# The handbook's routed case: a /29 sliced from the host's /28, the bridge on its
# network address, and a /64 for VMs taken from the host's IPv6 block.
ROUTED = Answers(
    situation=Situation(site="dedicated", uplink="ethernet", public_ipv4=6, ipv6_prefix=56),
    host=HostFacts(
        mac="00:25:90:ab:cd:ef",
        ipv4="203.0.113.86/28",
        gateway4="203.0.113.81",
        ipv6="2001:db8::1/56",
        gateway6="fe80::1",
    ),
    networks=(
        NetworkSpec(
            type="custom-routed",
            name="virbr10",
            bridge="virbr10",
            ipv4="203.0.113.88/29",
            dhcp4=("203.0.113.89", "203.0.113.94"),
            ipv6="2001:db8:0:aa::/64",
            bridge_mac="52:54:00:7e:27:af",
        ),
    ),
)

BRIDGED = Answers(
    situation=Situation(site="dedicated", uplink="ethernet", bridging_allowed=True),
    host=HostFacts(
        mac="00:25:90:ab:cd:ef",
        ipv4="203.0.113.166/29",
        gateway4="203.0.113.161",
    ),
    networks=(NetworkSpec(type="bridged", name="br0", bridge="br0"),),
)

V6_HOST = DhcpHost(ip="2001:db8:aa::1010", id="00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b")
DHCPV6: dict[str, Any] = {
    "ipv6_mode": "dhcpv6",
    "dhcp6": ("2001:db8:aa::1000", "2001:db8:aa::1fff"),
}


def situation(**changes: Any) -> Change:
    return lambda a: replace(a, situation=replace(a.situation, **changes))


def host(**changes: Any) -> Change:
    return lambda a: replace(a, host=replace(a.host, **changes))


def net(index: int = 0, **changes: Any) -> Change:
    def change(a: Answers) -> Answers:
        networks = list(a.networks)
        networks[index] = replace(networks[index], **changes)
        return replace(a, networks=tuple(networks))

    return change


def lease(*entries: DhcpHost, **network: Any) -> Change:
    return net(dhcp_hosts=entries, **network)


def forward(*entries: PortForward, **network: Any) -> Change:
    return net(forwards=entries, **network)


def both(*changes: Change) -> Change:
    def change(a: Answers) -> Answers:
        for step in changes:
            a = step(a)
        return a

    return change


def second_network(**fields: Any) -> Change:
    base = {"type": "custom-nat", "name": "virbr11", "bridge": "virbr11"}
    return lambda a: replace(a, networks=(*a.networks, NetworkSpec(**{**base, **fields})))


def error_fields(answers: Answers) -> list[str]:
    return [error.field for error in check_answers(answers).errors]


def assert_one_error(answers: Answers, field: str) -> None:
    """``answers`` give exactly one error, on ``field``, with a reason that names it."""
    findings = check_answers(answers)
    assert [error.field for error in findings.errors] == [field], findings.errors
    (error,) = findings.errors
    assert error.reason
    assert str(error).startswith(field)


def assert_one_warning(answers: Answers, field: str) -> None:
    """``answers`` give no error and exactly one warning, on ``field``."""
    findings = check_answers(answers)
    assert findings.errors == ()
    assert [warning.field for warning in findings.warnings] == [field]
