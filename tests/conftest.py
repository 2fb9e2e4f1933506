"""Shared pytest setup: the throw-away namespace fixture, and the real guests' timings."""

from __future__ import annotations

import pytest
from support.netns import ns  # noqa: F401

#: The user property under which a real-VM test reports a guest's boot-to-lease seconds.
BOOT_TO_LEASE = "boot_to_lease"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the guests' boot-to-lease times, by network type, after the run.

    They travel as user properties of the test reports, so that they arrive from
    pytest-xdist's workers as well.
    """
    times: dict[str, list[float]] = {}
    for report in terminalreporter.stats.get("passed", []):
        for key, value in getattr(report, "user_properties", []):
            if key.startswith(f"{BOOT_TO_LEASE}["):
                times.setdefault(key[len(BOOT_TO_LEASE) + 1 : -1], []).append(float(value))
    if not times:
        return
    terminalreporter.write_sep("-", "real guests: seconds from domain start to DHCP lease")
    for network, seconds in sorted(times.items()):
        terminalreporter.write_line(f"{network:>14}: {', '.join(f'{s:.1f}' for s in seconds)}")
