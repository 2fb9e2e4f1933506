"""Drives the wizard with the keyboard, as an operator would, for the Pilot and snapshot tests."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select

from virtnet_tui.core.model import (
    IPV6_MODES,
    NETWORK_TYPES,
    PROTOS,
    Answers,
    NetworkSpec,
    Situation,
)
from virtnet_tui.executor.stream import executor_events
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.widgets.field_row import FieldRow
from virtnet_tui.wizard.form import situation_texts, spec_texts
from virtnet_tui.wizard.questions import FAMILIES, SITUATION_QUESTIONS

T = TypeVar("T")
WizardPilot = Pilot[int]


class NamedSandbox(SandboxHost):
    """A sandbox whose name does not change with its folder, so screenshots are stable."""

    def describe(self) -> str:
        return "sandbox demo"


#: One public IPv4 address for four VMs, no bridging, the firewall kept by hand: the
#: advisor's custom NAT network, whose defaults need no typing (and a to-do: the port
#: forward at the provider).
CUSTOM_NAT_DEMO = Situation(
    site="dedicated",
    uplink="ethernet",
    public_ipv4=1,
    vms=4,
    bridging_allowed=False,
    ipv6_prefix=64,
    inbound=True,
    firewall="manual",
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def demo_app(root: Path, **kwargs: Any) -> WizardApp:
    """The wizard on the seeded demo sandbox, as ``virtnet-wizard --sandbox DIR`` runs it."""
    kwargs.setdefault("apply_source", lambda plan, host: executor_events(host, plan))
    # The theme is chosen by the test, never by the terminal the tests run in.
    kwargs.setdefault("ansi", False)
    return WizardApp(NamedSandbox(root), seed=seed_demo_host, **kwargs)


def screen_text(app: WizardApp) -> str:
    """What the terminal shows now, as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def wait_for_text(pilot: WizardPilot, text: str, seconds: float = 5) -> None:
    """Until the terminal shows ``text``: a widget updated by an event handler is drawn
    at the next refresh, which a busy machine may delay past one pause."""
    app = cast(WizardApp, pilot.app)
    for _ in range(int(seconds / 0.05)):
        if text in screen_text(app):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} not shown within {seconds:g} s:\n{screen_text(app)}")


async def settle(pilot: WizardPilot) -> None:
    """Let the probe (and any other worker) finish and the screen redraw."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def focus(pilot: WizardPilot, widget_id: str) -> None:
    widget = pilot.app.screen.query_one(f"#{widget_id}")
    widget.focus()
    await pilot.pause()


async def type_into(pilot: WizardPilot, widget_id: str, text: str, *, paste: bool = True) -> None:
    """Clear an input, then paste ``text`` into it (or type it key by key)."""
    await focus(pilot, widget_id)
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    if field.value == text:
        return
    await pilot.press("home", "ctrl+k")
    if text and paste:
        # What the terminal sends when the operator pastes: one event, the whole text.
        field.post_message(events.Paste(text))
        await pilot.pause()
    elif text:
        await pilot.press(*text)
    assert field.value == text, f"#{widget_id}: typed {text!r}, got {field.value!r}"


async def choose(pilot: WizardPilot, widget_id: str, value: str, values: Sequence[str]) -> None:
    """Open a Select with Enter, walk to ``value`` with the arrow keys, take it with Enter."""
    select: Select[str] = pilot.app.screen.query_one(f"#{widget_id}", Select)
    if select.value == value:
        return
    await focus(pilot, widget_id)
    steps = values.index(value) - values.index(str(select.value))
    await pilot.press("enter")
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps))
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value, f"#{widget_id}: chose {value!r}, got {select.value!r}"


async def press_next(pilot: WizardPilot) -> None:
    await pilot.press("ctrl+n")
    await pilot.pause()


async def answer_situation(pilot: WizardPilot, situation: Situation) -> None:
    """Fill in the Situation screen's questions."""
    texts = situation_texts(situation)
    for question in SITUATION_QUESTIONS:
        widget_id = f"situation-{question.key}"
        if question.kind == "number":
            await type_into(pilot, widget_id, texts[question.key])
        else:
            values = [value for value, _ in question.choices]
            await choose(pilot, widget_id, texts[question.key], values)


async def pick_networks(pilot: WizardPilot, specs: Sequence[NetworkSpec]) -> None:
    """On the Recommendation screen, make the network list the types of ``specs``."""
    app = pilot.app
    assert isinstance(app, WizardApp)
    while len(app.form.choices) > len(specs):
        await focus(pilot, f"remove-{len(app.form.choices) - 1}")
        await pilot.press("enter")
        await pilot.pause()
    while len(app.form.choices) < len(specs):
        await focus(pilot, "add")
        await pilot.press("enter")
        await pilot.pause()
    families = [value for _, value in FAMILIES]
    for index, spec in enumerate(specs):
        await choose(pilot, f"type-{index}", spec.type, NETWORK_TYPES)
        family = "both" if spec.ipv4 and spec.ipv6 else "ipv6" if spec.ipv6 else "ipv4"
        await choose(pilot, f"family-{index}", family, families)


async def fill_network(pilot: WizardPilot, index: int, spec: NetworkSpec) -> None:
    """On the Parameters screen, type every field of ``spec`` that the form shows."""
    screen = pilot.app.screen
    texts = spec_texts(spec)
    for key, value in texts.items():
        widget_id = f"n{index}-{key}"
        if not screen.query(f"#{widget_id}"):
            continue
        if key == "ipv6_mode":
            await choose(pilot, widget_id, value, IPV6_MODES)
        else:
            await type_into(pilot, widget_id, value)
    for n, lease in enumerate(spec.dhcp_hosts):
        await focus(pilot, f"n{index}-lease-add")
        await pilot.press("enter")
        await pilot.pause()
        for key in ("mac", "ip", "name", "id"):
            await type_into(pilot, f"n{index}-lease{n}-{key}", getattr(lease, key))
    for n, forward in enumerate(spec.forwards):
        await focus(pilot, f"n{index}-fwd-add")
        await pilot.press("enter")
        await pilot.pause()
        await choose(pilot, f"n{index}-fwd{n}-proto", forward.proto, PROTOS)
        await type_into(pilot, f"n{index}-fwd{n}-ports", ", ".join(map(str, forward.ports)))
        await type_into(pilot, f"n{index}-fwd{n}-to", forward.to)
        await type_into(pilot, f"n{index}-fwd{n}-to_port", str(forward.to_port))


async def drive_to_preview(pilot: WizardPilot, example: Answers, completed: Answers) -> None:
    """Welcome -> Situation -> Recommendation -> Parameters -> Preview for an answers file.

    ``completed`` is the example after ``defaults.complete``: when the example names
    its networks, the operator picks those types and types each field in.
    """
    await settle(pilot)
    await press_next(pilot)
    await answer_situation(pilot, example.situation)
    await press_next(pilot)
    if example.networks:
        await pick_networks(pilot, completed.networks)
    await press_next(pilot)
    if example.networks:
        for index, spec in enumerate(completed.networks):
            await fill_network(pilot, index, spec)
    await press_next(pilot)


def field_row(app: WizardApp, path: str) -> FieldRow:
    """The one form row of the current screen for the answers path ``path``."""
    rows = [row for row in app.screen.query(FieldRow) if row.path == path]
    assert len(rows) == 1, f"{len(rows)} fields {path} on {type(app.screen).__name__}"
    return rows[0]
