"""NetworkManager's own rollback of a risky stage: a checkpoint over all devices, over D-Bus.

``CheckpointCreate`` snapshots every device's active profile; unless it is destroyed
before its rollback timeout, NetworkManager itself reactivates the old profiles, deletes
the profiles made since (and their keyfiles) and disconnects new devices. The wizard
pushes the timeout along with its guard's deadline, and destroys the checkpoint once the
stage is confirmed or undone: it is the last line of defence when the wizard, the SSH
session and the guard are all gone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from virtnet_tui.executor.events import (
    Event,
    NmCheckpointCreated,
    NmCheckpointDestroyed,
    NmCheckpointFailed,
)
from virtnet_tui.executor.recorder import Recorder
from virtnet_tui.hosts.base import Host

#: busctl's address of NetworkManager's main object.
_NM = ("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
       "org.freedesktop.NetworkManager")  # fmt: skip
#: NM_CHECKPOINT_CREATE_FLAG_DELETE_NEW_CONNECTIONS | ..._DISCONNECT_NEW_DEVICES.
FLAGS = 0x02 | 0x04
_PATH = re.compile(r'^o "(/org/freedesktop/NetworkManager/Checkpoint/\d+)"\s*$')


class CheckpointError(RuntimeError):
    """NetworkManager refused, or could not be asked (no bus, no busctl)."""


def _call(host: Host, method: str, signature: str, *args: str) -> str:
    argv = ("busctl", "--system", "call", *_NM, method, signature, *args)
    done = host.run(argv, timeout=30)
    if not done.ok:
        raise CheckpointError((done.stderr or done.stdout).strip() or f"exit {done.returncode}")
    return done.stdout


def _seconds(timeout: float) -> str:
    return str(max(1, math.ceil(timeout)))


def create(host: Host, timeout: float) -> str:
    """Take a checkpoint of all devices that rolls back in ``timeout`` seconds; its path."""
    out = _call(host, "CheckpointCreate", "aouu", "0", _seconds(timeout), str(FLAGS))
    found = _PATH.match(out.strip())
    if found is None:
        raise CheckpointError(f"unexpected answer to CheckpointCreate: {out.strip()!r}")
    return found.group(1)


def push(host: Host, path: str, timeout: float) -> None:
    """Roll back ``timeout`` seconds from now instead."""
    _call(host, "CheckpointAdjustRollbackTimeout", "ou", path, _seconds(timeout))


def destroy(host: Host, path: str) -> None:
    """Keep things as they are: the checkpoint goes without a rollback."""
    _call(host, "CheckpointDestroy", "o", path)


def open_checkpoint(events: Iterable[Event], stage: int) -> str:
    """The path of ``stage``'s checkpoint if the journal says it was taken and not destroyed."""
    path = ""
    for e in events:
        if isinstance(e, NmCheckpointCreated) and e.stage == stage:
            path = e.path
        elif isinstance(e, NmCheckpointDestroyed) and e.stage == stage:
            path = ""
    return path


def release_checkpoint(host: Host, rec: Recorder, stage: int, reason: str) -> None:
    """Destroy ``stage``'s open checkpoint, if any, journaling what happened.

    A checkpoint NetworkManager already rolled back (its timeout passed) is gone: the
    failure to destroy it is journaled and changes nothing.
    """
    path = open_checkpoint(rec.run.events(), stage)
    if not path:
        return
    try:
        destroy(host, path)
    except CheckpointError as exc:
        rec.emit(NmCheckpointFailed(stage=stage, error=f"destroying {path}: {exc}"))
    rec.emit(NmCheckpointDestroyed(stage=stage, reason=reason))
