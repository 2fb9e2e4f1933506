"""Which stack owns the uplink: ifupdown, netplan, systemd-networkd, NetworkManager, ifcfg."""

from __future__ import annotations

from pathlib import Path

import pytest

from virtnet_tui.hosts.base import CommandResult
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.probe.files import SafeFiles, edited_files
from virtnet_tui.probe.netconfig import (
    NETWORKD_LINKS,
    network_files,
    nm_manages,
    owners,
    ownership,
)
from virtnet_tui.probe.run import probe

MAC = "0c:c4:7a:92:ec:ee"
IFUPDOWN = "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n"
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
NETPLAN_NM = """\
network:
  version: 2
  renderer: NetworkManager
  ethernets:
    eth0:
      dhcp4: true
"""
NETWORKD = "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n"
IFCFG = "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n"
NM_DEVICES = ("nmcli", "-t", "-f", "DEVICE,STATE", "device")


def _detect(
    root: Path,
    files: dict[str, str],
    *,
    nm: bool = False,
    devices: str | None = None,
    networkd: bool = False,
    uplink: str = "eth0",
    nm_reads_ifcfg: bool = True,
) -> tuple[str, str]:
    host = SandboxHost(root)
    for path, text in files.items():
        host.write_text(path, text)
    safe = SafeFiles(host)
    texts = edited_files(safe, network_files(safe))
    nm_devices = None if devices is None else CommandResult(NM_DEVICES, 0, devices)
    found = owners(
        safe,
        texts,
        uplink,
        MAC,
        nm_running=nm,
        nm_devices=nm_devices,
        networkd_running=networkd,
        nm_reads_ifcfg=nm_reads_ifcfg,
    )
    owned = ownership(found, uplink)
    return owned.netconfig, owned.problem


def test_an_iface_stanza_means_ifupdown(tmp_path: Path) -> None:
    assert _detect(tmp_path, {"/etc/network/interfaces": IFUPDOWN}) == ("ifupdown", "")


def test_a_stanza_in_interfaces_d_counts_too(tmp_path: Path) -> None:
    files = {
        "/etc/network/interfaces": "source /etc/network/interfaces.d/*\n",
        "/etc/network/interfaces.d/eth0": "iface eth0 inet6 auto\n",
    }
    assert _detect(tmp_path, files) == ("ifupdown", "")


def test_cloud_init_netplan_names_the_uplink_by_mac_and_set_name(tmp_path: Path) -> None:
    files = {"/etc/netplan/50-cloud-init.yaml": CLOUD_INIT}
    assert _detect(tmp_path, files) == ("netplan", "")


def test_netplan_with_the_networkmanager_renderer_is_networkmanager(tmp_path: Path) -> None:
    files = {"/etc/netplan/01-network-manager-all.yaml": NETPLAN_NM}
    assert _detect(tmp_path, files, nm=True, devices="eth0:connected\n")[0] == "networkmanager"


def test_netplans_generated_units_do_not_make_networkd_a_second_owner(tmp_path: Path) -> None:
    files = {
        "/etc/netplan/50-cloud-init.yaml": CLOUD_INIT,
        "/run/systemd/network/10-netplan-ens3.network": NETWORKD,
    }
    assert _detect(tmp_path, files, networkd=True) == ("netplan", "")


def test_a_network_unit_counts_only_while_networkd_runs(tmp_path: Path) -> None:
    files = {"/etc/systemd/network/20-wired.network": NETWORKD}
    assert _detect(tmp_path, files, networkd=True) == ("networkd", "")
    stack, problem = _detect(tmp_path, {}, networkd=False)
    assert stack == "" and "nothing configures eth0" in problem


def test_a_unit_matching_another_link_is_not_the_uplinks(tmp_path: Path) -> None:
    files = {"/etc/systemd/network/20-wired.network": "[Match]\nName=en*\n\n[Network]\nDHCP=yes\n"}
    stack, problem = _detect(tmp_path, files, networkd=True)
    assert stack == "" and "nothing configures eth0" in problem


def test_ifupdown_and_netplan_both_naming_the_uplink_is_mixed(tmp_path: Path) -> None:
    files = {"/etc/network/interfaces": IFUPDOWN, "/etc/netplan/50-cloud-init.yaml": CLOUD_INIT}
    stack, problem = _detect(tmp_path, files)
    assert stack == ""
    assert "several stacks configure eth0" in problem
    assert "ifupdown" in problem and "/etc/netplan/50-cloud-init.yaml" in problem


def test_networkmanager_with_an_ifcfg_profile_is_ifcfg(tmp_path: Path) -> None:
    files = {"/etc/sysconfig/network-scripts/ifcfg-eth0": IFCFG}
    assert _detect(tmp_path, files, nm=True, devices="eth0:connected\n") == ("ifcfg", "")


