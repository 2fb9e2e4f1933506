"""``forward add|remove`` on a custom NAT network: the rules file, the reload, and their undo."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apply_sandbox import diff, fast_root, run_ids, snapshot
from support.capability_hosts import QuietMachine
from support.netns import Netns
from support.rerun_util import FORWARD_80, NAT, Sandbox, answers_text, custom_nat

from virtnet_tui.core.changes.forward import ForwardRequest
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.model import HostFacts, NetworkSpec, PortForward
from virtnet_tui.core.render.iptables import (
    firewall_jump_argvs,
    firewall_rules_path,
    render_iptables_rules,
)
from virtnet_tui.executor.apply import Callbacks, Options
from virtnet_tui.executor.rollback import rollback_run
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.managed.rerun import listening_sockets, prepare_forward, run_change
from virtnet_tui.managed.state import follow_runs, save_state

RULES = firewall_rules_path("virbr10", 4)
UNIT = "/etc/systemd/system/virtnet-wizard-firewall-virbr10.service"
PRE = "VNW-virbr10-PRE"
NAT_CMD = ["iptables", "-w", "-t", "nat"]
RELOAD = ["iptables-restore", "-w", "--noflush", RULES]


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def _spec(sandbox: Sandbox) -> tuple[NetworkSpec, HostFacts]:
    net = ManagedNetwork.from_json(sandbox.network_state("virbr10"))
    return net.spec, net.facts


def test_add_rewrites_the_rules_file_reloads_it_and_rolls_back(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(custom_nat(FORWARD_80)))
    before_text = sandbox.host.read_text(RULES)
    count = len(sandbox.commands())
    run_id = sandbox.change(
        "forward",
        "add",
        "--network",
        "virbr10",
        "--proto",
        "tcp",
        "--port",
        "8080",
        "--to",
        "192.168.110.77",
        "--to-port",
        "80",
    )
    spec, facts = _spec(sandbox)
    assert spec.forwards[-1] == PortForward("tcp", (8080,), "192.168.110.77", 80)
    text = sandbox.host.read_text(RULES)
    assert text == render_iptables_rules(spec, facts, 4)
    assert (
        f"-A {PRE} -d 203.0.113.3/32 -p tcp -m tcp --syn --dport 8080 "
        "-j DNAT --to-destination 192.168.110.77:80\n"
    ) in (text or "")
    meta = sandbox.host.stat(RULES)
    assert meta is not None and meta.mode == 0o600
    # The chain existed already: one reload, nothing else (no jump, no unit change).
    assert sandbox.commands()[count:] == [RELOAD]

    sandbox.ok("rollback", run_id)
    assert sandbox.host.read_text(RULES) == before_text
    assert sandbox.commands()[-1] == RELOAD
    assert [f["ports"] for f in sandbox.network_state("virbr10")["forwards"]] == [[80, 443]]


def test_the_first_forward_adds_the_prerouting_chain_its_jump_and_the_boot_unit(
    sandbox: Sandbox,
) -> None:
    sandbox.apply(answers_text(custom_nat()))
    unit_before = sandbox.host.read_text(UNIT)
    assert PRE not in (unit_before or "x") and PRE not in (sandbox.host.read_text(RULES) or "x")
    count = len(sandbox.commands())
    run_id = sandbox.change(
        "forward",
        "add",
        "--network",
        "virbr10",
        "--proto",
        "udp",
        "--port",
        "5353",
        "--to",
        "192.168.110.9",
    )
    assert sandbox.commands()[count:] == [
        RELOAD,
        [*NAT_CMD, "-I", "PREROUTING", "1", "-j", PRE],
        ["systemctl", "daemon-reload"],
    ]
    assert f"-j {PRE}" in (sandbox.host.read_text(UNIT) or "")
    assert f":{PRE} - [0:0]" in (sandbox.host.read_text(RULES) or "")

    count = len(sandbox.commands())
    sandbox.ok("rollback", run_id)
    assert sandbox.commands()[count:] == [
        [*NAT_CMD, "-D", "PREROUTING", "-j", PRE],
        [*NAT_CMD, "-F", PRE],
        [*NAT_CMD, "-X", PRE],
        RELOAD,
        ["systemctl", "daemon-reload"],
    ]
    assert sandbox.host.read_text(UNIT) == unit_before


def test_remove_one_port_keeps_the_others_of_its_forward(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(custom_nat(FORWARD_80)))
    sandbox.change("forward", "remove", "--network", "virbr10", "--proto", "tcp", "--port", "443")
    forwards = sandbox.network_state("virbr10")["forwards"]
    assert forwards == [{"proto": "tcp", "ports": [80], "to": "192.168.110.77", "to_port": 0}]
    text = sandbox.host.read_text(RULES) or ""
    assert "--dport 80 -j DNAT" in text and "443" not in text


def test_removing_the_last_forward_removes_the_chain_and_rollback_brings_it_back(
    sandbox: Sandbox,
) -> None:
    one = FORWARD_80.replace("ports = [80, 443]", "ports = [80]")
    sandbox.apply(answers_text(custom_nat(one), systemd=False))
    count = len(sandbox.commands())
    run_id = sandbox.change(
        "forward", "remove", "--network", "virbr10", "--proto", "tcp", "--port", "80"
    )
    assert sandbox.commands()[count:] == [
        [*NAT_CMD, "-D", "PREROUTING", "-j", PRE],
        [*NAT_CMD, "-F", PRE],
        [*NAT_CMD, "-X", PRE],
        RELOAD,
    ]
    assert PRE not in (sandbox.host.read_text(RULES) or "")
    assert not sandbox.host.exists(UNIT), "no systemd: no unit to keep in step"
    count = len(sandbox.commands())
    sandbox.ok("rollback", run_id)
    assert sandbox.commands()[count:] == [
        [*NAT_CMD, "-N", PRE],
        [*NAT_CMD, "-I", "PREROUTING", "1", "-j", PRE],
        RELOAD,
    ]
    assert f":{PRE} - [0:0]" in (sandbox.host.read_text(RULES) or "")


REFUSALS = [
    (
        ["add", "--network", "nope", "--proto", "tcp", "--port", "81", "--to", "192.168.110.5"],
        "--network",
        "not a network",
    ),
    (
        ["add", "--network", "nat1", "--proto", "tcp", "--port", "81", "--to", "192.168.100.5"],
        "--network",
        "hook script",
    ),
    (
        ["add", "--network", "virbr10", "--proto", "tcp", "--port", "443", "--to", "192.168.110.5"],
        "--port",
        "already forwarded to 192.168.110.77",
    ),
    (
        ["add", "--network", "virbr10", "--proto", "tcp", "--port", "22", "--to", "192.168.110.5"],
        "--port",
        "SSH port",
    ),
    (
        ["add", "--network", "virbr10", "--proto", "tcp", "--port", "81", "--to", "10.0.0.5"],
        "--to",
        "outside virbr10's subnet",
    ),
    (
        ["add", "--network", "virbr10", "--proto", "tcp", "--port", "81", "--to", "192.168.110.1"],
        "--to",
        "host's own address",
    ),
    (["add", "--network", "virbr10", "--proto", "tcp", "--port", "81"], "--to", "missing"),
    (
        [
            "add",
            "--network",
            "virbr10",
            "--proto",
            "tcp",
            "--port",
            "70000",
            "--to",
            "192.168.110.5",
        ],
        "--port",
        "1 to 65535",
    ),
    (
        ["remove", "--network", "virbr10", "--proto", "udp", "--port", "80"],
        "--port",
        "not forwarded",
    ),
    (
        [
            "remove",
            "--network",
            "virbr10",
            "--proto",
            "tcp",
            "--port",
            "80",
            "--to",
            "192.168.110.9",
        ],
        "--to",
        "goes to 192.168.110.77",
    ),
]


@pytest.mark.parametrize(("argv", "option", "reason"), REFUSALS)
def test_refusals_name_the_option_exit_2_and_change_nothing(
    sandbox: Sandbox, argv: list[str], option: str, reason: str
) -> None:
    sandbox.apply(answers_text(custom_nat(FORWARD_80) + NAT.replace("nat1", "nat1", 1)), "both")
    before, runs = snapshot(sandbox.root), run_ids(sandbox.root)
    rc, out, err = sandbox.run("forward", *argv)
    assert rc == 2, out + err
    assert f"\n{option}" in err and reason in err, err
    assert run_ids(sandbox.root) == runs and diff(before, snapshot(sandbox.root)) == []


def test_a_port_the_host_listens_on_is_refused() -> None:
    from virtnet_tui.core.changes.forward import plan_forward_change
    from virtnet_tui.core.errors import AnswersError

    spec = NetworkSpec(
        type="custom-nat",
        name="virbr10",
        bridge="virbr10",
        ipv4="192.168.110.1/24",
        dhcp4=("192.168.110.2", "192.168.110.254"),
        public_ipv4="203.0.113.3",
    )
    state = State((ManagedNetwork(spec, HostFacts(ipv4="203.0.113.3/24")),))
    request = ForwardRequest("add", "virbr10", "tcp", 8443, "192.168.110.5")
    with pytest.raises(AnswersError, match="listens on tcp port 8443"):
        plan_forward_change(state, request, None, [("tcp", "*", 8443)])
    # Another address, or UDP: no conflict.
    plan_forward_change(state, request, None, [("tcp", "127.0.0.1", 8443), ("udp", "*", 8443)])


def _save(ns: Netns) -> str:
    text = ns.run("iptables-save").stdout
    return re.sub(r"^[#:].*$", "", text, flags=re.M)


@pytest.mark.netns
def test_forward_add_and_rollback_with_real_iptables_in_a_namespace(
    ns: Netns, tmp_path: Path
) -> None:
    """The executor runs the plan through a NetnsHost: real iptables, real undo."""
    root = tmp_path / "root"
    spec = NetworkSpec(
        type="custom-nat",
        name="virbr10",
        bridge="virbr10",
        ipv4="192.168.110.1/24",
        dhcp4=("192.168.110.2", "192.168.110.254"),
        public_ipv4="203.0.113.3",
    )
    facts = HostFacts(systemd=False, ipv4="203.0.113.3/24", ssh_port=22)
    host = NetnsHost(ns.name, root)
    # The network as its first run left it: rules loaded, jumps in place.
    host.write_text(RULES, render_iptables_rules(spec, facts, 4), mode=0o600)
    assert host.run(RELOAD).ok
    for argv in firewall_jump_argvs(spec, 4, insert=True):
        assert host.run(argv).ok
    save_state(host, State((ManagedNetwork(spec, facts, "first", ("first",)),)))
    before = _save(ns)

    planned = prepare_forward(
        host,
        State((ManagedNetwork(spec, facts, "first", ("first",)),)),
        ForwardRequest("add", "virbr10", "tcp", 8080, "192.168.110.50", 80),
    )
    outcome = run_change(host, planned, options=Options(yes=True, check_wait=2))
    assert outcome.status == "applied", outcome
    rules = _save(ns)
    assert f"-A PREROUTING -j {PRE}" in rules
    syn = "--tcp-flags FIN,SYN,RST,ACK SYN"
    assert f"--dport 8080 {syn} -j DNAT --to-destination 192.168.110.50:80" in rules
    # The FORWARD chain lets the new connections through to the VM's port.
    assert re.search(r"-d 192\.168\.110\.50/32 -o virbr10 .*--dport 80 .*-j ACCEPT", rules)
    events = [
        json.loads(line) for line in (outcome.run_dir / "journal.jsonl").read_text().splitlines()
    ]
    assert any(e["event"] == "check-ok" and e["check"]["target"] == PRE for e in events)

    rolled = rollback_run(host, outcome.run_id, callbacks=Callbacks(runs_changed=follow_runs))
    assert rolled is not None and rolled.status == "rolled-back"
    assert _save(ns) == before
    # The state follows the journal again: no run in place forwards anything.
    assert "8080" not in (host.read_text("/var/lib/virtnet-wizard/state.json") or "")


def test_no_sockets_are_read_on_a_host_that_runs_nothing(tmp_path: Path) -> None:
    host = QuietMachine(tmp_path, {"ss -Hltn": "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"})
    assert listening_sockets(host) == ()
    assert host.ran == []
