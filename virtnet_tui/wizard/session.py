"""What a session of the wizard changed on the host, told when the operator quits.

The runs' journal is the record: the runs that began, or changed state, since the
wizard started are this session's (an apply, a lease, an attach, a rollback). No
Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from virtnet_tui.hosts.base import Host

#: A run's state as the quit question words it.
STATE_WORDS = {
    "applied": "applied",
    "partial": "partly applied (the failed stage was undone)",
    "failed": "failed and was rolled back",
    "rolled-back": "rolled back",
    "rollback-incomplete": "rollback incomplete: see `virtnet-wizard status`",
    "interrupted": "interrupted, half done",
    "running": "still running",
}

#: States in which a run leaves changes on the host, which a rollback would undo.
IN_PLACE = frozenset({"applied", "partial", "rollback-incomplete", "interrupted", "running"})


@dataclass(frozen=True)
class SessionRun:
    """A run this session started or changed, and the state it is in now."""

    id: str
    state: str
    networks: tuple[str, ...] = ()


def run_states(host: Host) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every run in the host's journal: its state and the networks it changed."""
    from virtnet_tui.executor.journal import runs_status

    try:
        return {info.id: (info.state, info.networks) for info in runs_status(host)}
    except Exception:  # a damaged journal: the quit question cannot tell, says nothing
        return {}


def session_runs(
    before: dict[str, tuple[str, tuple[str, ...]]], now: dict[str, tuple[str, tuple[str, ...]]]
) -> list[SessionRun]:
    """The runs that are new in ``now`` or in another state than ``before``, oldest first."""
    return [
        SessionRun(run_id, state, networks)
        for run_id, (state, networks) in now.items()
        if run_id not in before or before[run_id][0] != state
    ]


def quit_question(runs: Sequence[SessionRun], command: Sequence[str]) -> str:
    """The quit question: what this session changed on the host, and how to undo it.

    ``command`` is how the operator runs the wizard here (``virtnet-wizard --sandbox DIR``).
    """
    lost = "answers you did not export are lost."
    if not runs:
        return f"Quit the wizard?\nNothing has been changed on the host; {lost}"
    lines = ["Quit the wizard?", "This session changed the host:"]
    for run in runs:
        where = f" ({', '.join(run.networks)})" if run.networks else ""
        lines.append(f"  run {run.id}{where}: {STATE_WORDS.get(run.state, run.state)}")
    in_place = [run for run in runs if run.state in IN_PLACE]
    if in_place:
        prefix = " ".join(command)
        lines.append(
            f"To undo a run: {prefix} rollback RUN_ID, or Roll back a run in the "
            "menu the wizard opens on this host."
        )
    else:
        lines.append("Nothing of it is left in place.")
    return "\n".join(lines)
