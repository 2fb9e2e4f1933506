"""Plans for hosts whose uplink netplan or systemd-networkd configures."""

from __future__ import annotations

from virtnet_tui.core.model import Answers, HostFacts, NetworkSpec, Situation
from virtnet_tui.core.plan import CommandStep, FileStep, Plan
from virtnet_tui.core.planning import prepare

MAC = "0c:c4:7a:92:ec:ee"
CLOUD_INIT = f"""\
network:
    ethernets:
        ens3:
            dhcp4: true
            match:
                macaddress: {MAC}
            set-name: eth0
    version: 2
"""
NETWORK_UNIT = "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n"
BRIDGED = NetworkSpec("bridged", "br0", "br0")
CUSTOM = NetworkSpec(
    "custom-nat",
    "virbr10",
    "virbr10",
    ipv4="192.168.100.1/24",
    dhcp4=("192.168.100.10", "192.168.100.99"),
    bridge_mac="52:54:00:aa:bb:cc",
)


def _plan(netconfig: str, files: tuple[tuple[str, str], ...], *networks: NetworkSpec) -> Plan:
    host = HostFacts(
        distro="ubuntu",
        netconfig=netconfig,  # type: ignore[arg-type]
        uplink_interface="eth0",
        mac=MAC,
        ipv4="203.0.113.10/24",
        gateway4="203.0.113.1",
        default_network_active=False,
        files=files,
    )
    situation = Situation(bridging_allowed=True, public_ipv4=4, vms=2)
    return prepare(Answers(situation=situation, host=host, networks=networks)).plan


def _argvs(plan: Plan) -> list[tuple[str, ...]]:
    return [tuple(s.argv) for _, _, s in plan.steps() if isinstance(s, CommandStep)]


def _files(plan: Plan) -> dict[str, FileStep]:
    return {s.path: s for _, _, s in plan.steps() if isinstance(s, FileStep)}


def test_netplan_bridging_edits_cloud_inits_file_private_and_reloads_networkd() -> None:
    plan = _plan("netplan", (("/etc/netplan/50-cloud-init.yaml", CLOUD_INIT),), BRIDGED)
    files = _files(plan)
    edited = files["/etc/netplan/50-cloud-init.yaml"]
    assert edited.mode == 0o600 and not edited.keep_mode
    assert "br0:" in edited.content and "dhcp4: true" in edited.content
    assert "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg" in files
    argvs = _argvs(plan)
    assert ("netplan", "generate") in argvs and ("networkctl", "reload") in argvs
    assert not any(a[0] in ("ifup", "ifdown", "brctl") for a in argvs)
    assert "bridge-utils" not in " ".join(" ".join(a) for a in argvs)
    stage = next(s for s in plan.stages if "onto bridge br0" in s.name)
    assert stage.risky
    # Undo reloads with the old files first (networkd then takes eth0 out of br0), and
    # only then deletes the bridge, which the stage's first step made.
    assert stage.after_undo == (
        ("netplan", "generate"),
        ("networkctl", "reload"),
        ("ip", "link", "delete", "br0"),
    )
    first = stage.steps[0]
    assert isinstance(first, CommandStep)
    assert first.argv[:4] == ("ip", "link", "add", "br0") and MAC in first.argv


def test_netplan_custom_bridge_is_a_file_of_its_own_with_its_mac() -> None:
    plan = _plan("netplan", (("/etc/netplan/50-cloud-init.yaml", CLOUD_INIT),), CUSTOM)
    files = _files(plan)
    assert "/etc/netplan/50-cloud-init.yaml" not in files
    own = files["/etc/netplan/60-virtnet-virbr10.yaml"]
    assert own.mode == 0o600 and "52:54:00:aa:bb:cc" in own.content
    assert not any("dummy" in path for path in files)
    # No ifupdown hooks start dnsmasq: it starts with systemd.
    assert ("systemctl", "enable", "--now", "dnsmasq@virbr10.service") in _argvs(plan)


def test_networkd_bridging_writes_units_that_come_first_and_leaves_the_old_one() -> None:
    files_before = (("/etc/systemd/network/10-eth0.network", NETWORK_UNIT),)
    plan = _plan("networkd", files_before, BRIDGED, CUSTOM)
    files = _files(plan)
    assert "/etc/systemd/network/10-eth0.network" not in files
    port = files["/etc/systemd/network/00-virtnet-eth0.network"].content
    assert "Bridge=br0" in port
    assert "DHCP=yes" in files["/etc/systemd/network/00-virtnet-br0.network"].content
    assert f"MACAddress={MAC}" in files["/etc/systemd/network/00-virtnet-br0.netdev"].content
    vm_only = files["/etc/systemd/network/00-virtnet-virbr10.network"].content
    assert "ConfigureWithoutCarrier=yes" in vm_only
    argvs = _argvs(plan)
    assert argvs.count(("networkctl", "reload")) == 2 and ("netplan", "generate") not in argvs


def test_a_debian_host_without_netconfig_still_gets_ifupdown() -> None:
    host = HostFacts(
        uplink_interface="eth0", mac=MAC, ipv4="203.0.113.10/24", default_network_active=False
    )
    situation = Situation(bridging_allowed=True, public_ipv4=4, vms=2)
    plan = prepare(Answers(situation=situation, host=host, networks=(BRIDGED,))).plan
    assert ("ifup", "br0") in _argvs(plan)
    assert "/etc/network/interfaces" in _files(plan)


def test_netplan_without_a_file_for_the_uplink_defines_it_in_the_wizards_own() -> None:
    plan = _plan("netplan", (), BRIDGED)
    own = _files(plan)["/etc/netplan/60-virtnet-br0.yaml"]
    assert own.mode == 0o600
    assert "eth0: {}" in own.content and "203.0.113.10/24" in own.content
    assert "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg" not in _files(plan)


def test_an_uplink_unit_named_before_ours_is_hidden_by_its_namesake() -> None:
    files_before = (("/usr/lib/systemd/network/00-aaa.network", NETWORK_UNIT),)
    files = _files(_plan("networkd", files_before, BRIDGED))
    assert "Bridge=br0" in files["/etc/systemd/network/00-aaa.network"].content
    assert "/etc/systemd/network/00-virtnet-eth0.network" not in files
