"""Dummy-module files: golden files, content, and `sh -n` for the RHEL 6 script."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from support.custom_net_examples import NAT
from support.golden_util import assert_golden

from virtnet_tui.core.render.modprobe import (
    render_modprobe_dummy,
    render_modules_load_dummy,
    render_rhel6_dummy_modules,
    render_sysconfig_dummy,
    sysconfig_dummy_path,
)


def content(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def test_goldens() -> None:
    assert_golden("render/modules-load.d-dummy.conf", render_modules_load_dummy())
    assert_golden("render/modprobe.d-dummy.conf", render_modprobe_dummy())
    assert_golden("render/dummy.modules", render_rhel6_dummy_modules())
    assert_golden("render/sysconfig-virbr10-dummy", render_sysconfig_dummy(NAT))


def test_contents_are_the_handbooks() -> None:
    assert content(render_modules_load_dummy()) == ["dummy"]
    assert content(render_modprobe_dummy()) == ["options dummy numdummies=1"]
    assert content(render_sysconfig_dummy(NAT)) == ["MACADDR=52:54:00:7e:27:af"]
    script = render_rhel6_dummy_modules()
    assert script.startswith("#!/bin/sh\n")
    assert content(script) == ["/sbin/modprobe dummy numdummies=1"]


def test_sysconfig_path() -> None:
    assert sysconfig_dummy_path("virbr10") == "/etc/sysconfig/virbr10-dummy"


def test_sysconfig_needs_a_mac() -> None:
    with pytest.raises(ValueError, match="bridge_mac"):
        render_sysconfig_dummy(dataclasses.replace(NAT, bridge_mac=""))


def test_rhel6_script_parses(tmp_path: Path) -> None:
    script = tmp_path / "dummy.modules"
    script.write_text(render_rhel6_dummy_modules())
    proc = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_sysconfig_file_is_readable_by_a_shell(tmp_path: Path) -> None:
    """systemd's EnvironmentFile and sh read the same KEY=value lines."""
    env = tmp_path / "virbr10-dummy"
    env.write_text(render_sysconfig_dummy(NAT))
    proc = subprocess.run(
        ["sh", "-c", f'. "{env}" && printf %s "$MACADDR"'], capture_output=True, text=True
    )
    assert proc.stdout == "52:54:00:7e:27:af", proc.stderr