def test_networkmanager_with_its_own_profile_is_networkmanager(tmp_path: Path) -> None:
    assert _detect(tmp_path, {}, nm=True, devices="eth0:connected\nlo:unmanaged\n") == (
        "networkmanager",
        "",
    )


def test_networkmanager_leaving_the_uplink_alone_is_not_its_owner(tmp_path: Path) -> None:
    files = {"/etc/network/interfaces": IFUPDOWN}
    assert _detect(tmp_path, files, nm=True, devices="eth0:unmanaged\n") == ("ifupdown", "")


def test_ifcfg_network_scripts_without_networkmanager(tmp_path: Path) -> None:
    files = {"/etc/sysconfig/network-scripts/ifcfg-eth0": IFCFG}
    assert _detect(tmp_path, files) == ("ifcfg", "")


@pytest.mark.parametrize(
    ("stdout", "managed"),
    [("eth0:connected\n", True), ("eth0:unmanaged\n", False), ("wlan0:connected\n", False)],
)
def test_nm_manages_reads_nmcli(stdout: str, managed: bool) -> None:
    assert nm_manages(CommandResult(NM_DEVICES, 0, stdout), "eth0") is managed
    # No answer from nmcli: a running NetworkManager manages what it is not told to skip.
    assert nm_manages(CommandResult(NM_DEVICES, 1, ""), "eth0") is True


def test_the_probe_reports_the_stack_and_the_files_it_read(tmp_path: Path) -> None:
    from virtnet_tui.probe.demo import seed_demo_host
    from virtnet_tui.probe.run import probe

    seed_demo_host(tmp_path)
    host = SandboxHost(tmp_path)
    (tmp_path / "etc/network/interfaces").unlink()
    host.write_text("/etc/systemd/network/10-eth0.network", NETWORKD)
    host.path(NETWORKD_LINKS).mkdir(parents=True)
    result = probe(host)
    # The demo's systemctl says networkd is inactive: its unit does not count, and
    # nothing else configures eth0.
    assert result.facts.netconfig == ""
    assert any("nothing configures eth0" in p for p in result.problems)
    assert ("/etc/systemd/network/10-eth0.network", NETWORKD) in result.facts.files


def test_a_host_read_for_a_plan_carries_its_netplan_and_networkd_files(tmp_path: Path) -> None:
    """Answers that bring their own [host] facts still edit the host's own netplan file."""
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.model import Answers
    from virtnet_tui.managed.state import with_host_state

    host = SandboxHost(tmp_path)
    host.write_text("/etc/netplan/50-cloud-init.yaml", CLOUD_INIT, mode=0o600)
    host.write_text("/etc/systemd/network/10-eth0.network", NETWORKD)
    files = dict(with_host_state(Answers(), host, State()).host.files)
    assert files["/etc/netplan/50-cloud-init.yaml"] == CLOUD_INIT
    assert files["/etc/systemd/network/10-eth0.network"] == NETWORKD


def test_networkmanagers_keyfiles_are_read_for_the_recipes(tmp_path: Path) -> None:
    keyfile = "[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\n"
    host = SandboxHost(tmp_path)
    host.write_text("/etc/NetworkManager/system-connections/eth0.nmconnection", keyfile)
    host.write_text("/run/NetworkManager/system-connections/lo.nmconnection", "[connection]\n")
    host.write_text("/etc/NetworkManager/system-connections/eth0.nmconnection.bak", "x")
    safe = SafeFiles(host)
    assert network_files(safe)[-2:] == [
        "/etc/NetworkManager/system-connections/eth0.nmconnection",
        "/run/NetworkManager/system-connections/lo.nmconnection",
    ]
    texts = dict(edited_files(safe, network_files(safe)))
    assert texts["/etc/NetworkManager/system-connections/eth0.nmconnection"] == keyfile
    assert _detect(tmp_path, {}, nm=True, devices="eth0:connected\n")[0] == "networkmanager"


def test_an_ifcfg_file_networkmanager_no_longer_reads_is_not_the_owner(tmp_path: Path) -> None:
    files = {"/etc/sysconfig/network-scripts/ifcfg-eth0": IFCFG}
    devices = "eth0:connected\n"
    assert _detect(tmp_path, files, nm=True, devices=devices, nm_reads_ifcfg=False) == (
        "networkmanager",
        "",
    )


@pytest.mark.parametrize(("kind", "found"), [("fedora-42", "networkmanager"), ("alma-9", "ifcfg")])
def test_the_probe_asks_the_release_whether_ifcfg_files_count(
    kind: str, found: str, tmp_path: Path
) -> None:
    """A leftover ifcfg-eth0 next to the keyfile: read on Alma 9, ignored on Fedora 42."""
    seed_demo_host(tmp_path, kind)
    host = SandboxHost(tmp_path)
    host.write_text("/etc/sysconfig/network-scripts/ifcfg-eth0", IFCFG)
    assert probe(host).facts.netconfig == found
