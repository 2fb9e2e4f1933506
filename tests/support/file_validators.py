"""Runs each generated file through the real program that reads its format."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from support.netns import netns
from virtnet_tui.core.render.sysctl import parse_sysctl


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload, no-any-return]


def _ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"


def _write(work: Path, path: str, content: str) -> Path:
    local = work / path.lstrip("/")
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(content)
    return local


def check_interfaces(local: Path) -> None:
    state = local.parent / "ifstate"
    state.mkdir(exist_ok=True)
    base = ["-i", str(local), "--state-dir", str(state), "--no-loopback"]
    listed = _run(["ifquery", *base, "--list"])
    _ok(listed, "ifquery --list")
    for iface in listed.stdout.split():
        _ok(_run(["ifquery", *base, iface]), f"ifquery {iface}")
    _ok(_run(["ifup", *base, "--no-act", "-a"]), "ifup --no-act -a")


def check_shell_vars(local: Path) -> None:
    _ok(_run(["bash", "-n", str(local)]), "bash -n")
    _ok(_run(["env", "-i", "bash", "-c", f"set -a; . {local}"]), "sourcing with bash")


def check_script(local: Path, mode: int) -> None:
    assert mode & 0o111, f"{local.name} must be executable (mode {mode:04o})"
    assert local.read_text().startswith("#!/bin/sh"), "scripts start with #!/bin/sh"
    _ok(_run(["sh", "-n", str(local)]), "sh -n")


def check_unit(local: Path) -> None:
    name = local.name
    target = local
    if name.endswith("@.service"):
        # A template is verified through one of its instances.
        target = local.with_name(name.replace("@.service", "@virbr10.service"))
        target.write_text(local.read_text())
    proc = _run(["systemd-analyze", "verify", str(target)])
    _ok(proc, "systemd-analyze verify")
    noise = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert not noise, f"systemd-analyze verify {name} printed:\n" + "\n".join(noise)


def check_dnsmasq(local: Path) -> None:
    proc = _run(["dnsmasq", "--test", f"--conf-file={local}"])
    _ok(proc, "dnsmasq --test")
    assert "syntax check OK" in proc.stdout + proc.stderr


HOSTS_LINE = re.compile(
    r"^(?:#.*|(?:[0-9a-f]{2}:){5}[0-9a-f]{2},\d+\.\d+\.\d+\.\d+(?:,[\w.-]+)?"
    r"|id:(?:[0-9a-f]{2}:)+[0-9a-f]{2},\[[0-9a-f:]+\](?:,[\w.-]+)?)$"
)


def check_hostsfile(content: str) -> None:
    for line in content.splitlines():
        assert HOSTS_LINE.match(line), f"not a dnsmasq hostsfile line: {line!r}"


def check_firewall(local: Path, family: int) -> None:
    restore = "iptables-restore" if family == 4 else "ip6tables-restore"
    save = "iptables-save" if family == 4 else "ip6tables-save"
    with netns("vnwtfile") as ns:
        ns.run(restore, "--test", str(local))
        ns.run(restore, "-w", "--noflush", str(local))
        # loading twice must not double anything: the chains flush themselves
        first = ns.run(save).stdout
        ns.run(restore, "-w", "--noflush", str(local))
        second = ns.run(save).stdout
        strip = re.compile(r"^#.*$", re.M)
        assert strip.sub("", first) == strip.sub("", second)


def check_nft(local: Path) -> None:
    """nft -c, then load it twice in a namespace: one table, the same after a reload."""
    with netns("vnwtnft") as ns:
        ns.run("nft", "-c", "-f", str(local))
        ns.run("nft", "-f", str(local))
        first = ns.run("nft", "list", "ruleset").stdout
        ns.run("nft", "-f", str(local))
        assert ns.run("nft", "list", "ruleset").stdout == first
        tables = [ln for ln in first.splitlines() if ln.startswith("table ")]
        assert len(tables) == 1 and tables[0].startswith("table inet vnw_"), tables


def check_radvd(local: Path) -> None:
    _ok(_run(["radvd", "--configtest", "-C", str(local)]), "radvd --configtest")


def check_sysctl(content: str) -> None:
    settings = parse_sysctl(content)
    assert settings, "a sysctl file with no settings"
    for key, value in settings.items():
        assert re.fullmatch(r"[a-z0-9_]+(\.[A-Za-z0-9_-]+)+", key), key
        assert value in ("0", "1", "2"), f"{key}={value}"


UDEV_RULE = re.compile(r'^(?:[A-Z]+(?:\{[^}]+\})?(?:==|!=|\+=|=)"[^"]*"(?:, |$))+$')


def check_udev(content: str) -> None:
    rules = [ln for ln in content.splitlines() if ln and not ln.startswith("#")]
    assert rules
    for line in rules:
        assert UDEV_RULE.match(line), f"not a udev rule: {line!r}"


def validate_file(work: Path, path: str, content: str, mode: int) -> str:
    """Check one planned file with its format's own reader; returns the validator's name."""
    local = _write(work, path, content)
    name = Path(path).name
    if path == "/etc/network/interfaces":
        check_interfaces(local)
        return "ifquery/ifup --no-act"
    if (
        "/network-scripts/ifcfg-" in path
        or path in ("/etc/sysconfig/network",)
        or re.fullmatch(r"/etc/sysconfig/[\w.-]+-dummy", path)
    ):
        check_shell_vars(local)
        return "bash"
    if path.startswith("/etc/NetworkManager/dispatcher.d/") or path.endswith(".modules"):
        check_script(local, mode)
        return "sh -n"
    if path.endswith(".service"):
        check_unit(local)
        return "systemd-analyze verify"
    if path.endswith("dnsmasq.conf") or path.startswith("/etc/dnsmasq.d/"):
        check_dnsmasq(local)
        return "dnsmasq --test"
    if name == "hostsfile":
        check_hostsfile(content)
        return "hostsfile syntax"
    if name == "leases":
        assert content == ""
        return "empty"
    if path.startswith("/etc/virtnet-wizard/firewall/") and path.endswith(".nft"):
        check_nft(local)
        return "nft -c and nft -f in a netns"
    if path.startswith("/etc/virtnet-wizard/firewall/"):
        check_firewall(local, 4 if path.endswith(".v4") else 6)
        return "iptables-restore in a netns"
    if path == "/etc/radvd.conf":
        check_radvd(local)
        return "radvd --configtest"
    if path.startswith("/etc/sysctl.d/"):
        check_sysctl(content)
        return "sysctl syntax"
    if path.startswith("/etc/udev/rules.d/"):
        check_udev(content)
        return "udev syntax"
    if path in ("/etc/modules-load.d/dummy.conf", "/etc/modprobe.d/dummy.conf"):
        lines = [ln for ln in content.splitlines() if ln and not ln.startswith("#")]
        assert lines in (["dummy"], ["options dummy numdummies=1"]), lines
        return "module config"
    raise AssertionError(f"no validator for {path}")
