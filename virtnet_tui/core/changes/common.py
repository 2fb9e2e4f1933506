"""What every re-run change shares: the planned result, refusals, the managed network."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from virtnet_tui.core.changes.managed import ManagedNetwork, State
from virtnet_tui.core.changes.records import Change
from virtnet_tui.core.errors import AnswersError, FieldError
from virtnet_tui.core.plan import Argv, Plan

#: Where a custom network's dnsmasq writes its pid when no systemd runs it
#: (``render.dnsmasq.dnsmasq_paths(BR).pidfile``; the recipes stop it through the same file).
PID_DIR = "/var/run/dnsmasq"


@dataclass(frozen=True)
class PlannedChange:
    """One re-run change, ready to preview and apply as its own run."""

    plan: Plan
    change: Change
    """Kept in the run folder; the state folds it in once the run is applied."""
    summary: str
    """One line saying what the change does."""
    after: tuple[str, ...] = ()
    """What the operator must know once it is applied (a VM to restart...)."""


def refuse(field: str, value: object, reason: str) -> NoReturn:
    """Stop with one FieldError (exit 2 on the command line; nothing was changed)."""
    raise AnswersError([FieldError(field, value, reason)])


def refuse_all(errors: Iterable[FieldError | None]) -> None:
    """Stop with every error given, if any."""
    found = [e for e in errors if e is not None]
    if found:
        raise AnswersError(found)


def managed_network(state: State, name: str, option: str = "--network") -> ManagedNetwork:
    """The managed network ``name``, or a refusal that lists the ones there are."""
    net = state.network(name)
    if net is not None:
        return net
    known = ", ".join(state.names) if state.networks else "none yet"
    refuse(option, name, f"is not a network virtnet-wizard manages on this host (managed: {known})")


def dnsmasq_hup_argv(bridge: str, systemd: bool) -> Argv:
    """Makes the bridge's own dnsmasq reread its hostsfile; no other dnsmasq is touched."""
    if systemd:
        return ("systemctl", "kill", "--signal=HUP", f"dnsmasq@{bridge}.service")
    return ("pkill", "-HUP", "-F", f"{PID_DIR}/{bridge}.pid")
