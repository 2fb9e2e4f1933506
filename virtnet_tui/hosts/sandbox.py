"""A folder that stands in for the machine: its files, recorded commands, saved libvirt."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from virtnet_tui.hosts.base import CommandResult, Host, HostKind
from virtnet_tui.hosts.files import append_bytes, make_dirs, write_atomically

if TYPE_CHECKING:
    import libvirt

#: Where the sandbox keeps the networks of libvirt's test driver between runs.
SANDBOX_LIBVIRT_DIR = "var/lib/virtnet-wizard/sandbox/libvirt"
#: Where, inside SANDBOX_LIBVIRT_DIR, the sandbox keeps its VMs (test-driver domains).
SANDBOX_DOMAINS_SUBDIR = "domains"
#: Canned answers of read-only commands in the sandbox (argv joined by spaces -> stdout).
SANDBOX_RESPONSES = "var/lib/virtnet-wizard/sandbox/responses.json"
#: Commands the sandbox was asked to run, one JSON argv per line.
SANDBOX_COMMAND_LOG = "var/lib/virtnet-wizard/sandbox/commands.log"
#: The sandbox's stand-in for the process environment (``SSH_CONNECTION``...), a JSON object.
SANDBOX_ENVIRON = "/var/lib/virtnet-wizard/sandbox/environ.json"


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
    runs_commands = False
    sysfs_shows_links = True
    # The folder is the operator's own: nothing on the machine changes.
    needs_root = False
    session_environ_file: str | None = SANDBOX_ENVIRON

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

    def canned_commands(self) -> frozenset[str]:
        try:
            return frozenset(str(key) for key in self._responses())
        except json.JSONDecodeError:
            return frozenset()

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
        log = self.write_path("/" + SANDBOX_COMMAND_LOG)
        make_dirs(log.parent)
        append_bytes(log, (json.dumps(list(argv)) + "\n").encode(), 0o644)
        return CommandResult(tuple(argv), 0, "", "")

    def _libvirt_dir(self) -> Path:
        return self.path("/" + SANDBOX_LIBVIRT_DIR)

    def _made_libvirt_dir(self) -> Path:
        """The libvirt folder, made (inside the root) when it is missing."""
        folder = self.write_path("/" + SANDBOX_LIBVIRT_DIR, folder=True)
        make_dirs(folder)
        return folder

    def libvirt_uri(self) -> str:
        return f"test://{self._node_xml()}"

    def _node_xml(self) -> Path:
        """A node description for the test driver, made from the saved networks and VMs.

        Made again only when a saved file changed since this host last made it: a
        network with a thousand DHCP hosts is costly to read on every connection.
        """
        folder = self._made_libvirt_dir()
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
        # A cache, made again from the saved files when lost: no fsync.
        text = "<node>\n" + "\n".join(parts) + "\n</node>\n"
        write_atomically(out, text.encode(), 0o644, sync=False)
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
        folder = self._made_libvirt_dir()
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
        marker = f"/{SANDBOX_LIBVIRT_DIR}/.empty"
        if names:
            self.remove(marker)
        elif not self.exists(marker):
            # Remember that even the default network is gone.
            self.write_bytes(marker, b"")
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
