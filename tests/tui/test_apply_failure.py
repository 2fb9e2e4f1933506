"""A failed stage in the TUI: the operator keeps the earlier checkpoints or rolls back all."""

from __future__ import annotations

from pathlib import Path

from support.tui_driver import CUSTOM_NAT_DEMO, press_next, run, settle

from virtnet_tui.core.plan import Plan
from virtnet_tui.executor.apply import Options
from virtnet_tui.executor.faults import parse_fault
from virtnet_tui.executor.progress import KeepEarlierRequest
from virtnet_tui.executor.stream import executor_events
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.apply import ApplyScreen

FORWARDING_CONF = "/etc/sysctl.d/90-virtnet-wizard-forwarding.conf"


def _run_failing(tmp_path: Path, key: str) -> tuple[ApplyScreen, str | None]:
    """Apply the demo plan with its first forwarding step failing, answer ``key``."""
    seed_demo_host(tmp_path)
    before = SandboxHost(tmp_path).read_text("/etc/network/interfaces")
    app = WizardApp(
        SandboxHost(tmp_path),
        situation=CUSTOM_NAT_DEMO,
        apply_source=lambda plan, host: executor_events(
            host,
            plan,
            options=Options(fault=parse_fault(f"before-step:{_first_step(plan)}:fail")),
            ask_keep_earlier=True,
        ),
        ansi=False,
    )
    result: list[ApplyScreen] = []

    async def scenario() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            for _ in range(4):
                await press_next(pilot)
            await pilot.press("a", "y")
            screen = app.screen
            assert isinstance(screen, ApplyScreen)
            for _ in range(200):
                if screen.question is not None:
                    break
                await pilot.pause(0.05)
            asked = [e for e in screen.events if isinstance(e, KeepEarlierRequest)]
            assert asked and asked[0].checkpoints == (1, 2)
            await pilot.press(key)
            for _ in range(200):
                if screen.finished:
                    break
                await pilot.pause(0.05)
            assert screen.finished
            result.append(screen)

    run(scenario())
    return result[0], before


def _first_step(plan: Plan) -> int:
    return next(n for n, stage, _ in plan.steps() if stage.name.startswith("Enable IP forwarding"))


def test_keep_earlier_checkpoints(tmp_path: Path) -> None:
    screen, before = _run_failing(tmp_path, "k")
    assert screen.exit_code == 3
    host = SandboxHost(tmp_path)
    # the virtual bridge of checkpoint 2 stays configured; the failed stage left nothing
    assert host.read_text("/etc/network/interfaces") != before
    assert "virbr10" in (host.read_text("/etc/network/interfaces") or "")
    assert not host.exists(FORWARDING_CONF)


def test_roll_back_everything(tmp_path: Path) -> None:
    screen, before = _run_failing(tmp_path, "r")
    assert screen.exit_code == 3
    host = SandboxHost(tmp_path)
    assert host.read_text("/etc/network/interfaces") == before
    assert not host.exists(FORWARDING_CONF)
