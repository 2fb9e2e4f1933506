"""The installed console script in a real terminal (tmux), driven as a person would."""

from __future__ import annotations

import sys
from pathlib import Path

from support.tmux_session import terminal

WIZARD = str(Path(sys.executable).with_name("virtnet-wizard"))


def test_tui_in_tmux_reaches_the_preview(tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    with terminal([WIZARD, "--sandbox", str(sandbox)], cwd=tmp_path) as term:
        term.wait_for("Step 1 of 6")
        term.wait_for("libvirt networks already defined: default")  # the probe has run
        term.keys("Enter")
        term.wait_for("Step 2 of 6")
        # No spare IPv4 address and a firewall kept by hand: a custom NAT network, whose
        # defaults need no typing and whose plan writes files.
        term.keys("Tab", "Tab")
        term.keys("Home", "C-k")
        term.wait_for("must be a whole number")
        term.keys("0")
        term.wait_for("IPv4 addresses for VMs        0")
        term.wait_gone("must be a whole number")
        term.keys("Tab", "Tab", "Tab", "Tab", "Tab", "Enter")
        term.wait_for("I manage it myself")
        term.keys("Down", "Enter")
        term.wait_for("I manage it myself          ")
        term.keys("C-n")
        term.wait_for("Step 3 of 6")
        term.wait_for("custom-nat (IPv4)")
        term.keys("C-n")
        term.wait_for("Step 4 of 6")
        screen = term.wait_for("192.168.100.1/24")  # a free private subnet by default
        term.keys("C-n")
        screen = term.wait_for("Step 5 of 6")
        assert "/etc/" in screen or "/var/lib/" in screen, screen
        assert "Commands by stage" in screen
        # Escape goes back to the parameters, which kept their values.
        term.keys("Escape")
        screen = term.wait_for("Step 4 of 6")
        assert "192.168.100.1/24" in screen
        # q asks before quitting; n stays.
        term.keys("C-n")
        term.wait_for("Step 5 of 6")
        term.keys("q")
        term.wait_for("Quit the wizard?")
        term.keys("n")
        screen = term.wait_gone("Quit the wizard?")
        assert "Step 5 of 6" in screen
        # y quits: the program ends (tmux keeps the dead pane to read).
        term.keys("q")
        term.wait_for("Quit the wizard?")
        term.keys("y")
        assert term.wait_exit() == 0
    # Nothing was applied: the sandbox holds the seeded demo host only.
    assert not (sandbox / "etc" / "libvirt").exists()
    assert not (sandbox / "var/lib/virtnet-wizard/sandbox/commands.log").exists()
