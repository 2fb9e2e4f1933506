"""`plan --script` does exactly what the plan says: run against shims that record and redirect."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.plan import CommandStep, FileStep, LibvirtStep, Plan, SysctlStep
from virtnet_tui.core.planning import prepare
from virtnet_tui.core.render.script import render_plan_script

# Every program a plan may run; each is replaced by a shim that only records its argv.
PROGRAMS = (
    "ip",
    "ifup",
    "ifdown",
    "sysctl",
    "iptables",
    "ip6tables",
    "iptables-restore",
    "ip6tables-restore",
    "nft",
    "firewall-cmd",
    "systemctl",
    "service",
    "apt-get",
    "yum",
    "dnf",
    "nmcli",
    "modprobe",
    "virsh",
    "dnsmasq",
    "pkill",
    "mkdir",
)

RECORDER = """#!/bin/sh
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \
    "$(basename "$0")" "$@" >> "$SHIM_LOG"
"""
# `install -D -m MODE /dev/stdin PATH` writes under $SHIM_ROOT instead of /.
INSTALL = """#!/bin/sh
mode="$3"; target="$SHIM_ROOT$5"
/bin/mkdir -p "$(dirname "$target")" && /bin/cat > "$target" && /bin/chmod "$mode" "$target"
"""
# `stat -c FORMAT PATH` and `chown OWNER PATH` (a file that keeps its mode) act under $SHIM_ROOT.
STAT = """#!/bin/sh
exec /usr/bin/stat "$1" "$2" "$SHIM_ROOT$3"
"""
CHOWN = """#!/bin/sh
exec /bin/chown "$1" "$SHIM_ROOT$2"
"""
# `virsh net-define FILE` / `virsh define FILE`: records the argv, then copies FILE (which
# the script deletes right after) into $SHIM_DEFS, numbered in call order.
VIRSH = """#!/bin/sh
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' virsh "$@" >> "$SHIM_LOG"
case "$1" in
net-define|define)
    n=$(/bin/ls "$SHIM_DEFS" | /usr/bin/wc -l)
    /bin/cp "$2" "$SHIM_DEFS/$n-$1.xml" ;;
esac
"""
#: Where the definition file stands in the argv of ``virsh net-define`` / ``virsh define``:
#: a temporary file whose name changes; its content is checked on its own.
DEFINITION_FILE = "<definition file>"


def expected_commands(plan: Plan) -> list[list[str]]:
    out: list[list[str]] = []
    for _, _, step in plan.steps():
        if isinstance(step, CommandStep):
            out.append(list(step.argv))
        elif isinstance(step, SysctlStep):
            out.append(list(step.argv()))
        elif isinstance(step, LibvirtStep):
            argv = list(step.virsh_argv())
            if step.op in ("net-define", "domain-define"):
                argv[-1] = DEFINITION_FILE
            out.append(argv)
    return out


def expected_definitions(plan: Plan) -> list[tuple[str, str]]:
    """(``virsh`` command, XML) of each definition the plan hands to virsh, in order."""
    return [
        (step.virsh_argv()[1], step.xml)
        for _, _, step in plan.steps()
        if isinstance(step, LibvirtStep) and step.op in ("net-define", "domain-define")
    ]


@dataclass(frozen=True)
class ScriptRun:
    """What a plan's script did against the shims."""

    root: Path
    """Stands for ``/``: where the script's files landed."""
    calls: list[list[str]]
    """Each program's argv, in order (``DEFINITION_FILE`` for a definition's file)."""
    definitions: list[tuple[str, Path]]
    """(``virsh`` command, a copy of the file it was given), in call order."""


#: The script runs as root: in a private mount namespace whose system folders are
#: read-only, so a command the shims miss fails loudly instead of changing the machine.
READ_ONLY_MACHINE: list[str] = (
    [
        "unshare", "--mount", "--propagation", "private", "sh", "-c",
        'for d in /etc /var /usr /boot /root /srv /opt; do'
        ' [ -d "$d" ] || continue; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"'
        ' || exit 97; done; exec "$@"',
        "read-only-machine",
    ]
    if os.geteuid() == 0
    else []
)  # fmt: skip


