"""Reads and writes the TOML answers file, checking the type of every field.

The file has a required ``[situation]`` table, an optional ``[host]`` table and
an optional array of ``[[network]]`` tables, each with optional
``[[network.dhcp_host]]`` and ``[[network.forward]]`` entries; docs/answers.md
lists every key. This module only checks shapes and types;
``virtnet_tui.core.validate.answers`` checks whether the values make sense together.

Required keys: ``situation.site`` and ``situation.uplink`` (the two answers no
default can stand in for), ``network[i].type`` and ``network[i].name``, and
``ip`` of a ``dhcp_host`` entry, ``proto``, ``ports`` and ``to`` of a
``forward`` entry. Every other key takes the default of its model field;
``network[i].bridge`` defaults to the network's name.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import tomli_w

from virtnet_tui.core.errors import AnswersError, FieldError
from virtnet_tui.core.model import (
    Answers,
    DhcpHost,
    HostFacts,
    NetworkSpec,
    PortForward,
    Situation,
)

T = TypeVar("T")

#: HostFacts fields that only the probe fills in; they have no key in the file.
_PROBE_ONLY = frozenset({"files", "netconfig_problem"})
#: ``[[network]]`` keys whose TOML spelling differs from the model field.
_NETWORK_TABLE_KEYS = {"dhcp_host": "dhcp_hosts", "forward": "forwards"}
_REQUIRED: dict[type, frozenset[str]] = {
    Situation: frozenset({"site", "uplink"}),
    HostFacts: frozenset(),
    NetworkSpec: frozenset({"type", "name"}),
    DhcpHost: frozenset({"ip"}),
    PortForward: frozenset({"proto", "ports", "to"}),
}

# Limits far above any real host, so that absurd input is refused at once instead of
# costing minutes and gigabytes (or a RecursionError) further on.
#: Largest answers file read, in bytes; a bigger one (or /dev/zero) is refused unread.
MAX_ANSWERS_BYTES = 1024 * 1024
#: Deepest nesting of tables and arrays; a real file needs 6 (network, dhcp_host, ports).
MAX_NESTING = 10
MAX_NETWORKS = 64
#: Largest count of entries in one network's (or forward's) array, by TOML key.
MAX_ENTRIES = {"dhcp_host": 1024, "forward": 256, "ports": 100}

_TOML_POSITION = re.compile(r"^(?P<reason>.*?)\s*\(at (?P<where>line \d+, column \d+)\)$")


def _readable(hint: object) -> bool:
    """Whether a model field of this type can be spelled in the answers file."""
    origin, args = get_origin(hint), get_args(hint)
    if hint in (bool, int, str):
        return True
    if origin is Literal:
        return all(isinstance(arg, str) for arg in args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0] in (int, str)
    # An optional [start, end] range: ``tuple[str, str] | None``.
    return origin in (typing.Union, types.UnionType) and set(args) == {tuple[str, str], type(None)}


def _file_keys(cls: type, skip: frozenset[str] = frozenset()) -> list[str]:
    """The fields of ``cls`` that the answers file may set, in declaration order."""
    hints = get_type_hints(cls)
    return [f.name for f in fields(cls) if f.name not in skip and _readable(hints[f.name])]


#: Keys a ``[host]`` table may set, in the order of the model's fields.
HOST_KEYS: tuple[str, ...] = tuple(_file_keys(HostFacts, _PROBE_ONLY))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    """How TOML would call the type of ``value``, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date/time"


