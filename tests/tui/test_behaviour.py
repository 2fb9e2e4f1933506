"""How the wizard behaves at the keyboard: checks as typed, Back, quitting, apply, re-runs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    choose,
    demo_app,
    field_row,
    focus,
    press_next,
    run,
    screen_text,
    settle,
    type_into,
)
from textual.widgets import Input

from virtnet_tui.core.model import NETWORK_TYPES
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.validate.fields import check_cidr
from virtnet_tui.executor.apply import Options
from virtnet_tui.executor.progress import Checkpoint, CheckResult, Finished, RolledBack, StepDone
from virtnet_tui.executor.stream import executor_events
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.tui.app import QUIT_QUESTION, WizardApp
from virtnet_tui.tui.dialogs.yes_no import YesNoDialog
from virtnet_tui.tui.flow import WizardFlow
from virtnet_tui.tui.screens.apply import ApplyScreen
from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.tui.screens.parameters import ParametersScreen
from virtnet_tui.tui.screens.preview import PreviewScreen
from virtnet_tui.tui.screens.recommendation import RecommendationScreen
from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen
from virtnet_tui.tui.screens.situation import SituationScreen
from virtnet_tui.tui.screens.welcome import WelcomeScreen


def _next_disabled(app: WizardApp) -> bool:
    screen = app.screen
    assert isinstance(screen, WizardScreen)
    return not screen.next_enabled


def test_bad_value_shows_the_core_reason_and_keeps_next_disabled(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await press_next(pilot)
            await press_next(pilot)
            assert isinstance(app.screen, ParametersScreen)
            assert not _next_disabled(app)
            # Typed key by key: the verdict follows every key.
            await type_into(pilot, "n0-ipv4", "192.168.100.1/33", paste=False)
            reason = check_cidr("network[0].ipv4", "192.168.100.1/33", version=4)
            assert reason is not None
            assert reason.reason in field_row(app, "network[0].ipv4").message
            assert _next_disabled(app)
            await press_next(pilot)
            assert isinstance(app.screen, ParametersScreen), "Next must not move on"
            # A collision with the uplink is the core's cross-field check, also as typed.
            await type_into(pilot, "n0-ipv4", "203.0.113.77/24", paste=False)
            assert "the uplink's own subnet" in field_row(app, "network[0].ipv4").message
            assert _next_disabled(app)
            # A DHCP range that includes the host's own address.
            await type_into(pilot, "n0-ipv4", "192.168.100.1/24", paste=False)
            await type_into(pilot, "n0-dhcp4_start", "192.168.100.1", paste=False)
            assert "host's own address" in field_row(app, "network[0].dhcp4").message
            assert _next_disabled(app)
            await type_into(pilot, "n0-dhcp4_start", "192.168.100.2", paste=False)
            assert field_row(app, "network[0].dhcp4").message == ""
            assert field_row(app, "network[0].ipv4").message == ""
            assert not _next_disabled(app)
            await press_next(pilot)
            assert isinstance(app.screen, PreviewScreen)

    run(scenario())


def test_bad_situation_answer_keeps_next_disabled(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            assert isinstance(app.screen, SituationScreen)
            await type_into(pilot, "situation-vms", "0", paste=False)
            assert "must be from 1 to 4096" in field_row(app, "situation.vms").message
            assert _next_disabled(app)
            await type_into(pilot, "host-gateway4", "10.9.9.9", paste=False)
            assert "outside the uplink's subnet" in field_row(app, "host.gateway4").message
            await type_into(pilot, "situation-vms", "", paste=False)
            assert "whole number" in field_row(app, "situation.vms").message
            await press_next(pilot)
            assert isinstance(app.screen, SituationScreen)

    run(scenario())


def test_escape_goes_back_without_losing_answers(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await type_into(pilot, "situation-vms", "7")
            await press_next(pilot)
            await press_next(pilot)
            await type_into(pilot, "n0-name", "webnet")
            await press_next(pilot)
            assert isinstance(app.screen, PreviewScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ParametersScreen)
            assert app.screen.query_one("#n0-name", Input).value == "webnet"
            await pilot.press("escape")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, SituationScreen)
            assert app.screen.query_one("#situation-vms", Input).value == "7"
            # Forward again: new screens, same answers (the network kept its new name).
            await press_next(pilot)
            await press_next(pilot)
            assert app.screen.query_one("#n0-name", Input).value == "webnet"
            await press_next(pilot)
            prepared = app.prepared
            assert prepared is not None
            assert prepared.answers.situation.vms == 7
            assert prepared.answers.networks[0].name == "webnet"
            # Escape on the first screen does nothing.
            for _ in range(5):
                await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen)

    run(scenario())


def test_q_asks_before_quitting(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await press_next(pilot)
            assert isinstance(app.screen, RecommendationScreen)
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, YesNoDialog) and app.screen.id == QUIT_QUESTION
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, RecommendationScreen)
            assert app.is_running
            await pilot.press("q")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()

    run(scenario())
    assert app.return_code == 0
    assert isinstance(app.return_value, int)


def test_welcome_renders_before_the_probe(tmp_path: Path) -> None:
    release = threading.Event()

    def slow_seed(root: Path) -> None:
        release.wait(10)
        seed_demo_host(root)

    app = WizardApp(SandboxHost(tmp_path), seed=slow_seed, ansi=False)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen)
            assert "Looking at the host" in screen_text(app)
            assert _next_disabled(app)
            assert "Start" not in screen_text(app)
            release.set()
            await settle(pilot)
            assert "demo: debian 12" in screen_text(app)
            assert not _next_disabled(app)

    try:
        run(scenario())
    finally:
        release.set()


def test_operator_picks_other_networks(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await press_next(pilot)
            await press_next(pilot)
            assert [c.type for c in app.form.choices] == ["custom-nat"]
            await choose(pilot, "type-0", "nat", NETWORK_TYPES)
            await focus(pilot, "add")
            await pilot.press("enter")
            await pilot.pause()
            await choose(pilot, "type-1", "custom-routed", NETWORK_TYPES)
            await press_next(pilot)
            assert isinstance(app.screen, ParametersScreen)
            # The routed one on a dedicated server needs the provider's block: say so.
            assert "provider routes" in field_row(app, "network[1].ipv4").message
            assert _next_disabled(app)
            await type_into(pilot, "n1-ipv4", "198.51.100.1/28")
            await press_next(pilot)
            assert isinstance(app.screen, PreviewScreen)

    run(scenario())
    prepared = app.prepared
    assert prepared is not None
    assert [n.type for n in prepared.answers.networks] == ["nat", "custom-routed"]
    answers, problems = app.form.answers()
    assert not problems
    assert prepared.plan == prepare(answers).plan


def test_apply_in_the_sandbox_with_confirmation(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await press_next(pilot)
            assert isinstance(app.screen, PreviewScreen)
            await pilot.press("a")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            # Every risky stage waits for Enter; confirm each as it comes.
            for _ in range(200):
                if screen.finished:
                    break
                if screen.pending is not None:
                    assert "Press Enter if you can still see this" in screen_text(app)
                    await pilot.press("enter")
                await pilot.pause(0.05)
            assert screen.finished
            assert screen.exit_code == 0
            assert isinstance(screen.events[-1], Finished)
            steps = [e for e in screen.events if isinstance(e, StepDone)]
            assert len(steps) == screen.total_steps
            assert sum(isinstance(e, Checkpoint) for e in screen.events) == len(screen.plan.stages)
            assert any(isinstance(e, CheckResult) for e in screen.events)
            assert "Done." in screen_text(app)
            await pilot.press("q")
            await pilot.pause()

    run(scenario())
    prepared = app.prepared
    assert prepared is not None
    host = SandboxHost(tmp_path)
    for path, step in prepared.plan.files().items():
        assert host.read_text(path) == step.content, path
        meta = host.stat(path)
        assert meta is not None and meta.mode == step.mode, path
    log = host.path("/var/lib/virtnet-wizard/sandbox/commands.log").read_text()
    assert "iptables-restore" in log


def test_unconfirmed_risky_stage_is_rolled_back(tmp_path: Path) -> None:
    seed_demo_host(tmp_path)
    original = SandboxHost(tmp_path).read_text("/etc/network/interfaces")
    app = WizardApp(
        SandboxHost(tmp_path),
        situation=CUSTOM_NAT_DEMO,
        apply_source=lambda plan, host: executor_events(
            host, plan, options=Options(confirm_timeout=0.3)
        ),
        ansi=False,
    )

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await press_next(pilot)
            await pilot.press("a", "y")
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            for _ in range(100):
                if screen.finished:
                    break
                await pilot.pause(0.05)
            assert screen.finished
            assert screen.exit_code == 3
            rolled = [e for e in screen.events if isinstance(e, RolledBack)]
            assert rolled and rolled[0].complete
            assert "not confirmed within" in screen_text(app)

    run(scenario())
    prepared = app.prepared
    assert prepared is not None
    host = SandboxHost(tmp_path)
    # Files the plan created are gone; the file it edited is as it was.
    assert host.read_text("/etc/network/interfaces") == original
    for path in prepared.plan.files():
        if path != "/etc/network/interfaces":
            assert not host.exists(path), path


@pytest.mark.parametrize(
    ("kind", "stack"),
    [
        ("debian-12", "ifupdown (/etc/network/interfaces)"),
        ("ubuntu-24.04", "netplan (/etc/netplan)"),
        ("debian-13-networkd", "systemd-networkd (/etc/systemd/network)"),
        ("alma-9", "NetworkManager (/etc/NetworkManager/system-connections)"),
    ],
)
def test_welcome_names_the_stack_the_probe_found(kind: str, stack: str, tmp_path: Path) -> None:
    """The files the wizard writes follow that stack: the operator sees which it is."""
    app = WizardApp(SandboxHost(tmp_path), seed=lambda root: seed_demo_host(root, kind), ansi=False)

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert f"links configured by {stack}" in screen_text(app)

    run(scenario())


def test_rerun_menu_replaces_welcome_when_networks_are_managed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from virtnet_tui.core.changes.managed import ManagedNetwork, State
    from virtnet_tui.core.model import HostFacts, NetworkSpec
    from virtnet_tui.managed import state

    # What an earlier run would have recorded; the menu only needs the names.
    recorded = ManagedNetwork(
        NetworkSpec(type="custom-nat", name="virbr10", bridge="virbr10"), HostFacts()
    )
    monkeypatch.setattr(state, "load_state", lambda host: State(networks=(recorded,)))
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, RerunMenuScreen)
            assert "virbr10" in screen_text(app)
            # Not a step of the first run: the menu says what it is.
            assert "Re-run · Menu — the wizard has been here before" in screen_text(app)
            assert "Step 1 of 6" not in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, SituationScreen)
            assert "Step 2 of 6 · Situation" in screen_text(app)

    run(scenario())


def test_few_colours_pick_the_ansi_theme(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("COLORTERM", raising=False)
    app = demo_app(tmp_path, ansi=None)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.console.color_system == "standard"
            assert app.theme == "ansi-dark"

    run(scenario())
    monkeypatch.setenv("COLORTERM", "truecolor")
    rich_app = demo_app(tmp_path, ansi=None)

    async def truecolour() -> None:
        async with rich_app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert rich_app.theme != "ansi-dark"

    run(truecolour())


def test_the_app_is_the_flow_its_screens_ask_for(tmp_path: Path) -> None:
    # Typed as the protocol, so mypy checks the app against it; isinstance checks at runtime
    # that nothing the protocol names is missing.
    flow: WizardFlow = WizardApp(SandboxHost(tmp_path), ansi=False)
    assert isinstance(flow, WizardFlow)
    assert not isinstance(object(), WizardFlow)
