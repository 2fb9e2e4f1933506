"""The interactive wizard: full-screen (Textual) or, with ``--plain``, line by line (questionary).

``virtnet-wizard`` runs on this host; ``--sandbox DIR`` runs the same flow on a
sandbox host in DIR, seeded with the demo host when DIR is new. Imports stay lazy:
the first frame must not wait for the probe, libvirt or the recipes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from virtnet_tui.core.plan import Plan
    from virtnet_tui.executor.progress import EventSource
    from virtnet_tui.hosts.base import Host
    from virtnet_tui.tui.app import WizardApp


def _demo_seeder(kind: str) -> Callable[[Path], None]:
    def seed(root: Path) -> None:
        from virtnet_tui.probe.demo import seed_demo_host

        seed_demo_host(root, kind)

    return seed


def _applier(app: WizardApp) -> Callable[[Plan, Host], EventSource]:
    """The same executor as `virtnet-wizard apply`: journal, checkpoints, guard, rollback.

    The run keeps the completed answers, as the CLI's runs do: the state of managed
    networks (for re-runs) is read back from them.
    """

    def apply(plan: Plan, host: Host) -> EventSource:
        from virtnet_tui.core.answers import answers_to_toml
        from virtnet_tui.executor.stream import executor_events
        from virtnet_tui.managed.state import follow_runs

        prepared = app.form.prepared
        text = answers_to_toml(prepared.answers, all_host_keys=True) if prepared else ""
        return executor_events(
            host, plan, answers_text=text, ask_keep_earlier=True, runs_changed=follow_runs
        )

    return apply


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.hosts.files import make_dirs
    from virtnet_tui.hosts.real import RealHost
    from virtnet_tui.hosts.sandbox import SandboxHost

    host: Host
    if args.sandbox is not None:
        root = Path(args.sandbox)
        make_dirs(root)
        host = SandboxHost(root)
        seed = _demo_seeder(getattr(args, "demo", "debian-12"))
    else:
        host = RealHost()
        seed = None
    # How the operator runs the wizard here, for the commands it suggests.
    command = ["virtnet-wizard"]
    if args.sandbox is not None:
        command += ["--sandbox", str(Path(args.sandbox).resolve())]
    if args.plain or os.environ.get("TERM", "") == "dumb":
        from virtnet_tui.plain import run_plain

        return run_plain(host, seed=seed, command=command)
    if not sys.stdout.isatty():
        sys.stderr.write(
            "virtnet-wizard: the full-screen wizard needs a terminal; use --plain, or "
            "`virtnet-wizard plan --answers FILE` for scripts\n"
        )
        return 2
    from virtnet_tui.tui.app import WizardApp

    app = WizardApp(host, seed=seed, command=command)
    app.apply_source = _applier(app)
    code = app.run()
    return int(code or 0)