class _Reader:
    """Turns parsed TOML into model objects, collecting every error on the way."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, value: object, reason: str) -> None:
        self.errors.append(FieldError(field, value, reason))

    def unknown_keys(self, table: Mapping[str, object], path: str, known: Sequence[str]) -> None:
        for key in table:
            if key in known:
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
            self.fail(_join(path, key), None, f"unknown key; {hint}")

    def value(self, path: str, raw: object, hint: object) -> tuple[bool, object]:
        """Check ``raw`` against the model's type ``hint``; (ok, converted value)."""
        origin = get_origin(hint)
        if hint is bool:
            if isinstance(raw, bool):
                return True, raw
            self.fail(path, raw, f"must be true or false, not {_type_name(raw)}")
        elif hint is int:
            # TOML booleans are not numbers, although Python's bool is an int.
            if isinstance(raw, int) and not isinstance(raw, bool):
                return True, raw
            self.fail(path, raw, f"must be an integer, not {_type_name(raw)}")
        elif hint is str:
            if isinstance(raw, str):
                return True, raw
            self.fail(path, raw, f"must be a string, not {_type_name(raw)}")
        elif origin is Literal:
            allowed = get_args(hint)
            if raw in allowed and isinstance(raw, str):
                return True, raw
            self.fail(path, raw, "must be one of " + ", ".join(repr(a) for a in allowed))
        elif origin is tuple and get_args(hint)[1:] == (Ellipsis,):
            return self.array(path, raw, get_args(hint)[0])
        else:
            # _readable() lets through one more kind: an optional [start, end] range.
            return self.range_pair(path, raw)
        return False, None

    def array(self, path: str, raw: object, item_hint: object) -> tuple[bool, object]:
        item = "integers" if item_hint is int else "strings"
        if not isinstance(raw, list):
            self.fail(path, raw, f"must be an array of {item}, not {_type_name(raw)}")
            return False, None
        limit = MAX_ENTRIES.get(path.rsplit(".", 1)[-1])
        if limit is not None and len(raw) > limit:
            self.fail(path, None, f"has {len(raw)} entries; at most {limit} are allowed")
            return False, None
        items = []
        ok = True
        for index, entry in enumerate(raw):
            entry_ok, converted = self.value(f"{path}[{index}]", entry, item_hint)
            ok = ok and entry_ok
            items.append(converted)
        return ok, tuple(items)

    def range_pair(self, path: str, raw: object) -> tuple[bool, object]:
        """``[start, end]`` as a pair of strings, or ``[]`` for none."""
        if isinstance(raw, list) and not raw:
            return True, None
        if (
            isinstance(raw, list)
            and len(raw) == 2
            and isinstance(raw[0], str)
            and isinstance(raw[1], str)
        ):
            return True, (raw[0], raw[1])
        self.fail(path, raw, "must be [start, end] (two addresses as strings), or [] for none")
        return False, None

    def tables(self, path: str, raw: object) -> list[tuple[str, dict[str, object]]]:
        """The entries of an array of tables, with their paths."""
        name = path.rsplit(".", 1)[-1]
        header = re.sub(r"\[\d+\]", "", path)
        if not isinstance(raw, list):
            self.fail(
                path,
                raw if not isinstance(raw, dict) else None,
                f"must be an array of tables: write [[{header}]] (double brackets) "
                f"for each {name} entry",
            )
            return []
        limit = MAX_NETWORKS if path == "network" else MAX_ENTRIES.get(name)
        if limit is not None and len(raw) > limit:
            self.fail(path, None, f"has {len(raw)} entries; at most {limit} are allowed")
            return []
        entries = []
        for index, entry in enumerate(raw):
            entry_path = f"{path}[{index}]"
            if isinstance(entry, dict):
                entries.append((entry_path, entry))
            else:
                self.fail(entry_path, entry, f"must be a table, not {_type_name(entry)}")
        return entries

    def record(
        self,
        cls: type[T],
        path: str,
        table: Mapping[str, object],
        *,
        skip: frozenset[str] = frozenset(),
        extra: Mapping[str, object] | None = None,
    ) -> tuple[T | None, list[str]]:
        """Build ``cls`` from a table's flat keys; returns (object or None, keys given).

        ``skip`` names fields read elsewhere (nested tables); ``extra`` supplies them.
        """
        hints = get_type_hints(cls)
        known = _file_keys(cls, skip)
        known_keys = known + [k for k in _NETWORK_TABLE_KEYS if cls is NetworkSpec]
        self.unknown_keys(table, path, known_keys)
        kwargs: dict[str, Any] = dict(extra or {})
        given: list[str] = []
        complete = True
        for name in known:
            if name not in table:
                continue
            given.append(name)
            ok, converted = self.value(_join(path, name), table[name], hints[name])
            if ok:
                kwargs[name] = converted
            else:
                complete = False
        # Model fields without a default are required too, unless supplied by ``extra``.
        required = _REQUIRED[cls] | {
            f.name
            for f in fields(cls)  # type: ignore[arg-type]
            if f.default is MISSING and f.default_factory is MISSING and f.name not in kwargs
        }
        for name in sorted(required - set(given)):
            self.fail(_join(path, name), None, "missing; this key is required")
            complete = False
        if not complete:
            return None, given
        return cls(**kwargs), given

    def network(self, path: str, table: Mapping[str, object]) -> NetworkSpec | None:
        nested: dict[str, object] = {}
        for key, field_name in _NETWORK_TABLE_KEYS.items():
            if key not in table:
                continue
            item_cls: type[DhcpHost] | type[PortForward] = (
                DhcpHost if key == "dhcp_host" else PortForward
            )
            items = []
            for entry_path, entry in self.tables(_join(path, key), table[key]):
                item, _ = self.record(item_cls, entry_path, entry)
                if item is not None:
                    items.append(item)
            nested[field_name] = tuple(items)
        extra: dict[str, object] = dict(nested)
        # A bridge named after its network is the common case (virbr10 / virbr10).
        # Without a usable name the network fails on ``name`` alone.
        name = table.get("name")
        extra["bridge"] = name if isinstance(name, str) else ""
        spec, _ = self.record(
            NetworkSpec, path, table, skip=frozenset(_NETWORK_TABLE_KEYS.values()), extra=extra
        )
        return spec

    def answers(self, document: Mapping[str, object]) -> Answers | None:
        self.unknown_keys(document, "", ("situation", "host", "network"))
        situation: Situation | None = Situation()
        if "situation" not in document:
            self.fail("situation", None, "missing; the [situation] table is required")
        elif not isinstance(document["situation"], dict):
            self.fail("situation", document["situation"], "must be a table: write [situation]")
        else:
            situation, _ = self.record(Situation, "situation", document["situation"])

        host: HostFacts | None = HostFacts()
        host_given: list[str] = []
        if "host" in document:
            raw_host = document["host"]
            if isinstance(raw_host, dict):
                host, host_given = self.record(HostFacts, "host", raw_host, skip=_PROBE_ONLY)
            else:
                self.fail("host", raw_host, "must be a table: write [host]")

        networks = []
        if "network" in document:
            for path, table in self.tables("network", document["network"]):
                spec = self.network(path, table)
                if spec is not None:
                    networks.append(spec)

        if self.errors or situation is None or host is None:
            return None
        return Answers(
            situation=situation,
            host=host,
            networks=tuple(networks),
            host_given=tuple(key for key in HOST_KEYS if key in host_given),
        )