def run_script(plan: Plan, tmp_path: Path) -> ScriptRun:
    shims, root, log = tmp_path / "shims", tmp_path / "root", tmp_path / "log"
    defs, tmp = tmp_path / "definitions", tmp_path / "tmp"
    shims.mkdir()
    defs.mkdir()
    tmp.mkdir()
    root.mkdir(exist_ok=True)  # a test may have seeded files there
    log.write_text("")
    for name in PROGRAMS:
        (shims / name).write_text(RECORDER)
    (shims / "virsh").write_text(VIRSH)
    (shims / "install").write_text(INSTALL)
    (shims / "stat").write_text(STAT)
    (shims / "chown").write_text(CHOWN)
    for shim in shims.iterdir():
        shim.chmod(0o755)
    script = tmp_path / "plan.sh"
    script.write_text(render_plan_script(plan))
    env = {
        **os.environ,
        "PATH": f"{shims}:/usr/bin:/bin",
        "SHIM_ROOT": str(root),
        "SHIM_LOG": str(log),
        "SHIM_DEFS": str(defs),
        "TMPDIR": str(tmp),  # where mktemp makes the definitions' files
    }
    proc = subprocess.run(
        [*READ_ONLY_MACHINE, "bash", str(script)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert list(tmp.iterdir()) == [], "the script deletes its temporary files"
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    for call in calls:
        if call[:2] in (["virsh", "net-define"], ["virsh", "define"]):
            call[-1] = DEFINITION_FILE
    copies = sorted(defs.iterdir(), key=lambda p: int(p.name.split("-", 1)[0]))
    definitions = [(p.stem.split("-", 1)[1], p) for p in copies]
    return ScriptRun(root, calls, definitions)


def validate_network_xml(path: Path) -> None:
    """libvirt's own schema check of a network definition, as `virsh net-define` reads it."""
    if shutil.which("virt-xml-validate") is None or shutil.which("xmllint") is None:
        pytest.fail("virt-xml-validate and xmllint are needed (libvirt-clients, libxml2-utils)")
    proc = subprocess.run(
        ["virt-xml-validate", str(path), "network"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, f"{path.read_text()}\n{proc.stdout}{proc.stderr}"


SCRIPTED = [
    n for n in sorted(ALL_CASES) if "-debian-" in n or n.endswith(("rhel6-nm", "nosystemd"))
]


@pytest.mark.parametrize("name", SCRIPTED)
def test_script_writes_every_file_and_runs_every_command_in_order(
    name: str, tmp_path: Path
) -> None:
    plan = prepare(ALL_CASES[name]).plan
    commands = expected_commands(plan)
    # Programs are named, never given by path: the shims (and the operator's PATH) find them.
    assert not [argv for argv in commands if argv[0].startswith("/")]
    done = run_script(plan, tmp_path)
    assert done.calls == commands
    for path, step in plan.files().items():
        written = done.root / path.lstrip("/")
        assert written.read_text() == step.content, path
        assert stat.S_IMODE(written.stat().st_mode) == step.mode, path
    # The XML virsh was given is the plan's, and libvirt's schema accepts it.
    given = [(command, copy.read_text()) for command, copy in done.definitions]
    assert given == expected_definitions(plan)
    for command, copy in done.definitions:
        if command == "net-define":
            validate_network_xml(copy)


def test_heredoc_delimiter_never_collides(tmp_path: Path) -> None:
    tricky = "line\nVIRTNET_EOF\n'quoted' $HOME `x`\n"
    plan = Plan(
        stages=(
            type(prepare(ALL_CASES["nat-debian-nonm-none"]).plan.stages[0])(
                name="t",
                steps=(
                    FileStep("/etc/tricky", tricky, mode=0o640),
                    FileStep("/etc/no-newline", "no newline"),
                    FileStep("/etc/empty", ""),
                ),
            ),
        )
    )
    done = run_script(plan, tmp_path)
    assert done.calls == []
    root = done.root
    assert (root / "etc/tricky").read_text() == tricky
    assert (root / "etc/no-newline").read_text() == "no newline"
    assert (root / "etc/empty").read_text() == ""
    assert stat.S_IMODE((root / "etc/tricky").stat().st_mode) == 0o640


def test_definitions_reach_virsh_through_a_temporary_file(tmp_path: Path) -> None:
    stage = prepare(ALL_CASES["nat-debian-nonm-none"]).plan.stages[0]
    # Content a here-document could mangle: the delimiter, quotes, $ and backquotes.
    network = "<network>\nVIRTNET_EOF\n<!-- 'x' $HOME `id` -->\n</network>\n"
    steps = (
        LibvirtStep("domain-define", "mynet", xml="<domain/>\n", domain="vm1"),
        LibvirtStep("net-define", "mynet", xml=network),
    )
    plan = Plan(stages=(type(stage)(name="t", steps=steps),))
    done = run_script(plan, tmp_path)
    assert done.calls == [
        ["virsh", "define", DEFINITION_FILE],
        ["virsh", "net-define", DEFINITION_FILE],
    ]
    given = [(command, copy.read_text()) for command, copy in done.definitions]
    assert given == [("define", "<domain/>\n"), ("net-define", network)]


def test_a_file_edited_in_place_keeps_its_mode_and_owner(tmp_path: Path) -> None:
    stage = prepare(ALL_CASES["nat-debian-nonm-none"]).plan.stages[0]
    steps = (
        FileStep("/etc/private", "psk\n", keep_mode=True),
        FileStep("/etc/new", "new\n", mode=0o640, keep_mode=True),
    )
    private = tmp_path / "root" / "etc" / "private"
    private.parent.mkdir(parents=True)
    private.write_text("old\n")
    private.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(private, 1234, 1234)
    owner = private.stat().st_uid
    done = run_script(Plan(stages=(type(stage)(name="t", steps=steps),)), tmp_path)
    assert done.calls == []
    root = done.root
    assert private.read_text() == "psk\n"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.stat().st_uid == owner
    assert (root / "etc/new").read_text() == "new\n"
    assert stat.S_IMODE((root / "etc/new").stat().st_mode) == 0o640


def test_the_machine_is_read_only_for_the_script(tmp_path: Path) -> None:
    if not READ_ONLY_MACHINE:
        pytest.skip("needs root to make a private mount namespace")
    probe = "/etc/virtnet-wizard-script-test"
    proc = subprocess.run(
        [*READ_ONLY_MACHINE, "sh", "-c", f"echo x > {probe}"], capture_output=True, text=True
    )
    assert proc.returncode != 0 and not os.path.exists(probe)
    assert "Read-only" in proc.stderr
