"""What the wizard manages on a host, kept in a state file that always agrees with the journal."""

# ``/var/lib/virtnet-wizard/state.json`` (under ``--root`` when given) lists the
# networks the wizard created, their DHCP hosts, port forwards and attached VMs,
# and the runs that made and changed them. It is a summary of the runs still in
# place: each run keeps what it changed in its own folder (``change.json`` for a
# re-run change, the completed ``answers.toml`` for the full wizard), and folding
# those over the runs gives the state. The file is updated right after a run ends
# and after a rollback, while the run lock is held, and carries a fingerprint of
# the runs it accounts for; a reader that finds another fingerprint rebuilds the
# state from the runs rather than trust the file. What the host really has is
# compared in ``drift``: a state is never taken for the truth about the host.

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from virtnet_tui.core.changes.managed import Attachment, ManagedNetwork, State
from virtnet_tui.core.changes.records import (
    Change,
    NetworksChange,
    change_from_json,
    fold_change,
)
from virtnet_tui.core.errors import AnswersError, FieldError, RecordError
from virtnet_tui.executor.journal import (
    RUNS_DIR,
    STATE_DIR,
    RunDir,
    RunInfo,
    list_run_ids,
    run_info,
    runs_status,
)
from virtnet_tui.executor.records import read_record
from virtnet_tui.hosts.base import Host

if TYPE_CHECKING:
    from virtnet_tui.core.model import Answers, HostFacts
    from virtnet_tui.managed.drift import Drift

__all__ = [
    "STATE_PATH",
    "Attachment",
    "ManagedNetwork",
    "State",
    "after_run",
    "check_collisions",
    "drift",
    "follow_runs",
    "load_state",
    "managed_networks",
    "read_change",
    "rebuild_state",
    "refresh_state",
    "save_state",
    "state_facts",
    "with_host_state",
    "with_state_facts",
]

STATE_PATH = f"{STATE_DIR}/state.json"
#: The file a re-run change keeps in its run folder (written before the run starts).
CHANGE_FILE = "change.json"


# --- which runs a state accounts for ---------------------------------------------------------


def _journal_size(host: Host, run_id: str) -> int:
    try:
        return os.stat(os.path.join(host.path(RUNS_DIR), run_id, "journal.jsonl")).st_size
    except FileNotFoundError:
        return 0


def _fingerprint(host: Host, ids: list[str]) -> dict[str, Any]:
    """The runs ``ids`` (oldest first) as the state file notes them.

    A new run, or any event added to the latest run (a rollback, a guard's revert),
    changes it; a rollback of an older run refreshes the state itself.
    """
    last = ids[-1] if ids else ""
    return {"runs": len(ids), "last": last, "size": _journal_size(host, last) if last else 0}


# --- reading and writing ---------------------------------------------------------------------


