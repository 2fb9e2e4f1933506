"""Parses ``VIRTNET_FAULT``: a fault injected at a numbered step, to see rollback work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ENV = "VIRTNET_FAULT"

_SPEC = re.compile(r"^(?P<when>before|after)-step:(?P<n>[0-9]+):(?P<action>fail|kill)$")


class FaultError(ValueError):
    """``VIRTNET_FAULT`` is not a fault this program understands (the message says why)."""


@dataclass(frozen=True)
class Fault:
    """Step ``step`` (1-based, ``Plan.steps()`` order) fails before it runs, or the
    wizard kills itself with SIGKILL right after it."""

    when: Literal["before", "after"]
    step: int
    action: Literal["fail", "kill"]

    def __str__(self) -> str:
        return f"{self.when}-step:{self.step}:{self.action}"

    def fails_before(self, step: int) -> bool:
        return self.when == "before" and self.action == "fail" and step == self.step

    def kills_after(self, step: int) -> bool:
        return self.when == "after" and self.action == "kill" and step == self.step


#: The combinations that make sense: failing after a step would only duplicate a
#: failing next step, and killing before a step is killing after the previous one.
_SUPPORTED = {("before", "fail"), ("after", "kill")}


def parse_fault(text: str | None) -> Fault | None:
    """The fault ``text`` asks for; ``None`` when it is unset or empty.

    Raises:
        FaultError: the value is malformed or asks for an unsupported combination.
    """
    if text is None or not text.strip():
        return None
    match = _SPEC.fullmatch(text.strip())
    if match is None:
        raise FaultError(
            f"{ENV}={text!r}: expected before-step:N:fail or after-step:N:kill "
            "(N is a step number as `plan --json` lists them, from 1)"
        )
    when, action, step = match["when"], match["action"], int(match["n"])
    if (when, action) not in _SUPPORTED:
        raise FaultError(
            f"{ENV}={text!r}: {when}-step with {action} is not supported; "
            "use before-step:N:fail or after-step:N:kill"
        )
    if step < 1:
        raise FaultError(f"{ENV}={text!r}: steps are numbered from 1")
    return Fault(when, step, action)  # type: ignore[arg-type]


def check_fault_in_plan(fault: Fault | None, steps: int) -> None:
    """Raise ``FaultError`` when the fault names a step the plan does not have."""
    if fault is not None and fault.step > steps:
        raise FaultError(f"{ENV}={fault}: the plan has only {steps} steps")
