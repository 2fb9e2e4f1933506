"""Running VMs on libvirt's default network: found by the probe, and they stop a custom network."""

from __future__ import annotations

from pathlib import Path

from support.apply_sandbox import diff, snapshot, start_vm
from support.paths import EXAMPLES

from virtnet_tui.cli.main import main
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.probe.run import probe


def test_the_probe_names_running_vms_on_the_default_network(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    assert probe(SandboxHost(tmp_path)).facts.default_network_users == ()
    start_vm(tmp_path, "web1")
    assert probe(SandboxHost(tmp_path)).facts.default_network_users == ("web1",)


def test_a_custom_network_is_refused_while_a_vm_runs_on_the_default_network(
    tmp_path: Path, capsys: object
) -> None:
    root = tmp_path / "root"
    seed_demo_host(root)
    start_vm(root, "web1")
    before = snapshot(root)
    argv = ["apply", "--answers", str(EXAMPLES / "custom-nat.toml"), "--root", str(root), "--yes"]
    assert main(argv) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "host.default_network_users = 'web1'" in err and "shut them down first" in err
    assert diff(before, snapshot(root)) == [], "nothing changed"
    # libvirt's own NAT network leaves the default network alone: no refusal there.
    assert main(["plan", "--answers", str(EXAMPLES / "nat.toml"), "--root", str(root)]) == 0
