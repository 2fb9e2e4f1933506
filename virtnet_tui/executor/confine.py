"""Checks, before anything changes, that every write lands inside the root and through no link."""

from __future__ import annotations

import os
from pathlib import Path

from virtnet_tui.core.plan import Plan
from virtnet_tui.executor.journal import RUNS_DIR, STATE_DIR, RunDir
from virtnet_tui.hosts.base import Host
from virtnet_tui.hosts.files import DIR_MODE, refuse_link, tighten_dir

#: Folders whose files only the wizard writes: its records, its firewall rules and its
#: dnsmasq instances' files. A symbolic link in them is never the operator's own
#: configuration, so it is refused, not replaced.
WIZARD_FOLDERS = ("/var/lib/virtnet-wizard/", "/etc/virtnet-wizard/", "/var/lib/dnsmasq/")


def is_wizard_file(path: str) -> bool:
    """Whether the plan's ``path`` lies in one of the ``WIZARD_FOLDERS``.

    Elsewhere (``/etc/network/interfaces``...) a link may be the operator's choice: a
    write replaces the link itself (never what it points at), the backup keeps the link
    and an undo puts it back.
    """
    return path.startswith(WIZARD_FOLDERS)


def check_records(host: Host) -> None:
    """Raise ``UnsafePath`` when the wizard's records would be written outside the root or
    through a link: the state folder leads outside the root, or a symbolic link stands in it
    (the lock, the state file, the sandbox's command log...). The runs are checked one by
    one when used (``check_run``): a host may keep a thousand.

    Record folders an older version made writable by others under a loose umask are
    tightened, so that nobody else can plant a run for root to replay.
    """
    state = host.write_path(STATE_DIR, folder=True)
    runs = host.write_path(RUNS_DIR, folder=True)
    if not state.is_dir():
        return
    for folder, dirs, files in os.walk(state):
        for name in dirs + files:
            refuse_link(Path(folder) / name)
        if Path(folder) == state:
            dirs[:] = [d for d in dirs if state / d != runs]
    tighten_dir(state, DIR_MODE)
    if runs.is_dir():
        tighten_dir(runs, DIR_MODE)


def check_run(run: RunDir) -> None:
    """Raise ``UnsafePath`` when the run's folder, or a file in it, is a symbolic link:
    the journal is appended to and guard files are written there."""
    run.host.write_path(f"{run.rel}/journal.jsonl")
    refuse_link(run.path)
    for folder in (run.path, run.path / "backups"):
        if folder.is_dir():
            for entry in os.scandir(folder):
                refuse_link(Path(entry.path))


def check_plan(host: Host, plan: Plan, *, undo: bool = False) -> None:
    """Raise ``UnsafePath`` for the first file of the plan the wizard must not write: one
    whose folder leads outside the root, or (not for an ``undo``, which replaces a link
    and never writes through it) a link in the ``WIZARD_FOLDERS``."""
    for path in plan.files():
        local = host.write_path(path)
        if not undo and is_wizard_file(path):
            refuse_link(local)
