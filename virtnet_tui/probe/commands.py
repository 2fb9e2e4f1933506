"""The read-only commands the probe runs, and how it runs them side by side."""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from virtnet_tui.hosts.base import CommandResult, Host

T = TypeVar("T")

IP_LINK = ("ip", "-j", "-d", "link", "show")
IP_ADDRESS = ("ip", "-j", "address", "show")
IP_ROUTES4 = ("ip", "-j", "-4", "route", "show", "table", "main")
IP_ROUTES6 = ("ip", "-j", "-6", "route", "show", "table", "main")
UNAME_RELEASE = ("uname", "-r")
UNAME_NODE = ("uname", "-n")
DNSMASQ_VERSION = ("dnsmasq", "--version")
NM_UNIT_ACTIVE = ("systemctl", "is-active", "NetworkManager.service")
NM_RUNNING = ("nmcli", "-t", "-f", "RUNNING", "general")
NM_DEVICES = ("nmcli", "-t", "-f", "DEVICE,STATE", "device")
NETWORKD_ACTIVE = ("systemctl", "is-active", "systemd-networkd.service")
MODPROBE_DRY_DUMMY = ("modprobe", "-n", "-q", "dummy")
FIREWALLD_STATE = ("firewall-cmd", "--state")
NFT_TABLES = ("nft", "list", "tables")
FIREWALLD_ZONES = ("firewall-cmd", "--get-zones")
FIREWALLD_DEFAULT_ZONE = ("firewall-cmd", "--get-default-zone")


def firewalld_zone_of(interface: str) -> tuple[str, ...]:
    """firewalld's zone of ``interface`` (exit 2, "no zone", when it has none of its own)."""
    return ("firewall-cmd", f"--get-zone-of-interface={interface}")


def ip_route_get(address: str) -> tuple[str, ...]:
    """Which link the kernel would use to reach ``address``."""
    return ("ip", "-j", "route", "get", address)


#: Where ``which`` looks: the usual PATH of root, so the answer does not depend on the caller's.
BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

#: Exit status of a command that is not there (the shell's convention, which Host.run follows).
MISSING = 127

#: Why a command did not run in a sandbox (it has no canned answer there).
NOT_IN_SANDBOX = "no canned answer in the sandbox"

#: How long one probe command may take before the probe gives up on it.
COMMAND_TIMEOUT = 5.0


def which(host: Host, program: str) -> bool:
    """Whether ``program`` is installed, looked up through the host's files (no command runs)."""
    for folder in BIN_DIRS:
        try:
            if host.has_program(f"{folder}/{program}"):
                return True
        except OSError:
            continue
    return False


class ReadOnlyRunner:
    """Runs the probe's commands through the host and remembers which ones it ran.

    On a host that does not run its commands (a sandbox) only commands with a canned
    answer are run: any other one would be recorded in the host's command log as if the
    wizard had changed something.
    """

    def __init__(self, host: Host) -> None:
        self.host = host
        self.started: list[tuple[str, ...]] = []
        self._lock = threading.Lock()
        self._canned: frozenset[str] | None = None
        if not host.runs_commands:
            self._canned = host.canned_commands()

    def run(self, argv: Sequence[str]) -> CommandResult:
        key = tuple(argv)
        if self._canned is not None and shlex.join(key) not in self._canned:
            return CommandResult(key, MISSING, "", f"{key[0]}: {NOT_IN_SANDBOX}")
        with self._lock:
            self.started.append(key)
        try:
            return self.host.run(key, timeout=COMMAND_TIMEOUT)
        except Exception as exc:  # the probe reports, it never crashes
            return CommandResult(key, 126, "", f"{key[0]}: {exc}")


def why_failed(result: CommandResult) -> str:
    """A short reason for a failed command, for the probe's list of problems."""
    if result.returncode == MISSING:
        return NOT_IN_SANDBOX if result.stderr.endswith(NOT_IN_SANDBOX) else "not installed"
    detail = (result.stderr or result.stdout).strip().splitlines()
    return detail[0] if detail else f"exit status {result.returncode}"


class Background(Generic[T]):
    """A call running in a daemon thread, so a hung command cannot keep the wizard from exiting."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._value: T | None = None
        self.error = ""
        """Why the call raised, when it did."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except Exception as exc:  # reported by the caller, not printed by the thread machinery
            self.error = f"{type(exc).__name__}: {exc}"

    def result(self, deadline: float) -> T | None:
        """The call's value; None when it raised or has not returned by ``deadline`` (monotonic)."""
        self._thread.join(max(0.0, deadline - time.monotonic()))
        return None if self._thread.is_alive() else self._value
