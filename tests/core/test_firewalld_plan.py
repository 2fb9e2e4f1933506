"""The firewalld backend: the bridge in a zone, NAT and forwards as rich rules, all undone."""

from __future__ import annotations

from support.plan_matrix import ALL_CASES

from virtnet_tui.core.plan import CommandStep
from virtnet_tui.core.planning import prepare
from virtnet_tui.hosts.base import CommandResult
from virtnet_tui.probe.firewall_backend import firewalld_zones


def _stage(name: str):  # type: ignore[no-untyped-def]
    plan = prepare(ALL_CASES[name]).plan
    (stage,) = [s for s in plan.stages if s.name.endswith("(firewalld)")]
    return stage


def test_libvirts_zone_runtime_and_permanent_each_undone() -> None:
    stage = _stage("custom-nat-fedora-nm-firewalld")
    argvs = [s.argv for s in stage.steps if isinstance(s, CommandStep)]
    assert ("firewall-cmd", "--zone=libvirt", "--add-interface=virbr10") in argvs
    assert ("firewall-cmd", "--permanent", "--zone=libvirt", "--add-interface=virbr10") in argvs
    assert not any("--reload" in a for a in argvs), "no reload when the zone exists"
    for step in stage.steps:
        assert isinstance(step, CommandStep)
        (undo,) = step.undo
        assert undo[-1].replace("--remove-", "--add-") == step.argv[-1]
    rich = [a[-1] for a in argvs if a[-2] == "--zone=FedoraServer"]
    assert (
        'source address="192.168.100.0/24" destination not address="192.168.100.0/24"' in (rich[0])
    )
    assert any(
        'port="7722" protocol="tcp" to-port="22" to-addr="192.168.100.77"' in r for r in rich
    )
    forwards = [r for r in rich if "forward-port" in r]
    assert len(forwards) == 2 * 4, "80, 443, 7722 and 51820, now and permanently"
    assert all('destination address="203.0.113.86"' in r for r in forwards)
    assert stage.risky


def test_without_libvirts_zone_a_zone_of_its_own_and_a_reload_after_undo() -> None:
    stage = _stage("custom-routed-debian-firewalld")
    argvs = [s.argv for s in stage.steps if isinstance(s, CommandStep)]
    assert argvs[0] == ("firewall-cmd", "--permanent", "--new-zone=vnw-virbr10")
    assert ("firewall-cmd", "--permanent", "--zone=vnw-virbr10", "--add-service=dhcpv6") in argvs
    assert ("firewall-cmd", "--permanent", "--new-policy=vnw-virbr10-in") in argvs
    assert ("firewall-cmd", "--reload") in argvs
    assert stage.after_undo == (("firewall-cmd", "--reload"),)
    assert not any("masquerade" in a[-1] for a in argvs), "routed: nothing is translated"


def test_probe_reads_the_uplinks_zone_else_the_default() -> None:
    def done(out: str, rc: int = 0) -> CommandResult:
        return CommandResult(("firewall-cmd",), rc, out, "")

    zones = done("block dmz libvirt public\n")
    assert firewalld_zones(zones, done("public\n"), done("internal\n")) == (
        "internal",
        ("block", "dmz", "libvirt", "public"),
    )
    assert firewalld_zones(zones, done("FedoraServer\n"), done("no zone\n", 2))[0] == (
        "FedoraServer"
    )
    assert firewalld_zones(None, None, None) == ("public", ())


def test_status_looks_for_the_files_each_backend_writes() -> None:
    from dataclasses import replace

    from virtnet_tui.core.render.firewall_files import firewall_files

    case = ALL_CASES["custom-routed-debian-firewalld"]
    spec, facts = case.networks[0], case.host
    assert firewall_files(spec, facts) == ()
    assert firewall_files(spec, replace(facts, firewall_backend="nftables")) == (
        "/etc/virtnet-wizard/firewall/virbr10.nft",
    )
    assert firewall_files(spec, replace(facts, firewall_backend="iptables")) == (
        "/etc/virtnet-wizard/firewall/virbr10.v4",
        "/etc/virtnet-wizard/firewall/virbr10.v6",
    )
