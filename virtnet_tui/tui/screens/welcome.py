"""Step 1: what the wizard will do, and what it found on the host."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from virtnet_tui.tui.screens.base import WizardScreen

INTRO = """\
This wizard sets up networking for libvirt/KVM virtual machines.

  Situation       a few questions about the host and what the VMs need
  Recommendation  the network type that fits, why, and what was ruled out
  Parameters      names, subnets and ranges, checked as you type
  Preview         every file and command, before anything happens
  Apply           stage by stage, with checkpoints to roll back to

Nothing on this host changes until you confirm the preview.
Keys: Tab moves between fields, Enter presses a button, Escape goes
back a step, q quits (it asks first)."""


class WelcomeScreen(WizardScreen):
    """The first screen; it renders before the probe has run."""

    STEP = 1
    NEXT_LABEL = "Start"
    DEFER_NAV = True

    def compose_body(self) -> ComposeResult:
        yield self.title_bar("virtnet-wizard")
        with VerticalScroll(id="body"):
            yield Static(INTRO, id="intro", markup=False)
            yield Static("Looking at the host…", id="host-summary", markup=False)

    def on_mount(self) -> None:
        if self.wizard.probed:
            self.show_host()

    def show_host(self) -> None:
        """The probe is done: say what it found and let the operator start."""
        if not self.is_mounted:
            return  # on_mount calls again
        facts = self.form.facts
        lines = [f"Host: {self.wizard.host.describe()}"]
        if self.wizard.probe_result is not None or facts.ipv4:
            release = f" {facts.distro_version}" if facts.distro_version else ""
            lines.append(
                f"  {facts.hostname}: {facts.distro}{release}, uplink {facts.uplink_interface}"
                f" {facts.ipv4 or '(no IPv4)'}" + (f", {facts.ipv6}" if facts.ipv6 else "")
            )
            if facts.netconfig:
                # The stack the recipes write for: the operator should recognise it.
                from virtnet_tui.wizard.labels import STACK_NAMES

                stack = STACK_NAMES.get(facts.netconfig, facts.netconfig)
                lines.append(f"  links configured by {stack}")
            if facts.used_networks:
                lines.append(
                    f"  libvirt networks already defined: {', '.join(facts.used_networks)}"
                )
        for problem in self.form.probe_problems:
            lines.append(f"  ! {problem}")
        self.query_one("#host-summary", Static).update("\n".join(lines))
        self.show_nav()

    def go_next(self) -> None:
        self.wizard.show_situation()
