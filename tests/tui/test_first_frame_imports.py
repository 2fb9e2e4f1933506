"""Heavy modules stay off the path to the wizard's first frame."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "libvirt",
    "netaddr",
    "virtnet_tui.core.recipes",
    "virtnet_tui.core.planning",
    "virtnet_tui.probe.run",
    "virtnet_tui.core.advisor",
    # The whole-answers check: its entry module and every subject it runs.
    "virtnet_tui.core.validate.answers",
    "virtnet_tui.core.validate.findings",
    "virtnet_tui.core.validate.situation",
    "virtnet_tui.core.validate.host",
    "virtnet_tui.core.validate.networks",
    "virtnet_tui.core.validate.bridged",
    "virtnet_tui.core.validate.subnets",
    "virtnet_tui.core.validate.ranges",
    "virtnet_tui.core.validate.leases",
    "virtnet_tui.core.validate.forwards",
    "virtnet_tui.core.validate.overlaps",
    "virtnet_tui.core.validate.default_network",
    "questionary",
)


def test_the_app_and_the_wizard_command_import_nothing_heavy() -> None:
    code = (
        "import sys, json\n"
        "import virtnet_tui.cli.main, virtnet_tui.cli.wizard, virtnet_tui.tui.app\n"
        "from virtnet_tui.hosts.sandbox import SandboxHost\n"
        "app = virtnet_tui.tui.app.WizardApp(SandboxHost('/nonexistent'))\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "textual.app" in loaded  # the check can fail: Textual itself is there
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not heavy, f"on the path to the first frame: {heavy}"
