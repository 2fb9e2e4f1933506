"""Where side effects happen: the real host, a sandbox folder, or a network namespace."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import libvirt

HostKind = Literal["real", "sandbox", "netns"]

#: Where the sandbox keeps the networks of libvirt's test driver between runs.
SANDBOX_LIBVIRT_DIR = "var/lib/virtnet-wizard/sandbox/libvirt"
#: Where, inside SANDBOX_LIBVIRT_DIR, the sandbox keeps its VMs (test-driver domains).
SANDBOX_DOMAINS_SUBDIR = "domains"
#: Canned answers of read-only commands in the sandbox (argv joined by spaces -> stdout).
SANDBOX_RESPONSES = "var/lib/virtnet-wizard/sandbox/responses.json"
#: Commands the sandbox was asked to run, one JSON argv per line.
SANDBOX_COMMAND_LOG = "var/lib/virtnet-wizard/sandbox/commands.log"
#: The helper that runs a command with a root folder's files in place (see NetnsHost).
NETNS_EXEC = str(Path(__file__).with_name("netns_exec.py"))


@dataclass(frozen=True)
class CommandResult:
    """What a command did: exit status and output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class FileMeta:
    """What a backup needs to restore a file exactly."""

    mode: int
    uid: int
    gid: int


class Host:
    """The one door to the system: files, commands and libvirt.

    Paths given to a host are always the absolute paths of the plan (``/etc/...``);
    the host maps them under its root.
    """

    kind: HostKind = "real"

    def __init__(self, root: Path | str = "/") -> None:
        self.root = Path(root)

    # --- files -------------------------------------------------------------
    def path(self, path: str) -> Path:
        """Where the plan's absolute ``path`` lives on this host."""
        if not path.startswith("/"):
            raise ValueError(f"not an absolute path: {path}")
        return self.root / path.lstrip("/")

    def read_bytes(self, path: str) -> bytes | None:
        try:
            return self.path(path).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", errors="replace")

    def exists(self, path: str) -> bool:
        return self.path(path).exists()

    def is_dir(self, path: str) -> bool:
        return self.path(path).is_dir()

    def list_dir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.path(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def stat(self, path: str) -> FileMeta | None:
        try:
            st = self.path(path).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return FileMeta(mode=st.st_mode & 0o7777, uid=st.st_uid, gid=st.st_gid)

    def write_bytes(
        self, path: str, content: bytes, mode: int = 0o644, uid: int = -1, gid: int = -1
    ) -> None:
        """Write atomically: a temp file in the same folder, fsync, rename, fsync the folder.

        A crash leaves either the old file or the new one, never a mix.
        """
        target = self.path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                # chown before chmod: changing the owner clears set-uid and set-gid bits.
                if uid != -1 or gid != -1:
                    os.fchown(handle.fileno(), uid, gid)
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def write_text(self, path: str, content: str, mode: int = 0o644) -> None:
        self.write_bytes(path, content.encode(), mode)

    def remove(self, path: str) -> None:
        self.path(path).unlink(missing_ok=True)

    # --- commands ----------------------------------------------------------
    def wrap(self, argv: Sequence[str]) -> list[str]:
        """The argv as this host really runs it."""
        return list(argv)

    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        """Run one command (never through a shell); a missing program is exit 127."""
        real = self.wrap(argv)
        try:
            proc = subprocess.run(
                real, input=input, capture_output=True, text=True, timeout=timeout
            )
        except FileNotFoundError as exc:
            return CommandResult(tuple(argv), 127, "", f"{real[0]}: {exc.strerror}")
        except subprocess.TimeoutExpired:
            return CommandResult(tuple(argv), 124, "", f"timed out after {timeout:g} s")
        return CommandResult(tuple(argv), proc.returncode, proc.stdout, proc.stderr)

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ

    # --- libvirt -----------------------------------------------------------
    def libvirt_uri(self) -> str:
        return "qemu:///system"

    def connect_libvirt(self) -> libvirt.virConnect:
        """A libvirt connection; raises ``libvirt.libvirtError`` when libvirtd is unreachable."""
        import libvirt as lv

        return lv.open(self.libvirt_uri())

    def libvirt_saved(self, conn: libvirt.virConnect) -> None:
        """Called after changes through ``conn``; the sandbox persists its networks here."""

    def describe(self) -> str:
        return "this machine"


class RealHost(Host):
    """The machine the wizard runs on: ``/``, real commands, ``qemu:///system``."""

    kind: HostKind = "real"


class NetnsHost(Host):
    """Commands run inside a network namespace; files under ``root`` (``/`` when not given).

    With a root, every command runs through ``netns_exec``: in a private mount namespace
    where ROOT's files lie over the machine's at their planned paths, ROOT/run is /run,
    and everything else is read-only. ``ifup`` then reads the plan's
    /etc/network/interfaces and keeps its state in ROOT/run/network; dnsmasq writes its
    leases and pid file under ROOT; nothing a command does can change the machine's files.
    The libvirt connection goes to a libvirtd started the same way (its socket is
    ROOT/run/libvirt/libvirt-sock), never to the machine's.
    """

    kind: HostKind = "netns"

    def __init__(self, netns: str, root: Path | str = "/", libvirt_uri: str = "") -> None:
        # Absolute: the helper and libvirt's socket path must not depend on the cwd.
        super().__init__(os.path.abspath(root))
        self.netns = netns
        self._libvirt_uri = libvirt_uri
        self._prepared = False

    @property
    def mapped(self) -> bool:
        """Whether files live under a root folder (and commands see them there)."""
        return self.root != Path("/")

    def _prepare(self) -> None:
        """Give the root its private /run before anything is written or run."""
        if self.mapped and not self._prepared:
            from virtnet_tui.hosts.netns_exec import prepare_root

            prepare_root(str(self.root))
            self._prepared = True

    def write_bytes(
        self, path: str, content: bytes, mode: int = 0o644, uid: int = -1, gid: int = -1
    ) -> None:
        self._prepare()
        super().write_bytes(path, content, mode, uid, gid)

    def wrap(self, argv: Sequence[str]) -> list[str]:
        prefix = ["ip", "netns", "exec", self.netns]
        if not self.mapped:
            return [*prefix, *argv]
        self._prepare()
        # -I: the helper needs only the standard library and must not pick up the
        # caller's PYTHONPATH or user site (it runs as root).
        return [*prefix, sys.executable, "-I", NETNS_EXEC, str(self.root), "--", *argv]

    def libvirt_uri(self) -> str:
        if self._libvirt_uri:
            return self._libvirt_uri
        if self.mapped:
            return f"qemu:///system?socket={self.root}/run/libvirt/libvirt-sock"
        return super().libvirt_uri()

    def describe(self) -> str:
        where = f", files under {self.root}" if self.mapped else ""
        return f"network namespace {self.netns}{where}"


@dataclass
class _Recorded:
    commands: list[tuple[str, ...]] = field(default_factory=list)


class SandboxHost(Host):
    """A folder that stands in for the machine: files under it, commands recorded, not run.

    Read-only queries (``ip -j address``...) are answered from canned responses kept
    in the sandbox, so the probe sees a plausible host. libvirt is the ``test:``
    driver, loaded from and saved to XML files under the root, so that a later
    process sees the networks an earlier one defined.
    """

    kind: HostKind = "sandbox"

    def __init__(self, root: Path | str) -> None:
        # Absolute, or libvirt would read test://relative/... as a remote host name.
        super().__init__(Path(root).absolute())
        self.recorded = _Recorded()
        self._node_signature: object = None

    def _responses(self) -> dict[str, Any]:
        text = self.read_text("/" + SANDBOX_RESPONSES)
        if not text:
            return {}
        data = json.loads(text)
        return data if isinstance(data, dict) else {}

    def run(
        self, argv: Sequence[str], *, input: str | None = None, timeout: float = 120
    ) -> CommandResult:
        key = shlex.join(argv)
        canned = self._responses().get(key)
        if canned is not None:
            if isinstance(canned, dict):
                return CommandResult(
                    tuple(argv),
                    int(canned.get("returncode", 0)),
                    str(canned.get("stdout", "")),
                    str(canned.get("stderr", "")),
                )
            return CommandResult(tuple(argv), 0, str(canned), "")
        self.recorded.commands.append(tuple(argv))
        log = self.path("/" + SANDBOX_COMMAND_LOG)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(json.dumps(list(argv)) + "\n")
        return CommandResult(tuple(argv), 0, "", "")

    def _libvirt_dir(self) -> Path:
        return self.path("/" + SANDBOX_LIBVIRT_DIR)

    def libvirt_uri(self) -> str:
        return f"test://{self._node_xml()}"

    def _node_xml(self) -> Path:
        """A node description for the test driver, made from the saved networks and VMs.

        Made again only when a saved file changed since this host last made it: a
        network with a thousand DHCP hosts is costly to read on every connection.
        """
        folder = self._libvirt_dir()
        folder.mkdir(parents=True, exist_ok=True)
        out = folder.parent / "node.xml"
        networks = sorted(folder.glob("*.xml"))
        # VMs (test-driver domains) only when some were saved or seeded: none by default.
        domains = sorted((folder / SANDBOX_DOMAINS_SUBDIR).glob("*.xml"))
        stats = [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in networks + domains]
        signature = ((folder / ".empty").exists(), tuple(stats))
        if signature == self._node_signature and out.exists():
            return out
        network_parts = _valid_xml(networks)
        if not network_parts and not signature[0]:
            # An empty node would leave the test driver without a default network;
            # a fresh libvirt install has one, so the sandbox has one too.
            network_parts = [_DEFAULT_NETWORK_XML]
        parts = network_parts + _valid_xml(domains)
        out.write_text("<node>\n" + "\n".join(parts) + "\n</node>\n")
        self._node_signature = signature
        return out

    def connect_libvirt(self) -> libvirt.virConnect:
        import libvirt as lv

        conn = lv.open(self.libvirt_uri())
        state = self._libvirt_state()
        for net in conn.listAllNetworks():
            info = state.get(net.name(), {"active": True, "autostart": False})
            if not info.get("active", True) and net.isActive():
                net.destroy()
            if info.get("autostart"):
                net.setAutostart(True)
        domains = self._libvirt_state(SANDBOX_DOMAINS_SUBDIR)
        for dom in conn.listAllDomains():
            # The test driver starts every domain of its node file: stop those saved as off.
            if not domains.get(dom.name(), {}).get("active", True) and dom.isActive():
                dom.destroy()
        return conn

    def _libvirt_state(self, sub: str = "") -> dict[str, dict[str, bool]]:
        path = self._libvirt_dir() / sub / "state.json"
        try:
            data = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def libvirt_saved(self, conn: libvirt.virConnect) -> None:
        folder = self._libvirt_dir()
        folder.mkdir(parents=True, exist_ok=True)
        state: dict[str, dict[str, bool]] = {}
        names = set()
        for net in conn.listAllNetworks():
            if not net.isPersistent():
                continue
            name = net.name()
            names.add(name)
            # The test driver keeps one definition (no live/config split) and refuses
            # the INACTIVE flag, so the plain description is the persistent one.
            xml = net.XMLDesc(0)
            self.write_text("/" + f"{SANDBOX_LIBVIRT_DIR}/{name}.xml", xml)
            state[name] = {"active": bool(net.isActive()), "autostart": bool(net.autostart())}
        for stale in folder.glob("*.xml"):
            if stale.stem not in names:
                stale.unlink()
        marker = folder / ".empty"
        if names:
            marker.unlink(missing_ok=True)
        else:
            # Remember that even the default network is gone.
            marker.touch()
        self.write_text("/" + f"{SANDBOX_LIBVIRT_DIR}/state.json", json.dumps(state, indent=1))
        self._save_domains(conn)

    def _save_domains(self, conn: libvirt.virConnect) -> None:
        """Keep every persistent VM's definition and whether it runs, like the networks."""
        import libvirt as lv

        folder = self._libvirt_dir() / SANDBOX_DOMAINS_SUBDIR
        state: dict[str, dict[str, bool]] = {}
        for dom in conn.listAllDomains():
            if not dom.isPersistent():
                continue
            flags = lv.VIR_DOMAIN_XML_INACTIVE | lv.VIR_DOMAIN_XML_SECURE
            self.write_text(
                "/" + f"{SANDBOX_LIBVIRT_DIR}/{SANDBOX_DOMAINS_SUBDIR}/{dom.name()}.xml",
                dom.XMLDesc(flags),
            )
            state[dom.name()] = {"active": bool(dom.isActive())}
        if not state and not folder.exists():
            return  # a sandbox without VMs keeps no trace of them
        for stale in folder.glob("*.xml"):
            if stale.stem not in state:
                stale.unlink()
        self.write_text(
            "/" + f"{SANDBOX_LIBVIRT_DIR}/{SANDBOX_DOMAINS_SUBDIR}/state.json",
            json.dumps(state, indent=1),
        )

    def describe(self) -> str:
        return f"sandbox {self.root}"


_DEFAULT_NETWORK_XML = """<network>
  <name>default</name>
  <bridge name="virbr0"/>
  <forward mode="nat"/>
  <ip address="192.168.122.1" netmask="255.255.255.0">
    <dhcp>
      <range start="192.168.122.2" end="192.168.122.254"/>
    </dhcp>
  </ip>
</network>"""


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _valid_xml(paths: list[Path]) -> list[str]:
    """The texts of the files that parse as XML (declarations dropped), in order."""
    import xml.etree.ElementTree as ET

    out = []
    for path in paths:
        text = path.read_text()
        try:
            ET.fromstring(text)
        except ET.ParseError:
            continue
        out.append(_XML_DECLARATION.sub("", text, count=1))
    return out


def make_host(root: str | None, netns: str | None) -> Host:
    """The host that ``--root`` and ``--netns`` select (see DESIGN.md, "Where the commands act")."""
    if netns:
        return NetnsHost(netns, root or "/")
    if root:
        return SandboxHost(root)
    return RealHost()
