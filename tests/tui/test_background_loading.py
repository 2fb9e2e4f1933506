"""What the later steps need loads in the background once Welcome is up (issue 17)."""

from __future__ import annotations

import json
import subprocess
import sys

#: Modules the steps after Welcome import; none is on the first frame's path
#: (test_first_frame_imports.py), all are loaded before the operator presses Start.
LATER = (
    "virtnet_tui.core.advisor",
    "virtnet_tui.core.validate.answers",
    "virtnet_tui.core.planning",
    "virtnet_tui.tui.screens.situation",
    "virtnet_tui.tui.screens.parameters",
    "virtnet_tui.tui.screens.preview",
)

#: Runs the wizard on a fresh demo sandbox and waits on Welcome, pressing nothing; a
#: process of its own, so that no other test has imported the modules already.
SCRIPT = """
import asyncio, json, sys, tempfile, time
from pathlib import Path
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.demo import seed_demo_host
from virtnet_tui.tui.app import WizardApp
from virtnet_tui.tui.screens.welcome import WelcomeScreen

later = json.loads(sys.argv[1])
app = WizardApp(SandboxHost(Path(tempfile.mkdtemp())), seed=seed_demo_host, ansi=False)


async def main() -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            await pilot.pause(0.05)
            if all(name in sys.modules for name in later) and not app.workers:
                break
        print(json.dumps({
            "on_welcome": isinstance(app.screen, WelcomeScreen),
            "missing": [name for name in later if name not in sys.modules],
        }))


asyncio.run(main())
"""


def test_later_steps_are_loaded_while_welcome_shows() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(LATER)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["on_welcome"]
    assert found["missing"] == []
