"""Comparing dotted version strings such as dnsmasq's "2.90" or a kernel's "3.18.0-1"."""

from __future__ import annotations

import re


def version_tuple(text: str) -> tuple[int, ...]:
    """The leading numeric parts of ``text``: "3.10.0-1160.el7" -> (3, 10, 0)."""
    match = re.match(r"\d+(?:\.\d+)*", text.strip())
    if not match:
        return ()
    return tuple(int(part) for part in match.group(0).split("."))


def at_least(version: str, minimum: str) -> bool:
    """True when ``version`` is ``minimum`` or newer; an unparsable version counts as new."""
    have = version_tuple(version)
    return not have or have >= version_tuple(minimum)
