"""The errors and warnings of a check of whole answers, kept in the order they are found."""

from __future__ import annotations

from dataclasses import dataclass

from virtnet_tui.core.errors import FieldError, FieldWarning
from virtnet_tui.core.validate.fields import (
    Address,
    Interface,
    InvalidValue,
    Version,
    parse_address,
    parse_interface,
)


@dataclass(frozen=True)
class Findings:
    """Everything wrong (errors) or doubtful (warnings) about a set of answers."""

    errors: tuple[FieldError, ...] = ()
    warnings: tuple[FieldWarning, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class Report:
    """Findings as the subject checks add them; their order is the order the operator sees."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.warnings: list[FieldWarning] = []

    def error(self, field: str, value: object, reason: str) -> None:
        self.errors.append(FieldError(field, value, reason))

    def warn(self, field: str, value: object, reason: str) -> None:
        self.warnings.append(FieldWarning(field, value, reason))

    def warn_once(self, field: str, value: object, reason: str) -> None:
        """Warn unless this very warning was given already (a fact shared by several networks)."""
        warning = FieldWarning(field, value, reason)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def add(self, error: FieldError | None) -> bool:
        """Record ``error`` if any; True when the value passed."""
        if error is None:
            return True
        self.errors.append(error)
        return False

    def interface(self, field: str, value: str, version: Version) -> Interface | None:
        """``value`` parsed as an address with prefix, or None once the reason is recorded."""
        try:
            return parse_interface(value, version)
        except InvalidValue as exc:
            self.error(field, value, str(exc))
            return None

    def address(self, field: str, value: str, version: Version) -> Address | None:
        """``value`` parsed as a single address, or None once the reason is recorded."""
        try:
            return parse_address(value, version)
        except InvalidValue as exc:
            self.error(field, value, str(exc))
            return None

    def findings(self) -> Findings:
        return Findings(tuple(self.errors), tuple(self.warnings))
