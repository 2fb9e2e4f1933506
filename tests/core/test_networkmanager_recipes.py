"""Plans for hosts whose uplink NetworkManager configures from its own keyfiles."""

from __future__ import annotations

from virtnet_tui.core.model import Answers, HostFacts, NetworkSpec, Situation
from virtnet_tui.core.plan import CommandStep, FileStep, Plan
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.render.keyfile import profile_uuid

MAC = "0c:c4:7a:92:ec:ee"
KEYDIR = "/etc/NetworkManager/system-connections"
UPLINK = """\
[connection]
id=System eth0
uuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03
type=ethernet
interface-name=eth0

[ipv4]
address1=203.0.113.10/24,203.0.113.1
dns=203.0.113.53;
method=manual
"""
BRIDGED = NetworkSpec("bridged", "br0", "br0")
CUSTOM = NetworkSpec(
    "custom-nat",
    "virbr10",
    "virbr10",
    ipv4="192.168.100.1/24",
    dhcp4=("192.168.100.10", "192.168.100.99"),
    bridge_mac="52:54:00:aa:bb:cc",
)


def _plan(*networks: NetworkSpec, files: tuple[tuple[str, str], ...] = (), **host: str) -> Plan:
    facts = HostFacts(
        distro="rhel",
        distro_version="9.4",
        network_manager=True,
        netconfig="networkmanager",
        uplink_interface="eth0",
        mac=MAC,
        ipv4="203.0.113.10/24",
        gateway4="203.0.113.1",
        default_network_active=False,
        files=files,
    )
    for key, value in host.items():
        facts = HostFacts(**{**facts.__dict__, key: value})
    situation = Situation(bridging_allowed=True, public_ipv4=4, vms=2)
    return prepare(Answers(situation=situation, host=facts, networks=networks)).plan


def _argvs(plan: Plan) -> list[tuple[str, ...]]:
    return [tuple(s.argv) for _, _, s in plan.steps() if isinstance(s, CommandStep)]


def _files(plan: Plan) -> dict[str, FileStep]:
    return {s.path: s for _, _, s in plan.steps() if isinstance(s, FileStep)}


def test_bridging_writes_two_private_keyfiles_loads_and_activates_the_bridge() -> None:
    plan = _plan(BRIDGED, files=((f"{KEYDIR}/eth0.nmconnection", UPLINK),))
    files = _files(plan)
    bridge, port = (
        files[f"{KEYDIR}/br0.nmconnection"],
        files[f"{KEYDIR}/br0-port-eth0.nmconnection"],
    )
    assert bridge.mode == port.mode == 0o600
    assert "address1=203.0.113.10/24,203.0.113.1" in bridge.content
    assert "dns=203.0.113.53;" in bridge.content and "autoconnect-slaves=1" in bridge.content
    assert f"master={profile_uuid('br0')}" in port.content
    # The old profile is kept: never written, never deleted.
    assert f"{KEYDIR}/eth0.nmconnection" not in files
    argvs = _argvs(plan)
    load = ("nmcli", "connection", "load", bridge.path, port.path)
    up = ("nmcli", "connection", "up", "uuid", profile_uuid("br0"))
    assert argvs.index(load) < argvs.index(up)
    assert not any(a[0] in ("ifup", "ifdown", "brctl") or "delete" in a for a in argvs)
    assert not any("network-scripts" in p for p in files)
    stage = next(s for s in plan.stages if "onto bridge br0" in s.name)
    assert stage.risky
    # Undo: files gone, NetworkManager forgets the profiles, the old one comes back.
    assert stage.after_undo == (
        ("nmcli", "connection", "reload"),
        ("nmcli", "connection", "up", "uuid", "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03"),
    )
    assert not plan.warnings or all("ifcfg" not in w for w in plan.warnings)


def test_without_the_uplinks_keyfile_the_probed_addresses_and_a_warning() -> None:
    plan = _plan(BRIDGED)
    bridge = _files(plan)[f"{KEYDIR}/br0.nmconnection"]
    assert "address1=203.0.113.10/24,203.0.113.1" in bridge.content
    assert any("no NetworkManager keyfile configures eth0" in w for w in plan.warnings)
    stage = next(s for s in plan.stages if "onto bridge br0" in s.name)
    assert stage.after_undo[-1] == ("nmcli", "device", "connect", "eth0")


def test_a_vm_only_bridge_is_a_profile_with_its_mac_and_no_dummy() -> None:
    plan = _plan(CUSTOM)
    files = _files(plan)
    profile = files[f"{KEYDIR}/virbr10.nmconnection"]
    assert profile.mode == 0o600 and "mac-address=52:54:00:AA:BB:CC" in profile.content
    assert not any("dummy" in p or "dispatcher" in p or "network-scripts" in p for p in files)
    argvs = _argvs(plan)
    assert ("nmcli", "connection", "up", "uuid", profile_uuid("virbr10")) in argvs
    assert not any("dummy" in " ".join(a) for a in argvs)
    # dnsmasq starts at boot: NetworkManager's profiles have no up hooks.
    assert any(a[-1] == "dnsmasq@virbr10.service" and "enable" in a for a in argvs)


def test_ifcfg_files_only_where_networkmanager_reads_them() -> None:
    el8 = _plan(BRIDGED, netconfig="ifcfg", distro_version="8.9")
    assert any("network-scripts/ifcfg-br0" in p for p in _files(el8))
    assert not any("deprecated" in w for w in el8.warnings)
    el9 = _plan(BRIDGED, netconfig="ifcfg")
    assert any("network-scripts/ifcfg-br0" in p for p in _files(el9))
    assert any("deprecated on RHEL 9" in w for w in el9.warnings)
    for distro, version in (("rhel", "10.0"), ("fedora", "42")):
        # With the stack left to the distribution's habit: keyfiles, never ifcfg.
        plan = _plan(BRIDGED, CUSTOM, netconfig="", distro=distro, distro_version=version)
        assert not any("ifcfg" in p for p in _files(plan)), (distro, version)
        assert f"{KEYDIR}/br0.nmconnection" in _files(plan)
