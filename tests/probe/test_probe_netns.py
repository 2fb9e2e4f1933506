"""The probe against a real network namespace: veth uplink, a bridge, addresses and routes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest
from support.netns import Netns, netns

from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.probe.model import ProbeResult
from virtnet_tui.probe.run import probe

pytestmark = pytest.mark.netns

ETH0_MAC = "02:00:5e:10:00:0a"
BRIDGE_MAC = "02:00:5e:10:00:05"


class SessionHost(NetnsHost):
    """The namespace as a host, with the environment of an SSH session."""

    def __init__(self, name: str, environ: Mapping[str, str]) -> None:
        super().__init__(name)
        self._environ = dict(environ)

    @property
    def environ(self) -> Mapping[str, str]:
        return self._environ

    def libvirt_uri(self) -> str:
        # Never the machine's libvirtd: the namespace has none of its own.
        return "test:///nonexistent-virtnet-probe.xml"


@dataclass(frozen=True)
class Server:
    host_ns: Netns
    lan_ns: Netns


@pytest.fixture
def server(ns: Netns) -> Iterator[Server]:
    """``ns`` as a server: veth eth0 to a LAN namespace, bridge virbr5 with one VM port."""
    with netns("vnwlan") as lan:
        ns.run(
            "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "lan0", "netns", lan.name
        )
        ns.run("ip", "link", "set", "eth0", "address", ETH0_MAC)
        ns.run("ip", "address", "add", "203.0.113.10/24", "dev", "eth0")
        ns.run("ip", "address", "add", "2001:db8:5::2/64", "dev", "eth0", "nodad")
        ns.run("ip", "link", "set", "eth0", "up")
        lan.run("ip", "address", "add", "203.0.113.1/24", "dev", "lan0")
        lan.run("ip", "address", "add", "2001:db8:5::1/64", "dev", "lan0", "nodad")
        lan.run("ip", "link", "set", "lan0", "up")
        ns.run("ip", "route", "add", "default", "via", "203.0.113.1")
        ns.run("ip", "-6", "route", "add", "default", "via", "2001:db8:5::1")
        ns.add_bridge("virbr5", "192.168.55.1/24", "2001:db8:55::1/64")
        ns.run("ip", "link", "set", "virbr5", "address", BRIDGE_MAC)
        # A VM's tap stand-in: it gives the bridge a carrier, so its routes are live.
        ns.run("ip", "link", "add", "vnet0", "type", "veth", "peer", "name", "vm0")
        ns.run("ip", "link", "set", "vnet0", "master", "virbr5")
        ns.run("ip", "link", "set", "vnet0", "up")
        ns.run("ip", "link", "set", "vm0", "up")
        yield Server(ns, lan)


def _probe(server: Server, ssh: str = "") -> ProbeResult:
    env = {"SSH_CONNECTION": ssh} if ssh else {}
    return probe(SessionHost(server.host_ns.name, env))


def test_interfaces_addresses_and_routes(server: Server) -> None:
    result = _probe(server)
    kinds = {i.name: i.kind for i in result.interfaces}
    assert kinds == {
        "lo": "loopback",
        "eth0": "veth",
        "virbr5": "bridge",
        "vnet0": "veth",
        "vm0": "veth",
    }
    eth0, bridge, vnet0 = (result.interface(n) for n in ("eth0", "virbr5", "vnet0"))
    assert eth0 is not None and bridge is not None and vnet0 is not None
    assert eth0.mac == ETH0_MAC and bridge.mac == BRIDGE_MAC
    assert eth0.state == "up" and vnet0.master == "virbr5" and eth0.master == ""
    assert [a.cidr for a in eth0.global_addresses(4)] == ["203.0.113.10/24"]
    assert [a.cidr for a in eth0.global_addresses(6)] == ["2001:db8:5::2/64"]
    assert any(a.scope == "link" for a in eth0.addresses), "the kernel's fe80:: address"
    assert [a.cidr for a in bridge.global_addresses(4)] == ["192.168.55.1/24"]
    assert [(r.family, r.dev, r.gateway) for r in result.default_routes] == [
        (4, "eth0", "203.0.113.1"),
        (6, "eth0", "2001:db8:5::1"),
    ]
    facts = result.facts
    assert (facts.uplink_interface, facts.mac) == ("eth0", ETH0_MAC)
    assert (facts.ipv4, facts.gateway4) == ("203.0.113.10/24", "203.0.113.1")
    assert (facts.ipv6, facts.gateway6) == ("2001:db8:5::2/64", "2001:db8:5::1")
    assert result.ipv6_prefix == 64 and not result.wireless
    assert set(facts.used_bridges) == {"lo", "eth0", "virbr5", "vnet0", "vm0"}
    # the uplink's own subnets are checked against host.ipv4/ipv6 instead
    assert set(facts.used_subnets) == {"192.168.55.0/24", "2001:db8:55::/64"}
    assert not result.libvirt_reachable
    assert any(p.startswith("libvirt unreachable: ") for p in result.problems)
    assert ("ip", "-j", "-d", "link", "show") in result.commands
    assert result.seconds < 3.0, f"the probe took {result.seconds:.2f} s"


def test_the_ssh_session_and_the_link_that_carries_it(server: Server) -> None:
    result = _probe(server, "198.51.100.23 50522 203.0.113.10 2222")
    assert result.ssh is not None
    assert (result.ssh.client, result.ssh.server, result.ssh.server_port) == (
        "198.51.100.23",
        "203.0.113.10",
        2222,
    )
    assert result.ssh.interface == "eth0", "reached through the default route"
    assert result.facts.ssh_port == 2222
    # The kernel's route decides, not the address the session arrived at.
    inside = _probe(server, "192.168.55.20 40000 203.0.113.10 22")
    assert inside.ssh is not None and inside.ssh.interface == "virbr5"
    v6 = _probe(server, "2001:db8:55::20 40000 2001:db8:5::2 22")
    assert v6.ssh is not None and v6.ssh.interface == "virbr5"


def test_a_namespace_without_a_default_route(ns: Netns) -> None:
    ns.add_bridge("virbr7", "192.168.77.1/24")
    result = probe(SessionHost(ns.name, {}))
    assert result.default_routes == ()
    assert result.facts.uplink_interface == "" and result.facts.gateway4 == ""
    assert "no uplink interface found" in result.problems
    assert "192.168.77.0/24" in result.facts.used_subnets
