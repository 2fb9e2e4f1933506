"""The pure core and the non-TUI commands never import Textual (or touch the system)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORE = [
    "virtnet_tui.model",
    "virtnet_tui.answers",
    "virtnet_tui.validate",
    "virtnet_tui.advisor",
    "virtnet_tui.defaults",
    "virtnet_tui.recipes",
    "virtnet_tui.planning",
    "virtnet_tui.plan",
    "virtnet_tui.render.script",
    "virtnet_tui.textreport",
    "virtnet_tui.changes.dhcp",
    "virtnet_tui.changes.forward",
    "virtnet_tui.changes.attach",
]
FORBIDDEN = ("textual", "rich", "libvirt", "subprocess", "questionary")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_nothing_forbidden(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN)
    assert module in loaded
    assert not bad, f"{module} pulls in {bad}"


@pytest.mark.parametrize("command", ["recommend", "plan"])
def test_cli_commands_do_not_import_textual(command: str) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from virtnet_tui.cli import main\n"
        "from importlib.resources import files\n"
        "p = str(files('virtnet_tui') / 'examples' / 'demo.toml')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = main(['{command}', '--answers', p, '--json'])\n"
        "assert rc == 0, rc\n"
    )
    loaded = _modules_after(code)
    assert "virtnet_tui.planning" in loaded or command == "recommend"
    assert not [m for m in loaded if m.split(".")[0] in ("textual", "rich")]


def test_the_check_itself_can_fail() -> None:
    # If this stops finding Textual, the tests above prove nothing.
    assert "textual" in _modules_after("import textual.app")