def _too_big(size: int) -> FieldError:
    return FieldError(
        "<file>", None, f"is {size} bytes or more; at most {MAX_ANSWERS_BYTES} bytes are allowed"
    )


def _too_deep() -> FieldError:
    return FieldError("<file>", None, f"nests tables or arrays more than {MAX_NESTING} levels deep")


def _depth(document: object) -> int:
    """How deep tables and arrays nest in parsed TOML (counted without recursion)."""
    deepest = 0
    pending: list[tuple[object, int]] = [(document, 0)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, dict):
            children: list[object] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_NESTING:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest


def read_answers_text(path: Path) -> str:
    """The text of the answers file at ``path``, reading at most one byte past the limit.

    Raises:
        AnswersError: the file cannot be read, is too big or is not UTF-8.
    """
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_ANSWERS_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AnswersError(
            [FieldError("--answers", str(path), f"cannot read the file: {reason}")]
        ) from None
    if len(data) > MAX_ANSWERS_BYTES:
        raise AnswersError([_too_big(len(data))])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise AnswersError(
            [FieldError("--answers", str(path), "the file is not UTF-8 text")]
        ) from None


def parse_answers(text: str) -> Answers:
    """Parse an answers file's text into the typed model.

    Raises:
        AnswersError: with one FieldError per problem: a TOML syntax error (the
            field is its line and column), a value of the wrong type, a
            missing required key, or an unknown key (with a did-you-mean).
    """
    if len(text) > MAX_ANSWERS_BYTES or len(text.encode()) > MAX_ANSWERS_BYTES:
        raise AnswersError([_too_big(len(text.encode()))])
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise AnswersError([_too_deep()]) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.match(message)
        where, reason = (match["where"], match["reason"]) if match else ("<file>", message)
        raise AnswersError([FieldError(where, None, f"not valid TOML: {reason}")]) from None
    if _depth(document) > MAX_NESTING:
        raise AnswersError([_too_deep()])
    reader = _Reader()
    answers = reader.answers(document)
    if answers is None:
        raise AnswersError(reader.errors)
    return answers


def load_answers(path: Path) -> Answers:
    """Read and parse the answers file at ``path``.

    Raises:
        AnswersError: the file cannot be read (the field is ``--answers``), or
            its content is not a valid answers file.
    """
    return parse_answers(read_answers_text(path))


def _toml_value(value: object) -> object:
    """Tuples become TOML arrays."""
    if isinstance(value, tuple):
        return [_toml_value(item) for item in value]
    return value


def _changed_fields(obj: object, always: Sequence[str]) -> dict[str, object]:
    """The fields of a dataclass that ``always`` lists or that differ from their default."""
    table: dict[str, object] = {}
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if f.name in _NETWORK_TABLE_KEYS.values() or value is None:
            continue
        if f.name in always or f.default is MISSING or value != f.default:
            table[f.name] = _toml_value(value)
    return table


def answers_to_toml(answers: Answers, *, all_host_keys: bool = False) -> str:
    """The answers as an answers file; ``parse_answers`` reads it back unchanged.

    Args:
        answers: what to write.
        all_host_keys: write every ``[host]`` key, not just those in
            ``answers.host_given`` (for example, to save what the probe found).
            The written file then marks every host key as given.
    """
    host_keys = HOST_KEYS if all_host_keys else answers.host_given
    document: dict[str, object] = {
        "situation": {f.name: getattr(answers.situation, f.name) for f in fields(Situation)},
    }
    host = {key: _toml_value(getattr(answers.host, key)) for key in HOST_KEYS if key in host_keys}
    if host:
        document["host"] = host
    networks = []
    for spec in answers.networks:
        # The mode is spelled out next to an IPv6 subnet even when it is the default.
        always = (
            ("type", "name", "bridge", "ipv6_mode") if spec.ipv6 else ("type", "name", "bridge")
        )
        table = _changed_fields(spec, always)
        if spec.dhcp_hosts:
            table["dhcp_host"] = [_changed_fields(h, ("ip",)) for h in spec.dhcp_hosts]
        if spec.forwards:
            table["forward"] = [_changed_fields(f, ("to_port",)) for f in spec.forwards]
        networks.append(table)
    if networks:
        document["network"] = networks
    body = tomli_w.dumps(document)
    return "# virtnet-wizard answers file (see `virtnet-wizard plan --answers FILE`).\n\n" + body