def _read_file(host: Host) -> State | None:
    """The saved state; ``None`` when there is none, or none to trust: a damaged file
    (any shape, any depth), a folder, a file someone else owns or may write. The runs
    then say what the state is (``load_state`` rebuilds it from them)."""
    try:
        data = read_record(host.path(STATE_PATH), "")
        if data is None:
            return None
        raw = json.loads(data.decode("utf-8"))
        return State.from_json(raw) if isinstance(raw, dict) else None
    except (RecordError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def load_state(host: Host) -> State:
    """The state of ``host``: the file when it accounts for every run, else rebuilt from them."""
    ids = list_run_ids(host)
    saved = _read_file(host)
    if saved is not None and saved.fingerprint == _fingerprint(host, ids):
        return saved
    if saved is None and not ids:
        return State()
    return rebuild_state(host)


def save_state(host: Host, state: State) -> State:
    """Write ``state`` atomically with the fingerprint of the runs now on the host.

    With no network left (everything rolled back) the file is removed, so a host
    the wizard has fully undone carries no state of it.
    """
    state = replace(state, fingerprint=_fingerprint(host, list_run_ids(host)))
    if not state.networks:
        host.remove(STATE_PATH)
        return state
    host.write_bytes(STATE_PATH, _state_text(state).encode(), 0o644)
    return state


def _state_text(state: State) -> str:
    """The state as JSON, one network a line: readable, and written by json's fast encoder
    (an indented dump of a network with a thousand DHCP hosts takes tens of milliseconds)."""
    data = state.to_json()
    networks = data.pop("networks")
    head = json.dumps(data)[:-1]
    body = ",\n".join(json.dumps(n) for n in networks)
    return f'{head}, "networks": [\n{body}\n]}}\n'


def managed_networks(host: Host) -> tuple[str, ...]:
    """Names of the networks the wizard manages on ``host`` (for the TUI's re-run menu)."""
    return load_state(host).names


# --- folding the runs ------------------------------------------------------------------------


def read_change(run: RunDir) -> Change | None:
    """What ``run`` changed: its ``change.json``, else the networks of its answers."""
    change_file = run.file(CHANGE_FILE)
    if change_file.is_file():
        try:
            return change_from_json(json.loads(change_file.read_bytes().decode("utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
    try:
        text = run.file("answers.toml").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.strip():
        return None
    from virtnet_tui.core.answers import parse_answers

    try:
        answers = parse_answers(text)
    except AnswersError:
        return None
    return NetworksChange(answers.networks, answers.host)


def _networks_in_place(run: RunDir) -> dict[str, bool]:
    """Networks of a full wizard run that still have applied steps -> all stages kept."""
    state = run.state()
    plan = run.plan()
    applied: dict[str, bool] = {}
    complete: dict[str, bool] = {}
    number = 0
    for index, stage in enumerate(plan.stages):
        done = False
        for _ in stage.steps:
            number += 1
            done = done or state.step(number).status in ("done", "undo-failed")
        if not stage.network:
            continue
        applied[stage.network] = applied.get(stage.network, False) or done
        kept = index in state.checkpoints
        complete[stage.network] = complete.get(stage.network, True) and kept
    return {name: complete[name] for name, any_done in applied.items() if any_done}


def fold_run(state: State, host: Host, info: RunInfo) -> State:
    """``state`` after the run ``info`` describes, as far as that run is still in place."""
    if info.steps_applied == 0:
        return state
    run = RunDir(host, info.id)
    change = read_change(run)
    if change is None:
        return state
    if isinstance(change, NetworksChange):
        return fold_change(state, change, info.id, _networks_in_place(run))
    if info.steps_applied < info.steps_total:
        # A re-run change is one stage: half of it is not the change; drift shows the rest.
        return state
    return fold_change(state, change, info.id)


def rebuild_state(host: Host) -> State:
    """The state folded from every run on ``host``, oldest first (not saved)."""
    state = State()
    infos = runs_status(host)
    for info in infos:
        state = fold_run(state, host, info)
    return replace(state, fingerprint=_fingerprint(host, list_run_ids(host)))


def refresh_state(host: Host) -> State:
    """Rebuild the state from the runs and save it (after a rollback or a failed run)."""
    return save_state(host, rebuild_state(host))


def after_run(host: Host, run: RunDir) -> State:
    """Bring the state file up to date once ``run`` has ended (the run lock is held).

    The latest run is folded into the saved state when that state accounted for
    every earlier run; otherwise the state is rebuilt from all of them.
    """
    ids = list_run_ids(host)
    if not ids or ids[-1] != run.id:
        return refresh_state(host)
    earlier = ids[:-1]
    saved = _read_file(host)
    if saved is None:
        if any(runs_status_has_changes(host, earlier)):
            return refresh_state(host)
        saved = State(fingerprint=_fingerprint(host, earlier))
    if saved.fingerprint != _fingerprint(host, earlier):
        return refresh_state(host)
    return save_state(host, fold_run(saved, host, run_info(run, None)))


def follow_runs(host: Host, run: RunDir | None) -> None:
    """The executor's ``Callbacks.runs_changed``: fold the run that ended, or rebuild."""
    if run is None:
        refresh_state(host)
    else:
        after_run(host, run)


def runs_status_has_changes(host: Host, ids: list[str]) -> list[bool]:
    """For each run in ``ids``: whether something of it is still in place."""
    if not ids:
        return []
    wanted = set(ids)
    return [info.has_changes for info in runs_status(host) if info.id in wanted]


# --- what a new network must stay clear of -----------------------------------------------------


def state_facts(state: State) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(used_bridges, used_subnets, used_networks)`` of the managed networks."""
    bridges: list[str] = []
    subnets: list[str] = []
    names: list[str] = []
    for net in state.networks:
        spec = net.spec
        if spec.bridge and spec.bridge not in bridges:
            bridges.append(spec.bridge)
        for cidr in (spec.ipv4, spec.ipv6):
            if cidr and cidr not in subnets:
                subnets.append(cidr)
        if spec.name not in names:
            names.append(spec.name)
    return tuple(bridges), tuple(subnets), tuple(names)


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for group in groups:
        out += [item for item in group if item and item not in out]
    return tuple(out)


def with_state_facts(facts: HostFacts, state: State) -> HostFacts:
    """``facts`` in which the names, bridges and subnets of the managed networks are taken.

    The probe sees a managed network only while its bridge is up or libvirt defines it;
    the state knows it regardless, so a new network is refused by field (and defaults
    keep clear of it) as on the command line.
    """
    if not state.networks:
        return facts
    bridges, subnets, names = state_facts(state)
    return replace(
        facts,
        used_bridges=_union(facts.used_bridges, bridges),
        used_subnets=_union(facts.used_subnets, subnets),
        used_networks=_union(facts.used_networks, names),
    )


def with_host_state(answers: Answers, host: Host, state: State) -> Answers:
    """``answers`` whose host facts also hold what is in use on ``host``.

    Adds the names, bridges and subnets of the managed networks and of libvirt's
    networks, so validation refuses a colliding network and defaults avoid them.
    The files recipes edit in place (``/etc/network/interfaces``, netplan YAML, leases...) are read
    from the host too when the answers do not carry them: an edit must start from the
    operator's file (and, on a re-run, from what the first network wrote), never
    replace it.
    """
    from virtnet_tui.probe.libvirt_networks import query_libvirt

    view = query_libvirt(host)
    lv_bridges = tuple(n.bridge for n in view.networks if n.bridge)
    lv_subnets = tuple(s for n in view.networks for s in n.subnets)
    lv_names = tuple(n.name for n in view.networks)
    facts = with_state_facts(answers.host, state)
    from virtnet_tui.probe.files import SafeFiles, edited_files
    from virtnet_tui.probe.netconfig import network_files

    files = facts.files
    known = {path for path, _ in files}
    safe = SafeFiles(host)
    files += tuple(f for f in edited_files(safe, network_files(safe)) if f[0] not in known)
    facts = replace(
        facts,
        used_bridges=_union(facts.used_bridges, lv_bridges),
        used_subnets=_union(facts.used_subnets, lv_subnets),
        used_networks=_union(facts.used_networks, lv_names),
        files=files,
    )
    return replace(answers, host=facts)


def check_collisions(answers: Answers, state: State) -> None:
    """Refuse bridge MACs the managed networks already use (validation cannot see them).

    Raises:
        AnswersError: naming ``network[i].bridge_mac`` for each collision.
    """
    taken = {net.spec.bridge_mac.lower(): net.name for net in state.networks if net.spec.bridge_mac}
    for net in state.networks:
        for lease in net.spec.dhcp_hosts:
            if lease.mac:
                taken.setdefault(lease.mac.lower(), f"a VM's fixed lease on {net.name}")
    errors = []
    for index, spec in enumerate(answers.networks):
        owner = taken.get(spec.bridge_mac.lower()) if spec.bridge_mac else None
        if owner is not None:
            errors.append(
                FieldError(
                    f"network[{index}].bridge_mac",
                    spec.bridge_mac,
                    f"is already used by {owner} (a network virtnet-wizard manages here)",
                )
            )
    if errors:
        raise AnswersError(errors)


def drift(host: Host, state: State) -> list[Drift]:
    """Where the host disagrees with the state (see ``live_status.network_status``)."""
    from virtnet_tui.managed.drift import network_status

    return [d for net in state.networks for d in network_status(host, net).drift]
