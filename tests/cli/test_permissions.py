"""A user who may not write the wizard's records gets a refusal naming the path, never a crash."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.paths import EXAMPLES

from virtnet_tui.executor.journal import LOCK_PATH
from virtnet_tui.hosts.sandbox import SandboxHost

NOBODY = "65534"
SETPRIV = shutil.which("setpriv")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None, reason="needs root and setpriv to become nobody"
)


@pytest.fixture
def root_owned() -> Iterator[Path]:
    """A sandbox owned by root that anyone may read but only root may write."""
    folder = Path(tempfile.mkdtemp(prefix="vnw-perm-"))
    folder.chmod(0o755)
    root = folder / "root"
    SandboxHost(root).write_text(LOCK_PATH, "")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        yield root
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
    assert SETPRIV is not None
    env = {k: v for k, v in os.environ.items() if k != "VIRTNET_FAULT"}
    return subprocess.run(
        [
            SETPRIV,
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            sys.executable,
            "-m",
            "virtnet_tui",
            *argv,
        ],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd="/",
        timeout=120,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("apply", "--answers", str(EXAMPLES / "nat.toml"), "--yes"),
        ("rollback",),
    ],
    ids=["apply", "rollback"],
)
def test_unwritable_records_are_refused_by_path(root_owned: Path, argv: tuple[str, ...]) -> None:
    before = sorted(str(p) for p in root_owned.rglob("*"))
    proc = as_nobody(*argv, "--root", str(root_owned))
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr
    assert "permission denied on " in proc.stderr
    assert str(root_owned / LOCK_PATH.lstrip("/")) in proc.stderr
    assert sorted(str(p) for p in root_owned.rglob("*")) == before
