"""The pure core and the non-TUI layers never import Textual (or touch the system).

The modules are found by walking the packages, so a new module is checked without being
listed anywhere. import-linter (``scripts/lint``) checks the same rules statically; this
test checks what really happens at import time.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

#: Layer -> top-level packages its modules must never load.
RULES = {
    "core": ("textual", "rich", "libvirt", "subprocess", "questionary"),
    "hosts": ("textual", "rich", "questionary"),
    "probe": ("textual", "rich", "questionary"),
    "executor": ("textual", "rich", "questionary"),
    "managed": ("textual", "rich", "questionary"),
    "wizard": ("textual", "rich", "questionary"),
}

# Imports each module in turn and reports, per module, the forbidden packages that
# appeared in sys.modules with it: the first module to load one is the one to blame.
_PROBE = """
import importlib, json, sys
forbidden = tuple(sys.argv[2].split(","))
def bad():
    return {m.split(".")[0] for m in sys.modules if m.split(".")[0] in forbidden}
report = {"before": sorted(bad()), "modules": {}}
for name in sys.argv[1].split(","):
    seen = bad()
    importlib.import_module(name)
    report["modules"][name] = sorted(bad() - seen)
print(json.dumps(report))
"""


def modules_of(layer: str) -> list[str]:
    """Every module of ``virtnet_tui.<layer>``, found on disk."""
    package = importlib.import_module(f"virtnet_tui.{layer}")
    found = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
        found.append(info.name)
    return sorted(found)


def loaded_by(modules: list[str], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(modules), ",".join(forbidden)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    report = json.loads(out.splitlines()[-1])
    assert report["before"] == [], "the interpreter started with them loaded"
    return {name: bad for name, bad in report["modules"].items() if bad}


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_nothing_forbidden(layer: str) -> None:
    modules = modules_of(layer)
    assert len(modules) > 1, f"no modules found under virtnet_tui.{layer}"
    assert not loaded_by(modules, RULES[layer])


def test_the_core_is_found_by_walking() -> None:
    modules = modules_of("core")
    assert "virtnet_tui.core.render.dnsmasq" in modules
    assert "virtnet_tui.core.recipes.custom" in modules
    assert len(modules) >= 40


@pytest.mark.parametrize("command", ["recommend", "plan"])
def test_cli_commands_do_not_import_textual(command: str) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from virtnet_tui.cli.main import main\n"
        "from importlib.resources import files\n"
        "p = str(files('virtnet_tui') / 'examples' / 'demo.toml')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = main(['{command}', '--answers', p, '--json'])\n"
        "assert rc == 0, rc\n"
        "import json; print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert "virtnet_tui.core.planning" in loaded or command == "recommend"
    assert not [m for m in loaded if m.split(".")[0] in ("textual", "rich")]


def test_the_check_itself_can_fail() -> None:
    # If this stops finding Textual, the tests above prove nothing.
    blamed = loaded_by(["virtnet_tui.core.model", "virtnet_tui.tui.app"], ("textual",))
    assert list(blamed) == ["virtnet_tui.tui.app"]
