"""The validators the suite relies on are installed, so no check can be skipped silently."""

from __future__ import annotations

import shutil

import pytest

# scripts/install-system-deps.sh installs every one of these; a missing one is a set-up bug,
# not a reason for the tests that use it to skip.
TOOLS = (
    "virsh",
    "virt-xml-validate",
    "xmllint",
    "dnsmasq",
    "radvd",
    "iptables-restore",
    "ip6tables-restore",
    "iptables-save",
    "ifquery",
    "ifup",
    "systemd-analyze",
    "sysctl",
    "ip",
    "tmux",
    "bash",
    "sh",
)


@pytest.mark.parametrize("tool", TOOLS)
def test_validator_is_installed(tool: str) -> None:
    assert shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin"), (
        f"{tool} is missing: run scripts/install-system-deps.sh"
    )
