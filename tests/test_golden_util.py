"""UPDATE_GOLDEN=1 shows the diff of every golden file it rewrites, and only of those."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from support import golden_util


def test_a_rewrite_reports_its_diff_and_an_unchanged_file_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(golden_util, "GOLDEN_DIR", tmp_path)
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    (tmp_path / "x.conf").write_text("a\nb\n")
    with pytest.warns(golden_util.GoldenRewritten) as seen:
        golden_util.assert_golden("x.conf", "a\nc\n")
    [warning] = seen
    assert "-b\n+c\n" in str(warning.message) and "tests/golden/x.conf" in str(warning.message)
    assert (tmp_path / "x.conf").read_text() == "a\nc\n"
    with pytest.warns() as quiet:
        golden_util.assert_golden("x.conf", "a\nc\n")
        warnings.warn("a sentinel", UserWarning, stacklevel=1)
    assert [type(w.message) for w in quiet] == [UserWarning]
