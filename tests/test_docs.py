"""The repository stands alone: docs link only to its own files; nothing names outside files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from support.paths import REPO

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
OUTSIDE = re.compile(r"\.\./shared|DESIGN\.md")


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", *patterns],
        capture_output=True,
        check=True,
    ).stdout
    return [REPO / name for name in out.decode().split("\0") if name]


def local_links(path: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(path.read_text())
        if not re.match(r"[a-z]+:", target)  # http:, https:, mailto:
    ]


@pytest.mark.parametrize("doc", tracked("*.md"), ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_of_a_doc_points_to_a_file_of_the_repository(doc: Path) -> None:
    for target in local_links(doc):
        resolved = (doc.parent / target).resolve()
        assert resolved.is_relative_to(REPO), f"{target} leaves the repository"
        assert resolved.exists(), f"{target} does not exist"


def test_nothing_names_files_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(REPO)}: {line.strip()}"
        for path in tracked("*.md", "*.py", "*.toml", "*.sh", "*.tcss", "scripts/*", ".ci/*")
        if path.is_file() and path != Path(__file__)
        for line in path.read_text(errors="replace").splitlines()
        if OUTSIDE.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_link_check_can_fail(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("see [a](missing.md), [b](https://example.org/x) and [c](../../x.md#y)")
    assert local_links(doc) == ["missing.md", "../../x.md"]
    assert OUTSIDE.search("as ../shared/DESIGN.md says")
