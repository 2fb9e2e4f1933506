"""Renders a plan as a readable bash script that performs the same steps in the same order."""

from __future__ import annotations

import shlex

from virtnet_tui.core.plan import Argv, CommandStep, FileStep, LibvirtStep, Plan, Step, SysctlStep
from virtnet_tui.core.render.header import header

DELIMITER = "VIRTNET_EOF"


def _delimiter(content: str) -> str:
    """A here-document delimiter that no line of ``content`` equals."""
    lines = set(content.splitlines())
    delimiter = DELIMITER
    n = 0
    while delimiter in lines:
        n += 1
        delimiter = f"{DELIMITER}_{n}"
    return delimiter


def _heredoc(command: str, content: str) -> list[str]:
    """``command`` fed with ``content`` exactly, byte for byte."""
    if content == "":
        return [f"{command} </dev/null"]
    if not content.endswith("\n"):
        return [f"printf '%s' {shlex.quote(content)} | {command}"]
    delimiter = _delimiter(content)
    # The here-document adds the final newline back.
    return [f"{command} <<'{delimiter}'", *content[:-1].split("\n"), delimiter]


def _file(step: FileStep) -> list[str]:
    # install -D creates missing parent folders and sets the mode in one go.
    target = shlex.quote(step.path)
    if step.keep_mode:
        # An existing file keeps its mode and owner (it may be private on purpose);
        # only a new one gets the step's mode.
        return [
            f'mode="$(stat -c %a {target} 2>/dev/null)" || mode={step.mode:04o}',
            f'owner="$(stat -c %u:%g {target} 2>/dev/null)" || owner=""',
            *_heredoc(f'install -D -m "$mode" /dev/stdin {target}', step.content),
            f'[ -z "$owner" ] || chown "$owner" {target}',
        ]
    return _heredoc(f"install -D -m {step.mode:04o} /dev/stdin {target}", step.content)


def _command(argv: Argv, ignore_failure: bool = False) -> str:
    line = shlex.join(argv)
    return f"{line} || true" if ignore_failure else line


def _libvirt(step: LibvirtStep) -> list[str]:
    if step.op not in ("net-define", "domain-define"):
        return [_command(step.virsh_argv())]
    # virsh reads a definition from a file: hand it one made just for the call.
    return [
        'xml="$(mktemp)"',
        *_heredoc('cat >"$xml"', step.xml),
        shlex.join(step.virsh_argv("XMLFILE")).replace("XMLFILE", '"$xml"'),
        'rm -f "$xml"',
    ]


def _step(step: Step) -> list[str]:
    if isinstance(step, FileStep):
        return _file(step)
    if isinstance(step, CommandStep):
        return [_command(step.argv, step.ignore_failure)]
    if isinstance(step, SysctlStep):
        return [_command(step.argv())]
    return _libvirt(step)


def render_plan_script(plan: Plan) -> str:
    """The whole plan as a bash script (run as root); stops at the first failing command."""
    out = ["#!/usr/bin/env bash", header().rstrip("\n")]
    out += [
        "# This script does what `virtnet-wizard apply` does, without its checkpoints,",
        "# checks and rollback. Read it before you run it, as root.",
        "set -euo pipefail",
    ]
    total = len(plan.stages)
    step_no = 0
    for index, stage in enumerate(plan.stages, start=1):
        out.append("")
        out.append(f"# --- Stage {index}/{total}: {stage.name}")
        if stage.risky:
            out.append(f"# RISKY: {stage.why_risky or 'may cut the connection you are using'}.")
            out.append(
                "# Keep a second way into the machine (console, second session) while it runs."
            )
        out.append(f"echo {shlex.quote(f'==> Stage {index}/{total}: {stage.name}')}")
        for step in stage.steps:
            step_no += 1
            out.append(f"# step {step_no}: {step.describe()}")
            out += _step(step)
    if plan.todos:
        out.append("")
        out.append("# Still to do elsewhere:")
        for todo in plan.todos:
            out.append(f"#   - {todo.title}: {todo.detail}")
            out += [f"#       {c}" for c in todo.commands]
    return "\n".join(out) + "\n"
