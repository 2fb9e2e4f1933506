"""Verifies a stage's checks through a Host: links, addresses, networks, processes, rules."""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from virtnet_tui.core.plan import Check
from virtnet_tui.hosts.base import Host

Outcome = Literal["ok", "failed", "skipped"]


@dataclass(frozen=True)
class CheckResult:
    """What one check found."""

    check: Check
    outcome: Outcome
    detail: str

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"


def _ip_json(host: Host, argv: list[str]) -> list[dict[str, Any]] | str:
    """Parsed ``ip -j`` output, or the reason there is none."""
    result = host.run(argv)
    if not result.ok:
        return (result.stderr or result.stdout).strip() or f"exit {result.returncode}"
    try:
        data = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        return f"unreadable output of {' '.join(argv)}"
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def _link(host: Host, dev: str) -> dict[str, Any] | str:
    data = _ip_json(host, ["ip", "-j", "link", "show", "dev", dev])
    if isinstance(data, str):
        return f"no link {dev} ({data})"
    return data[0] if data else f"no link {dev}"


def check_link_up(host: Host, check: Check) -> tuple[bool, str]:
    link = _link(host, check.target)
    if isinstance(link, str):
        return False, link
    flags = link.get("flags", [])
    # A bridge without ports has no carrier yet; what the stage promised is that it is up.
    return "UP" in flags, f"flags {','.join(flags)}, state {link.get('operstate', '?')}"


def check_bridge_port(host: Host, check: Check) -> tuple[bool, str]:
    link = _link(host, check.detail)
    if isinstance(link, str):
        return False, link
    master = link.get("master", "")
    return master == check.target, f"{check.detail} master is {master or 'none'}"


def check_address(host: Host, check: Check) -> tuple[bool, str]:
    data = _ip_json(host, ["ip", "-j", "address", "show", "dev", check.target])
    if isinstance(data, str):
        return False, data
    want = ipaddress.ip_interface(check.detail)
    found = []
    for link in data:
        for info in link.get("addr_info", []):
            try:
                have = ipaddress.ip_interface(f"{info['local']}/{info['prefixlen']}")
            except (KeyError, ValueError):
                continue
            found.append(str(have))
            if have == want:
                return True, f"{check.target} has {have}"
    return False, f"{check.target} has {', '.join(found) or 'no address'}"


def check_net_active(host: Host, check: Check) -> tuple[bool, str]:
    import libvirt

    from virtnet_tui.executor.steps import quiet_libvirt

    quiet_libvirt()
    try:
        conn = host.connect_libvirt()
    except libvirt.libvirtError as exc:
        return False, f"cannot reach libvirt: {exc}"
    try:
        net = conn.networkLookupByName(check.target)
        return bool(net.isActive()), "active" if net.isActive() else "defined but not active"
    except libvirt.libvirtError:
        return False, "no such network"
    finally:
        conn.close()


_ERE_SPECIAL = re.compile(r"([.\[\]()*+?{}|^$\\])")


def _ere(text: str) -> str:
    """``text`` as a literal inside a POSIX extended regular expression (pgrep's)."""
    return _ERE_SPECIAL.sub(r"\\\1", text)


def check_process(host: Host, check: Check) -> tuple[bool, str]:
    if check.detail.endswith(".pid"):
        text = host.read_text(check.detail)
        pid = (text or "").strip()
        if not pid.isdigit():
            return False, f"no pid in {check.detail}"
        alive = host.run(["kill", "-0", pid]).ok
        return alive, f"pid {pid} {'runs' if alive else 'is gone'}"
    pattern = _ere(check.target) + (".*" + _ere(check.detail) if check.detail else "")
    result = host.run(["pgrep", "-f", "--", pattern])
    pids = result.stdout.split()
    return bool(result.ok and pids), f"pids {' '.join(pids)}" if pids else "not running"


def check_ping(host: Host, check: Check) -> tuple[bool, str]:
    argv = ["ping", "-c", "1", "-W", "1"]
    if check.detail:
        argv += ["-I", check.detail]
    result = host.run([*argv, check.target], timeout=5)
    last = (result.stdout or result.stderr).strip().splitlines()
    return result.ok, last[-1] if last else f"exit {result.returncode}"


def check_file(host: Host, check: Check) -> tuple[bool, str]:
    return host.exists(check.target), check.target


def check_chain(host: Host, check: Check) -> tuple[bool, str]:
    # detail: "iptables nat POSTROUTING" -- the jump from that built-in chain to ours.
    parts = check.detail.split()
    if len(parts) != 3:
        return False, f"cannot read the chain check {check.detail!r}"
    tool, table, parent = parts
    result = host.run([tool, "-w", "-t", table, "-C", parent, "-j", check.target])
    if result.ok:
        return True, f"{parent} jumps to {check.target}"
    return False, (result.stderr.strip() or f"exit {result.returncode}")


def check_nft_table(host: Host, check: Check) -> tuple[bool, str]:
    # target: "inet vnw_virbr10", the table the stage loaded.
    result = host.run(["nft", "list", "table", *check.target.split()])
    if result.ok:
        return True, f"table {check.target} is loaded"
    return False, (result.stderr.strip() or f"exit {result.returncode}")


CHECKERS: dict[str, Callable[[Host, Check], tuple[bool, str]]] = {
    "link-up": check_link_up,
    "bridge-port": check_bridge_port,
    "address": check_address,
    "net-active": check_net_active,
    "process": check_process,
    "ping": check_ping,
    "file": check_file,
    "chain": check_chain,
    "nft-table": check_nft_table,
}


def run_check(host: Host, check: Check, wait: float = 10.0, poll: float = 0.25) -> CheckResult:
    """Run one check, retrying for up to ``wait`` seconds while what it checks settles.

    A bridge takes a moment to come up and a gateway to answer ARP; a check that
    still fails after the wait has failed. The sandbox runs nothing, so it skips.
    """
    if not host.runs_commands:
        return CheckResult(check, "skipped", "skipped: sandbox")
    deadline = time.monotonic() + wait
    while True:
        try:
            ok, detail = CHECKERS[check.what](host, check)
        except Exception as exc:  # a check that cannot run has not passed
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        if ok or time.monotonic() >= deadline:
            return CheckResult(check, "ok" if ok else "failed", detail)
        time.sleep(poll)
