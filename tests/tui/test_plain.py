"""``virtnet-wizard --plain``: the same questions with questionary, in a real terminal."""

from __future__ import annotations

import sys
from pathlib import Path

from support.tmux_session import Terminal, terminal

from virtnet_tui.core.answers import load_answers
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.textreport import plan_text
from virtnet_tui.hosts.sandbox import SandboxHost
from virtnet_tui.probe.run import merge_facts, probe

WIZARD = str(Path(sys.executable).with_name("virtnet-wizard"))


def _answer(term: Terminal, prompt: str, *keys: str) -> None:
    """Wait for ``prompt`` to be the question being asked, then answer it."""
    term.wait_for(f"? {prompt}")
    term.keys(*keys)


def test_plain_mode_asks_everything_and_ends_with_the_plan(tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    with terminal(
        [WIZARD, "--plain", "--sandbox", str(sandbox)], cwd=tmp_path, width=200, height=50
    ) as term:
        _answer(term, "Where does this host run?", "Enter")
        _answer(term, "How is the host connected?", "Enter")
        # A bad value is refused with the core's reason; the right one is taken.
        _answer(term, "IPv4 addresses for VMs", "C-u", "-", "3", "Enter")
        term.wait_for("must be from 0 to 1024")
        term.keys("C-u", "0", "Enter")
        _answer(term, "VMs that need an address of their own", "C-u", "3", "Enter")
        _answer(term, "Does the provider accept the VMs' own MACs?", "Enter")
        _answer(term, "IPv6 block size", "Enter")
        _answer(term, "Must others reach services", "Enter")
        _answer(term, "Who manages the host's firewall?", "2", "Enter")
        for prompt in ("Uplink interface", "Wireless interface", "Uplink IPv4 address",
                       "IPv4 gateway", "Uplink IPv6 address", "IPv6 gateway"):  # fmt: skip
            _answer(term, prompt, "Enter")
        term.wait_for("Recommended networks:")
        _answer(term, "Set up the recommended networks?", "Enter")
        term.wait_for("== Network 1: custom-nat")
        for prompt in ("libvirt network name", "Bridge device", "IPv4 subnet",
                       "DHCPv4 range: first", "DHCPv4 range: last", "IPv6 subnet",
                       "IPv6 address assignment", "DHCPv6 range: first", "DHCPv6 range: last",
                       "Bridge MAC address", "Public IPv4 for forwards"):  # fmt: skip
            _answer(term, prompt, "Enter")
        _answer(term, "Add a fixed DHCP lease?", "Enter")
        _answer(term, "Add a port forward?", "Enter")
        _answer(term, "Export the answers (TOML) to a file?", "Enter")
        _answer(term, "Save to virtnet-answers.toml", "Enter")
        _answer(term, "Export the plan as a bash script?", "Enter")
        _answer(term, "Save to virtnet-plan.sh", "Enter")
        term.wait_for("Apply it with:")
        output = term.screen(history=True)
    # The hint is a command that works as shown: on the same sandbox, with the file saved.
    hint = f"virtnet-wizard --sandbox {sandbox} apply --answers {tmp_path / 'virtnet-answers.toml'}"
    assert "".join(f"Apply it with: {hint}".split()) in "".join(output.split())  # wrapped or not
    # The probe's summary names the stack that configures the uplink.
    assert "Found demo: debian 12 (ifupdown), uplink eth0 203.0.113.10/24" in output
    answers = load_answers(tmp_path / "virtnet-answers.toml")
    assert answers.situation.public_ipv4 == 0
    assert answers.situation.firewall == "manual"
    assert [n.type for n in answers.networks] == ["custom-nat"]
    # The file leaves out what only the probe reads (current file contents): probe the
    # sandbox again, as `apply --answers` does, to rebuild the very plan that was shown.
    probed = probe(SandboxHost(sandbox)).facts
    expected = plan_text(prepare(merge_facts(probed, answers)))
    shown = "\n".join(line.rstrip() for line in output.splitlines())
    assert "\n".join(line.rstrip() for line in expected.splitlines()) in shown
    script = tmp_path / "virtnet-plan.sh"
    assert script.read_text().startswith("#!/usr/bin/env bash")
    assert script.stat().st_mode & 0o111
