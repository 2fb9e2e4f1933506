"""A demo sandbox that a first run has already been applied to, for the re-run menu's tests."""

from __future__ import annotations

from pathlib import Path

from support.rerun_util import NAT, answers_text
from support.tui_driver import NamedSandbox
from virtnet_tui.core.answers import parse_answers
from virtnet_tui.core.changes.dhcp_entries import parse_network_dhcp
from virtnet_tui.core.model import DhcpHost
from virtnet_tui.core.planning import prepare
from virtnet_tui.executor.apply import Callbacks, Executor, Options
from virtnet_tui.managed.state import follow_runs
from virtnet_tui.probe.demo import seed_demo_host

#: The NAT network the first run makes: libvirt's, so leases change with net-update.
NETWORK = "nat1"


def applied_sandbox(root: Path, text: str = "") -> str:
    """Seed the demo host at ``root`` and apply a first run the way ``apply --yes`` does
    (``text``: an answers file; by default the NAT network nat1); returns the run id."""
    seed_demo_host(root)
    return apply_answers(root, text or answers_text(NAT))


def apply_answers(root: Path, text: str) -> str:
    """Apply one more answers file to the sandbox at ``root`` as ``apply --yes`` does."""
    plan = prepare(parse_answers(text)).plan
    outcome = Executor(
        NamedSandbox(root),
        plan,
        answers_text=text,
        options=Options(yes=True),
        callbacks=Callbacks(runs_changed=follow_runs),
    ).apply()
    assert outcome.status == "applied", outcome
    return outcome.run_id


def live_leases(root: Path, network: str = NETWORK) -> tuple[DhcpHost, ...]:
    """The fixed leases in libvirt's live definition, through a fresh connection."""
    conn = NamedSandbox(root).connect_libvirt()
    try:
        return parse_network_dhcp(conn.networkLookupByName(network).XMLDesc(0)).leases
    finally:
        conn.close()
