"""What the later screens need, loaded in the background while the operator reads Welcome.

The first frame imports almost nothing (tests/tui/test_first_frame_imports.py); without
this, each step would pay for its own imports when the operator presses Next.
"""

from __future__ import annotations

import importlib

#: Modules the steps after Welcome import, in the order the operator meets them.
MODULES = (
    # Situation: the questions, checked as typed.
    "virtnet_tui.wizard.form",
    "virtnet_tui.core.validate.answers",
    "virtnet_tui.tui.widgets.field_row",
    "virtnet_tui.tui.screens.situation",
    # Recommendation: the advisor.
    "virtnet_tui.core.advisor",
    "virtnet_tui.tui.screens.recommendation",
    # Parameters: the defaults (netaddr) and the labels of the fields.
    "netaddr",
    "virtnet_tui.core.defaults",
    "virtnet_tui.wizard.labels",
    "virtnet_tui.tui.screens.parameters",
    # Preview: the plan (recipes, renderers), the files on the host, exports.
    "virtnet_tui.core.planning",
    "virtnet_tui.core.recipes",
    "virtnet_tui.core.answers",
    "virtnet_tui.core.render.script",
    "virtnet_tui.wizard.file_changes",
    "virtnet_tui.tui.screens.preview",
    "virtnet_tui.tui.dialogs.yes_no",
    "virtnet_tui.tui.dialogs.export_dialog",
    # Apply.
    "virtnet_tui.tui.screens.apply",
)

#: The highlighters the preview's file pane uses (Pygments loads each on first use).
LEXERS = ("bash", "ini", "xml", "diff", "toml", "text")


def preload() -> None:
    """Import what the later steps need; meant for a worker thread."""
    for name in MODULES:
        importlib.import_module(name)
    from rich.syntax import Syntax

    for lexer in LEXERS:
        _ = Syntax("", lexer).lexer
