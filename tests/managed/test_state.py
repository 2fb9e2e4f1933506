"""The state file: what the wizard manages, kept in step with the journal, used by re-runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.apply_sandbox import diff, fast_root, run_ids, snapshot
from support.paths import EXAMPLES
from support.rerun_util import NAT, Sandbox, answers_text, custom_nat

from virtnet_tui.core.answers import answers_to_toml, load_answers
from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.changes.records import (
    AttachChange,
    DhcpChange,
    ForwardChange,
    NetworksChange,
    change_from_json,
    change_to_json,
)
from virtnet_tui.core.model import DhcpHost, HostFacts, NetworkSpec, PortForward
from virtnet_tui.core.planning import prepare
from virtnet_tui.executor.apply import Callbacks, Executor, Options
from virtnet_tui.executor.faults import parse_fault
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.managed.state import (
    STATE_PATH,
    follow_runs,
    load_state,
    managed_networks,
    rebuild_state,
    state_facts,
)


@pytest.fixture
def sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sandbox]:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with fast_root(tmp_path) as root:
        yield Sandbox(root, capsys, monkeypatch)


def _networks(state: State) -> list[dict[str, object]]:
    return [n.to_json() for n in state.networks]


@pytest.mark.parametrize("example", [1, 2, 3])
def test_handbook_multiple_networks_as_a_first_run_plus_a_re_run(
    sandbox: Sandbox, example: int
) -> None:
    completed = prepare(load_answers(EXAMPLES / f"multi-example{example}.toml")).answers
    first_net, second_net = completed.networks
    first = answers_to_toml(replace(completed, networks=(first_net,)), all_host_keys=True)
    second = answers_to_toml(replace(completed, networks=(second_net,)), all_host_keys=True)
    run1 = sandbox.apply(first, "first")
    assert managed_networks(sandbox.host) == (first_net.name,)
    run2 = sandbox.apply(second, "second")

    state = sandbox.state()
    assert [(n["name"], n["type"], n["created_by"]) for n in state["networks"]] == [
        (first_net.name, first_net.type, run1),
        (second_net.name, second_net.type, run2),
    ]
    assert [n["name"] for n in sandbox.status()["networks"]] == [first_net.name, second_net.name]
    interfaces = sandbox.host.read_text("/etc/network/interfaces") or ""
    for net in (first_net, second_net):
        if net.type in ("bridged", "custom-nat", "custom-routed"):
            # The re-run read the file the first run wrote: both networks are in it.
            assert f"iface {net.bridge} inet" in interfaces, interfaces

    # The same first network again collides with what the wizard manages: refused.
    before, runs = snapshot(sandbox.root), run_ids(sandbox.root)
    path = sandbox.root.parent / "again.toml"
    path.write_text(first)
    rc, _, err = sandbox.run("apply", "--answers", str(path), "--yes")
    assert rc == 2
    assert f"network[0].name = '{first_net.name}'" in err or "network[0].bridge" in err, err
    assert run_ids(sandbox.root) == runs and diff(before, snapshot(sandbox.root)) == []

    # Rolling back the re-run leaves the first network, and the state says so.
    sandbox.ok("rollback", run2)
    assert [n["name"] for n in sandbox.state()["networks"]] == [first_net.name]
    sandbox.ok("rollback", run1)
    assert not sandbox.host.exists(STATE_PATH), "nothing managed: no state file"


def test_defaults_of_a_re_run_avoid_every_name_bridge_subnet_and_mac(sandbox: Sandbox) -> None:
    text = (EXAMPLES / "multi-example1.toml").read_text()
    sandbox.apply(text, "one")
    sandbox.apply(text, "two")
    nets = [ManagedNetwork.from_json(n).spec for n in sandbox.state()["networks"]]
    assert len(nets) == 4
    for values in (
        [n.name for n in nets],
        [n.bridge for n in nets],
        [c for n in nets for c in (n.ipv4, n.ipv6) if c],
        [n.bridge_mac for n in nets if n.bridge_mac],
    ):
        assert len(values) == len(set(values)), values


def test_a_bridge_mac_already_in_use_is_refused_by_field(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(custom_nat()))
    other = custom_nat().replace("virbr10", "virbr11").replace("192.168.110", "192.168.111")
    before = snapshot(sandbox.root)
    path = sandbox.root.parent / "mac.toml"
    path.write_text(answers_text(other))
    rc, _, err = sandbox.run("apply", "--answers", str(path), "--yes")
    assert rc == 2
    assert "network[0].bridge_mac = '52:54:00:7e:27:af': is already used by virbr10" in err
    assert diff(before, snapshot(sandbox.root)) == []


def test_state_facts_list_what_a_new_network_must_avoid() -> None:
    nat = NetworkSpec(type="nat", name="nat1", bridge="virbr1", ipv4="192.168.100.1/24")
    routed = NetworkSpec(type="routed", name="r", bridge="virbr2", ipv6="2001:db8:0:1::1/64")
    state = State((ManagedNetwork(nat, HostFacts()), ManagedNetwork(routed, HostFacts())))
    assert state_facts(state) == (
        ("virbr1", "virbr2"),
        ("192.168.100.1/24", "2001:db8:0:1::1/64"),
        ("nat1", "r"),
    )


def test_the_file_is_only_a_cache_of_the_runs(sandbox: Sandbox) -> None:
    sandbox.apply(answers_text(NAT))
    sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:01",
        "--ip",
        "192.168.100.5",
    )
    saved = load_state(sandbox.host)
    assert _networks(rebuild_state(sandbox.host)) == _networks(saved)
    text = sandbox.host.read_text(STATE_PATH) or ""

    # Missing or damaged: rebuilt from the runs.
    sandbox.host.remove(STATE_PATH)
    assert _networks(load_state(sandbox.host)) == _networks(saved)
    sandbox.host.write_text(STATE_PATH, "{not json")
    assert _networks(load_state(sandbox.host)) == _networks(saved)

    # Stale (a run it does not account for): rebuilt too, never trusted.
    sandbox.host.write_text(STATE_PATH, text)
    sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:02",
        "--ip",
        "192.168.100.6",
    )
    sandbox.host.write_text(STATE_PATH, text)
    hosts = load_state(sandbox.host).networks[0].spec.dhcp_hosts
    assert [h.ip for h in hosts] == ["192.168.100.5", "192.168.100.6"]

    # An older file written over a newer one is caught by the next run, which rebuilds.
    sandbox.change(
        "dhcp-host",
        "add",
        "--network",
        "nat1",
        "--mac",
        "52:54:00:00:00:03",
        "--ip",
        "192.168.100.7",
    )
    assert [h["ip"] for h in sandbox.network_state("nat1")["dhcp_hosts"]] == [
        "192.168.100.5",
        "192.168.100.6",
        "192.168.100.7",
    ]


def test_a_partly_kept_run_is_recorded_as_incomplete(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path / "root")
    answers = prepare(load_answers(EXAMPLES / "custom-nat.toml"))
    last = sum(1 for _ in answers.plan.steps())
    outcome = Executor(
        host,
        answers.plan,
        answers_text=answers_to_toml(answers.answers, all_host_keys=True),
        options=Options(yes=False, fault=parse_fault(f"before-step:{last}:fail")),
        callbacks=Callbacks(
            keep_earlier=lambda failure: True, confirm=lambda *a: True, runs_changed=follow_runs
        ),
    ).apply()
    assert outcome.status == "partial"
    [net] = load_state(host).networks
    assert net.name == "virbr10" and not net.complete
    assert json.loads(host.read_text(STATE_PATH) or "{}")["networks"][0]["complete"] is False


@pytest.mark.parametrize(
    "change",
    [
        DhcpChange("add", "n", DhcpHost("192.168.1.5", mac="52:54:00:00:00:01")),
        DhcpChange(
            "modify",
            "n",
            DhcpHost("2001:db8::5", id="00:01:02"),
            DhcpHost("2001:db8::4", id="00:01:02"),
        ),
        ForwardChange("remove", "n", PortForward("udp", (53,), "192.168.1.5", 5353)),
        AttachChange("n", "web1", "52:54:00:00:00:01", "network default"),
        NetworksChange(
            (NetworkSpec(type="custom-nat", name="n", bridge="n", dhcp4=("a", "b")),),
            HostFacts(used_bridges=("x",)),
        ),
    ],
)
def test_change_records_round_trip_through_json(
    change: DhcpChange | ForwardChange | AttachChange | NetworksChange,
) -> None:
    assert change_from_json(json.loads(json.dumps(change_to_json(change)))) == change
