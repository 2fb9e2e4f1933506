"""Drives the real ``virtnet-wizard apply`` and ``rollback`` against a namespace and a root."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.plan import Plan
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.recipes.packages import NEEDS
from virtnet_tui.executor.replay import plan_from_json

#: Risky stages are confirmed by their checks under --yes; a short timeout keeps a guard
#: that is left waiting (a test failing half-way) from lingering.
CONFIRM_TIMEOUT = "20"


@dataclass(frozen=True)
class Result:
    """What one ``virtnet-wizard`` command did."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"{' '.join(self.argv)} exited {self.returncode}:\n{self.stdout}\n{self.stderr}"


def planned(answers: Path) -> Plan:
    """The plan ``apply`` makes from ``answers`` in these namespaces.

    Probing the namespace finds every package the recipes need
    (scripts/install-system-deps.sh put them on the machine): no install stage. The other
    probed facts do not change these fully described networks.
    """
    loaded = load_answers(answers)
    return prepare(replace(loaded, host=replace(loaded.host, installed=NEEDS))).plan


def wizard(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> Result:
    """Run ``virtnet-wizard ARGS`` as a separate process, as an operator would."""
    argv = (sys.executable, "-m", "virtnet_tui.cli.main", *args)
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return Result(argv[2:], proc.returncode, proc.stdout, proc.stderr)


@dataclass
class Applied:
    """A plan applied by ``virtnet-wizard apply``, with the way back."""

    plan: Plan
    run_id: str
    netns: str
    root: Path
    output: Result
    env: dict[str, str] | None = None
    """Extra environment of the apply (a PATH without iptables), used by rollback too."""

    def rollback(self) -> Result:
        """``virtnet-wizard rollback RUN_ID``; it must succeed."""
        result = wizard(
            "rollback", self.run_id, "--root", str(self.root), "--netns", self.netns, env=self.env
        )
        assert result.returncode == 0, str(result)
        return result


def apply_answers(
    answers: Path, netns: str, root: Path, env: dict[str, str] | None = None
) -> Applied:
    """``virtnet-wizard apply --answers F --root DIR --netns NAME --yes``; it must succeed."""
    result = wizard(
        "apply",
        "--answers",
        str(answers),
        "--root",
        str(root),
        "--netns",
        netns,
        "--yes",
        "--confirm-timeout",
        CONFIRM_TIMEOUT,
        env=env,
    )
    assert result.returncode == 0, str(result)
    found = re.search(r"virtnet-wizard rollback (\S+)", result.stdout)
    assert found, f"apply did not name its run:\n{result.stdout}"
    run_id = found.group(1)
    # The plan the run really applied (the probe completed the answers), not a re-derivation.
    plan_json = root / "var/lib/virtnet-wizard/runs" / run_id / "plan.json"
    plan = plan_from_json(json.loads(plan_json.read_text()))
    return Applied(plan, run_id, netns, root, result, env)


def run_id_of(result: Result) -> str:
    """The run a command made, from the ``virtnet-wizard rollback RUN_ID`` it suggests."""
    found = re.search(r"virtnet-wizard rollback (\S+)", result.stdout)
    assert found, f"the command did not name its run:\n{result}"
    return found.group(1).rstrip(".`'\")")


def dhcp_host(action: str, network: str, netns: str, root: Path, *options: str) -> Result:
    """``virtnet-wizard dhcp-host ACTION --network NAME OPTIONS``; it must succeed."""
    result = wizard(
        "dhcp-host", action, "--network", network, *options, "--root", str(root), "--netns", netns
    )
    assert result.returncode == 0, str(result)
    return result


def rollback(run_id: str, netns: str, root: Path) -> Result:
    """``virtnet-wizard rollback RUN_ID``; it must succeed."""
    result = wizard("rollback", run_id, "--root", str(root), "--netns", netns)
    assert result.returncode == 0, str(result)
    return result


def status_networks(netns: str, root: Path) -> dict[str, dict[str, Any]]:
    """The managed networks ``virtnet-wizard status --json`` reports, by name."""
    result = wizard("status", "--root", str(root), "--netns", netns, "--json")
    assert result.returncode == 0, str(result)
    return {net["name"]: net for net in json.loads(result.stdout)["networks"]}
