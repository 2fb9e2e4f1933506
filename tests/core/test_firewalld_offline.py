"""The firewalld stage's permanent objects, applied and undone by the real firewall-offline-cmd.

firewall-offline-cmd takes the same options as ``firewall-cmd --permanent`` and edits
/etc/firewalld without a daemon: run in a private mount namespace over a copy of the
machine's /etc/firewalld, it checks every zone, policy and rich rule the plan adds, and
that undoing them object by object, last first, gives back the same configuration.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.plan import CommandStep
from virtnet_tui.core.planning import prepare

CASES = sorted(name for name in ALL_CASES if name.endswith("firewalld"))
#: The permanent configuration in effect: every zone and policy with all it holds. (Files
#: differ: firewalld copies a built-in zone to /etc when it is first changed, and keeps
#: ``.old`` backups; the configuration they make is what counts.)
DUMP = "firewall-offline-cmd --list-all-zones; firewall-offline-cmd --list-all-policies"


def _offline(argv: tuple[str, ...]) -> str:
    assert argv[:2] == ("firewall-cmd", "--permanent"), argv
    return shlex.join(("firewall-offline-cmd", *argv[2:]))


@pytest.mark.skipif(not shutil.which("firewall-offline-cmd"), reason="firewalld not installed")
@pytest.mark.parametrize("name", CASES)
def test_permanent_objects_apply_and_undo_to_the_same_configuration(name: str) -> None:
    steps = [
        s
        for _, stage, s in prepare(ALL_CASES[name]).plan.steps()
        if isinstance(s, CommandStep) and s.argv[:2] == ("firewall-cmd", "--permanent")
    ]
    assert steps, "the plan makes permanent firewalld objects"
    undo = [_offline(u) for s in reversed(steps) for u in s.undo]
    facts = ALL_CASES[name].host
    # The zones the case's host has (libvirt's, Fedora's), made in the copy when missing.
    zones = [
        f"firewall-offline-cmd --get-zones | grep -qw {z} || "
        f"firewall-offline-cmd --new-zone={z} >/dev/null"
        for z in {*facts.firewalld_zones, facts.firewalld_zone}
    ]
    script = "\n".join(
        [
            "set -e",
            "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT",
            'cp -a /etc/firewalld/. "$d"/ && mount --bind "$d" /etc/firewalld',
            *zones,
            f"({DUMP}) > /tmp/.vnw-before-$$",
            *[_offline(s.argv) + " >/dev/null" for s in steps],
            f"({DUMP}) | diff -q /tmp/.vnw-before-$$ - >/dev/null && exit 3",
            *[u + " >/dev/null" for u in undo],
            f"({DUMP}) | diff /tmp/.vnw-before-$$ - && rm -f /tmp/.vnw-before-$$ && echo SAME",
        ]
    )
    proc = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("SAME"), proc.stdout + proc.stderr
