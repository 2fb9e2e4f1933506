"""udev rule renderer: both module names, and a strict check of the rule syntax."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.golden_util import assert_golden

from virtnet_tui.core.render.udev import render_bridge_udev_rule

# One udev rule: comma-separated KEY op "value" pairs (udev(7)); KEY may carry {attribute}.
_PAIR = r'[A-Z][A-Z_]*(\{[^}"]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"[^"\\]*"'
_RULE = re.compile(rf"{_PAIR}(\s*,\s*{_PAIR})*")
_PAIR_PARTS = re.compile(r'([A-Z_]+)(?:\{[^}]*\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"')
_MATCH_KEYS = {"ACTION", "SUBSYSTEM", "KERNEL", "DEVPATH", "DRIVER", "ATTR", "ENV"}
_ASSIGN_KEYS = {"RUN", "ENV", "NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "TAG"}


def check_rule_syntax(text: str) -> list[tuple[str, str, str]]:
    """The (key, operator, value) triples of the file's rules; fails on anything else."""
    pairs: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assert _RULE.fullmatch(line), f"not a udev rule: {line!r}"
        for match in re.finditer(
            r'([A-Z_]+)(?:\{[^}]*\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"', line
        ):
            key, op, value = match.groups()
            if op in {"==", "!="}:
                assert key in _MATCH_KEYS, f"{key} cannot be matched"
            else:
                assert key in _ASSIGN_KEYS, f"{key} cannot be assigned"
            pairs.append((key, op, value))
    return pairs


@pytest.mark.parametrize(
    ("kernel", "module"),
    [
        ("3.10.0-1160.el7.x86_64", "bridge"),
        ("3.17.8", "bridge"),
        ("3.2.0-4-amd64", "bridge"),  # 2 < 18: compared as numbers, not as text
        ("3.18", "br_netfilter"),
        ("3.100.1", "br_netfilter"),
        ("4.0.0", "br_netfilter"),
        ("6.1.0-18-amd64", "br_netfilter"),
        ("6.18.44-fc-v595", "br_netfilter"),
    ],
)
def test_module_name_follows_the_kernel(kernel: str, module: str) -> None:
    pairs = check_rule_syntax(render_bridge_udev_rule(kernel))
    assert pairs == [
        ("ACTION", "==", "add"),
        ("SUBSYSTEM", "==", "module"),
        ("KERNEL", "==", module),
        ("RUN", "+=", "/sbin/sysctl -p /etc/sysctl.d/bridge.conf"),
    ]


@pytest.mark.parametrize(("kernel", "name"), [("3.10", "old-kernel"), ("6.1", "new-kernel")])
def test_udev_golden(kernel: str, name: str) -> None:
    text = render_bridge_udev_rule(kernel)
    assert text.startswith("# Written by virtnet-wizard.")
    assert_golden(f"render/udev/99-bridge-{name}.rules", text)


def test_unparsable_kernel_is_refused() -> None:
    with pytest.raises(ValueError, match="not a kernel version"):
        render_bridge_udev_rule("linux")


def test_strict_syntax_check_rejects_broken_rules() -> None:
    for broken in [
        'ACTION=="add" SUBSYSTEM=="module"',  # missing comma
        'ACTION=="add", KERNEL=="br_netfilter, RUN+="x"',  # unbalanced quote
        "ACTION==add",  # unquoted value
        'RUN=="/sbin/sysctl"',  # RUN is assigned, never matched
    ]:
        with pytest.raises(AssertionError):
            check_rule_syntax(broken + "\n")


def test_run_program_is_an_absolute_existing_sysctl() -> None:
    # udev runs RUN programs without a PATH search; the rule names /sbin/sysctl.
    if not os.path.exists("/sbin/sysctl"):
        pytest.skip("no /sbin/sysctl on this machine")
    assert os.access("/sbin/sysctl", os.X_OK)


def test_udevadm_verify_when_available(tmp_path: Path) -> None:
    udevadm = shutil.which("udevadm")
    if udevadm is None:
        pytest.skip("udevadm is not installed; the strict syntax check above stands in")
    help_text = subprocess.run([udevadm, "--help"], capture_output=True, text=True).stdout
    if not re.search(r"^\s+verify\b", help_text, re.MULTILINE):
        pytest.skip("this udevadm has no verify command (added in systemd 254)")
    path = tmp_path / "99-bridge.rules"
    path.write_text(render_bridge_udev_rule("6.1"))
    proc = subprocess.run([udevadm, "verify", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
