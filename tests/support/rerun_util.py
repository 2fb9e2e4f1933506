"""Helpers for the re-run tests: sandboxes with a network applied, and the CLI in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.apply_sandbox import cli, prime
from virtnet_tui.hosts.sandbox import SANDBOX_COMMAND_LOG, SANDBOX_LIBVIRT_DIR, SandboxHost
from virtnet_tui.managed.state import STATE_PATH

HOST = """\
[situation]
site = "dedicated"
uplink = "ethernet"
public_ipv4 = 1
vms = 4
bridging_allowed = false
ipv6_prefix = 56
inbound = true
firewall = "{firewall}"

[host]
distro = "debian"
network_manager = false
systemd = {systemd}
uplink_interface = "eth0"
mac = "0c:c4:7a:92:ec:ee"
ipv4 = "203.0.113.3/24"
gateway4 = "203.0.113.1"
ipv6 = "2001:db8::1/64"
gateway6 = "fe80::1"
dnsmasq_version = "2.90"
ssh_port = 22
"""

NAT = """
[[network]]
type = "nat"
name = "nat1"
bridge = "virbr1"
ipv4 = "192.168.100.1/24"
dhcp4 = ["192.168.100.2", "192.168.100.254"]
"""

NAT_DHCPV6 = (
    NAT
    + """ipv6 = "2001:db8:0:aa::1/64"
ipv6_mode = "dhcpv6"
"""
)

CUSTOM_NAT = """
[[network]]
type = "custom-nat"
name = "virbr10"
bridge = "virbr10"
ipv4 = "192.168.110.1/24"
dhcp4 = ["192.168.110.2", "192.168.110.254"]
bridge_mac = "52:54:00:7e:27:af"
public_ipv4 = "203.0.113.3"
{extra}"""

FORWARD_80 = """
[[network.dhcp_host]]
mac = "52:54:00:be:0a:f3"
ip = "192.168.110.77"

[[network.forward]]
proto = "tcp"
ports = [80, 443]
to = "192.168.110.77"
"""


#: What ``firewall_safety`` reads before a firewall stage (recorded by the sandbox too).
INSPECTIONS = (
    ["iptables", "-V"],
    ["ip6tables", "-V"],
    ["nft", "list", "ruleset"],
    ["systemctl", "is-active", "firewalld"],
    ["firewall-cmd", "--state"],
    ["iptables", "-w", "-S"],
)


def answers_text(network: str, *, systemd: bool = True, firewall: str = "libvirt") -> str:
    return HOST.format(systemd=str(systemd).lower(), firewall=firewall) + network


def custom_nat(extra: str = "") -> str:
    return CUSTOM_NAT.format(extra=extra)


class Sandbox:
    """A primed sandbox root, driven through ``virtnet-wizard`` in this process."""

    def __init__(
        self, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.root = root
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.host = prime(root)

    def run(self, *argv: str) -> tuple[int, str, str]:
        """``virtnet-wizard ARGV --root ROOT``."""
        return cli(self.capsys, self.monkeypatch, *argv, "--root", str(self.root))

    def ok(self, *argv: str) -> str:
        rc, out, err = self.run(*argv)
        assert rc == 0, f"{argv} exited {rc}:\n{out}\n{err}"
        return out

    def apply(self, text: str, name: str = "answers") -> str:
        """Apply an answers file; returns the run id."""
        path = self.root.parent / f"{name}.toml"
        path.write_text(text)
        out = self.ok("apply", "--answers", str(path), "--yes")
        return out.split("virtnet-wizard rollback ")[1].split()[0]

    def change(self, *argv: str) -> str:
        """A re-run change that must succeed; returns its run id."""
        out = self.ok(*argv)
        return out.split("virtnet-wizard rollback ")[1].split()[0]

    def state(self) -> dict[str, Any]:
        text = self.host.read_text(STATE_PATH)
        assert text is not None, "no state file"
        data: dict[str, Any] = json.loads(text)
        return data

    def network_state(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = next(n for n in self.state()["networks"] if n["name"] == name)
        return found

    def commands(self) -> list[list[str]]:
        """Commands the sandbox recorded, without the executor's read-only firewall look."""
        log = self.root / SANDBOX_COMMAND_LOG
        if not log.exists():
            return []
        recorded = [json.loads(line) for line in log.read_text().splitlines()]
        return [argv for argv in recorded if argv not in INSPECTIONS]

    def saved_network_xml(self, name: str) -> str:
        """The test driver's persisted definition, as a later process loads it."""
        return (self.root / SANDBOX_LIBVIRT_DIR / f"{name}.xml").read_text()

    def live_network_xml(self, name: str) -> str:
        """The definition through a fresh connection (what libvirt serves now)."""
        conn = SandboxHost(self.root).connect_libvirt()
        try:
            return str(conn.networkLookupByName(name).XMLDesc(0))
        finally:
            conn.close()

    def status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.ok("status", "--json"))
        return data
