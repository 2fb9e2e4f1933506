"""What the operator is told is wrong: findings about the answers, damaged or foreign records."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from dataclasses import dataclass

# Values come straight from a user's file and can be huge (a table pasted in
# the wrong place); a message needs a recognisable prefix, not the whole thing.
_SHORT = reprlib.Repr()
_SHORT.maxstring = 80
_SHORT.maxother = 80
_SHORT.maxlist = 8
_SHORT.maxtuple = 8
_SHORT.maxdict = 6
_SHORT.maxlevel = 3


def _as_toml_shape(value: object) -> object:
    """Show tuples as lists: the answers file spells every sequence as a TOML array."""
    if isinstance(value, tuple):
        return [_as_toml_shape(item) for item in value]
    if isinstance(value, list):
        return [_as_toml_shape(item) for item in value]
    return value


def show_value(value: object) -> str:
    """A short, quoted rendering of ``value`` for a message."""
    return _SHORT.repr(_as_toml_shape(value))


@dataclass(frozen=True)
class _FieldNote:
    field: str
    """Dotted path of the field, e.g. ``network[0].dhcp_host[2].mac``."""
    value: object
    """The offending value; ``None`` when there is none to show (a missing or unknown key)."""
    reason: str
    """What is wrong, in plain words."""

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.field}: {self.reason}"
        return f"{self.field} = {show_value(self.value)}: {self.reason}"


@dataclass(frozen=True)
class FieldError(_FieldNote):
    """A value the wizard cannot work with."""


@dataclass(frozen=True)
class FieldWarning(_FieldNote):
    """A value that works but is probably not what the operator wants."""


class AnswersError(Exception):
    """The answers are unusable; ``errors`` lists every problem found, not just the first."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("AnswersError needs at least one FieldError")
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


class RecordError(Exception):
    """One of the wizard's records (a run's plan, journal or backups, the lock, the runs
    folder) cannot be read or trusted. Refused before anything is changed (exit 2).

    The message names the file, says what is wrong with it and what the operator can do.
    """

    def __init__(self, path: object, problem: str, advice: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.advice = advice
        super().__init__(f"{self.path}: {problem}. {advice}")
