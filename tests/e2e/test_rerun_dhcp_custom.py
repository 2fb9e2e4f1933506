"""Re-run on a custom NAT network: DHCP hosts change through the hosts file and a SIGHUP."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from e2e.topology import Topology, daemon, dhcp_lease, plug_vm
from e2e.wizard import apply_answers, dhcp_host, rollback, run_id_of, status_networks

ANSWERS = Path(__file__).with_name("answers") / "custom-nat.toml"
NETWORK = "virbr10"
#: A VM that arrives after dnsmasq started, and the address reserved for it then.
NEW_MAC, NEW_IP, MOVED_IP = "52:54:00:10:00:01", "192.168.100.150", "192.168.100.160"
#: A reservation that is added and then rolled back.
LATER_MAC, LATER_IP = "52:54:00:10:00:02", "192.168.100.170"


@pytest.mark.netns
def test_reservation_made_after_dnsmasq_started_is_served_without_a_restart(
    topo: Topology, root: Path, tmp_path: Path
) -> None:
    # No LAN: the reservations concern the VMs' side only.
    host = topo.add("host")
    apply_answers(ANSWERS, host.name, root)
    pid_file = root / "run/dnsmasq" / f"{NETWORK}.pid"
    hostsfile = root / "var/lib/dnsmasq" / NETWORK / "hostsfile"
    dnsmasq = daemon(pid_file)
    assert str(dnsmasq[0]) in host.run("ip", "netns", "pids", host.name).stdout
    before = hostsfile.read_bytes()

    # Reserved after dnsmasq started: the VM gets that address, from the same dnsmasq.
    dhcp_host("add", NETWORK, host.name, root, "--mac", NEW_MAC, "--ip", NEW_IP)
    assert f"{NEW_MAC},{NEW_IP}" in hostsfile.read_text()
    assert before.decode() in hostsfile.read_text(), "the first run's reservation stays"
    # dnsmasq reads the file after dropping root: it must be readable by anyone.
    assert hostsfile.stat().st_mode & stat.S_IROTH
    reserved = status_networks(host.name, root)[NETWORK]["dhcp_hosts"]
    assert {(h["mac"], h["ip"]) for h in reserved} >= {(NEW_MAC, NEW_IP)}
    plug_vm(topo, "vm", NETWORK, NEW_MAC)
    assert dhcp_lease(topo["vm"], tmp_path) == f"{NEW_IP}/24"
    assert daemon(pid_file) == dnsmasq

    # Moved to another address: the next request gets it (dnsmasq prefers a reservation
    # to the lease the VM already holds), still from the same dnsmasq.
    dhcp_host("modify", NETWORK, host.name, root, "--mac", NEW_MAC, "--ip", MOVED_IP)
    assert f"{NEW_MAC},{MOVED_IP}" in hostsfile.read_text()
    assert dhcp_lease(topo["vm"], tmp_path) == f"{MOVED_IP}/24"
    assert daemon(pid_file) == dnsmasq

    # Deleted: the hosts file is as the first run left it.
    dhcp_host("delete", NETWORK, host.name, root, "--mac", NEW_MAC)
    assert hostsfile.read_bytes() == before
    assert daemon(pid_file) == dnsmasq
    assert NEW_MAC not in str(status_networks(host.name, root)[NETWORK]["dhcp_hosts"])

    # An add rolled back: the hosts file is as before it, and dnsmasq still the same.
    added = dhcp_host("add", NETWORK, host.name, root, "--mac", LATER_MAC, "--ip", LATER_IP)
    assert LATER_MAC in hostsfile.read_text()
    rollback(run_id_of(added), host.name, root)
    assert hostsfile.read_bytes() == before
    assert daemon(pid_file) == dnsmasq
    assert LATER_MAC not in str(status_networks(host.name, root)[NETWORK]["dhcp_hosts"])
