"""An answers file completed for the host it is planned for: probed facts and what is in use."""

from __future__ import annotations

from dataclasses import replace

from virtnet_tui.core.changes.managed import State
from virtnet_tui.core.model import Answers
from virtnet_tui.hosts.base import Host
from virtnet_tui.managed.state import with_host_state
from virtnet_tui.probe.answers import merge_facts
from virtnet_tui.probe.run import probe


def answers_for_host(answers: Answers, host: Host, state: State) -> Answers:
    """``answers`` with every ``[host]`` key it leaves out taken from a probe of ``host``.

    The same probe the full-screen wizard runs, on the machine, a ``--root`` sandbox or a
    ``--netns`` namespace alike: a key the file sets wins, every other one is what the host
    shows (``Answers.host_probed`` lists them). Then the names, bridges and subnets the
    host already uses are added, and the files that recipes edit are read from it.
    """
    result = probe(host)
    merged = replace(merge_facts(result.facts, answers), probe_problems=result.problems)
    return with_host_state(merged, host, state)
