"""Hosts whose uplink netplan or systemd-networkd configures, with a real networkd running.

The namespace "host" runs systemd-networkd (and a private system bus) as its network
service; the wizard finds the stack by probing, writes netplan YAML or networkd units,
and applies them with `netplan generate` + `networkctl reload`, as on Ubuntu or a
Debian cloud image.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from e2e.pinging import MAX_OUTAGE
from e2e.stack_hosts import (
    EXPECTED,
    apply_while_pinging,
    assert_vm_bridges_lease,
    bridged_state,
    files_under,
    stack_host,
    wait_for,
)
from e2e.topology import (
    Topology,
    full_state,
    settle,
    state_diff,
)


@pytest.mark.netns
@pytest.mark.parametrize("kind", ["netplan", "networkd"])
def test_bridges_on_a_networkd_host_apply_survive_a_restart_and_roll_back(
    kind: str, topo: Topology, root: Path, tmp_path: Path
) -> None:
    if shutil.which("netplan") is None and kind == "netplan":
        pytest.skip("netplan is not installed (netplan.io)")
    with stack_host(kind, topo, root, tmp_path) as daemon:
        host, lan = topo["host"], topo["lan"]
        before, files_before = full_state(host), files_under(root)

        applied, lost = apply_while_pinging(host, lan, root)
        print(f"{kind}: bridging the uplink lost {lost:.2f} s of replies")
        assert lost <= MAX_OUTAGE, f"{lost:.2f} s of replies lost while bridging ({kind})"
        written = {s.path for _, _, s in applied.plan.steps() if s.kind == "file"}
        if kind == "netplan":
            assert "/etc/netplan/50-cloud-init.yaml" in written
            assert "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg" in written
            assert (root / "etc/netplan/50-cloud-init.yaml").stat().st_mode & 0o777 == 0o600
        else:
            assert "/etc/systemd/network/00-virtnet-br0.netdev" in written
        assert not any("interfaces" in p for p in written)
        assert bridged_state(host) == EXPECTED

        # VMs on the VM-only bridges get their fixed leases from the wizard's dnsmasq.
        assert_vm_bridges_lease(topo, tmp_path)

        # A restart of networkd (what a reboot would do to it) keeps all of it.
        daemon.restart()
        time.sleep(1.0)  # time to (wrongly) reconfigure anything
        assert bridged_state(host) == EXPECTED
        assert "Unknown key" not in daemon.logs() and "Failed to parse" not in daemon.logs()

        applied.rollback()
        settle(host)
        wait_for(lambda: full_state(host) == before, seconds=10)
        assert state_diff(before, full_state(host)) == [], (
            "\n".join(state_diff(before, full_state(host)))
            + daemon.logs()[-1500:]
            + host.run("ip", "link").stdout
        )
        assert files_under(root) == files_before
