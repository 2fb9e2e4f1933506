"""No code decides what to do by the kind of its host: it asks the host's capabilities."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

import virtnet_tui
from virtnet_tui.hosts.base import HostKind

PACKAGE = Path(virtnet_tui.__file__).parent
HOST_KINDS = frozenset(typing.get_args(HostKind))


def _is_kind(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "kind"


def _host_kinds_in(node: ast.expr) -> bool:
    """A host kind's name, alone or in a tuple, list or set (``kind in ("sandbox", ...)``)."""
    if isinstance(node, ast.Constant):
        return node.value in HOST_KINDS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_host_kinds_in(item) for item in node.elts)
    return False


def kind_branches(source: str) -> list[int]:
    """Lines that compare some ``x.kind`` with a host kind's name, or match on one."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(map(_is_kind, operands)) and any(map(_host_kinds_in, operands)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_kind(node.subject):
            values = [c.pattern for c in node.cases if isinstance(c.pattern, ast.MatchValue)]
            if any(_host_kinds_in(p.value) for p in values):
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    "source",
    [
        'if host.kind == "sandbox":\n    pass\n',
        'x = files.host.kind != "netns"\n',
        'ok = "real" == self.host.kind\n',
        'if host.kind in ("sandbox", "netns"):\n    pass\n',
        'match host.kind:\n    case "sandbox":\n        pass\n',
    ],
)
def test_the_search_finds_a_kind_branch(source: str) -> None:
    assert kind_branches(source) == [1]


def test_the_search_leaves_other_kinds_alone() -> None:
    assert kind_branches('wired = [i for i in links if i.kind == "ethernet"]\n') == []


def test_no_module_branches_on_the_kind_of_its_host() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in kind_branches(path.read_text())
    ]
    assert len(list(PACKAGE.rglob("*.py"))) > 50, "the walk found the package's modules"
    assert found == [], "ask the host a capability (hosts/base.py) instead"
