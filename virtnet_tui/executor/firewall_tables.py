"""Notes which iptables tables a rules file will make, and deletes them again once empty."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from virtnet_tui.core.plan import CommandStep
from virtnet_tui.hosts.base import Host

#: The restore tools whose files make tables, and the tool that names their backend.
_RESTORE_TOOLS = {"iptables-restore": "iptables", "ip6tables-restore": "ip6tables"}
#: A table line of an iptables-save or iptables-restore file.
_TABLE_LINE = re.compile(r"^\*(\S+)\s*$", re.MULTILINE)
#: A built-in chain with the ACCEPT policy, with or without its counters.
_ACCEPTING_BUILTIN = re.compile(r":\S+ ACCEPT( \[\d+:\d+\])?")


def _tool(step: CommandStep) -> str | None:
    """``iptables`` or ``ip6tables`` for a ``--noflush`` restore of a rules file, else None."""
    argv = step.argv
    if argv[0] not in _RESTORE_TOOLS or "--noflush" not in argv or argv[-1].startswith("-"):
        return None
    return _RESTORE_TOOLS[argv[0]]


def _listed_tables(text: str) -> list[str]:
    return _TABLE_LINE.findall(text)


def capture_made_tables(host: Host, step: CommandStep) -> dict[str, Any]:
    """The tables that ``step``'s rules file declares and the host does not have yet.

    Only with iptables-nft: a table there is an nftables table that exists once
    something made it, and that can be deleted again. With the legacy backend a table
    is a kernel module's and stays listed for as long as the module is loaded.
    """
    tool = _tool(step)
    if tool is None:
        return {}
    if "nf_tables" not in host.run([tool, "-V"]).stdout:
        return {}
    rules = host.read_text(step.argv[-1])
    saved = host.run([f"{tool}-save"])
    if rules is None or not saved.ok:
        return {}
    present = set(_listed_tables(saved.stdout))
    made = [t for t in dict.fromkeys(_listed_tables(rules)) if t not in present]
    return {"made_tables": made} if made else {}


def _is_empty(save_output: str) -> bool:
    """Only built-in chains with the ACCEPT policy: no rule, no chain of anyone's."""
    body = [
        line
        for line in save_output.splitlines()
        if line and not line.startswith(("#", "*")) and line != "COMMIT"
    ]
    return all(_ACCEPTING_BUILTIN.fullmatch(line) for line in body)


@dataclass
class TableRemoval:
    """What deleting the tables a step made came to."""

    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def remove_made_tables(host: Host, step: CommandStep, before: dict[str, Any]) -> TableRemoval:
    """Delete the tables ``step`` made (journaled in ``before``) that are empty again.

    Run after the step's own undo removed the wizard's chains. A table that holds a
    rule or a chain now (someone else's, added since) stays, and so does every table
    the host had before: restoring a table with no rules deletes it with iptables-nft,
    and this never does that to a table with anything in it.
    """
    out = TableRemoval()
    tool = _tool(step)
    made = before.get("made_tables", [])
    if tool is None or not isinstance(made, list) or not made:
        return out
    listed = host.run([f"{tool}-save"])
    if not listed.ok:
        out.errors.append(f"{tool}-save: exit {listed.returncode}")
        return out
    present = set(_listed_tables(listed.stdout))
    for table in (str(t) for t in made):
        if table not in present:
            continue
        saved = host.run([f"{tool}-save", "-t", table])
        if not saved.ok or not _is_empty(saved.stdout):
            out.notes.append(f"kept the {tool} {table} table: it holds rules or chains now")
            continue
        result = host.run([f"{tool}-restore", "-w"], input=f"*{table}\nCOMMIT\n")
        if result.ok:
            out.notes.append(f"deleted the empty {tool} {table} table the wizard made")
        else:
            detail = (result.stderr or result.stdout).strip().splitlines()
            out.errors.append(
                f"deleting the empty {tool} {table} table: exit {result.returncode}"
                + (f": {detail[-1]}" if detail else "")
            )
    return out


def manual_table_removal(host: Host, step: CommandStep, before: dict[str, Any]) -> list[str]:
    """The commands that delete the tables ``step`` made, for an operator to run by hand."""
    tool = _tool(step)
    made = before.get("made_tables", [])
    if tool is None or not isinstance(made, list):
        return []
    restore: Sequence[str] = host.wrap([f"{tool}-restore", "-w"])
    return [
        f"# only if `{tool}-save -t {t}` shows no rule and no chain of its own: "
        f"printf '*{t}\\nCOMMIT\\n' | {shlex.join(restore)}"
        for t in (str(t) for t in made)
    ]
