"""Host writes stay inside the root, follow no link where they land, and make folders 0755."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from virtnet_tui.hosts.files import UnsafePath
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import SandboxHost


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def test_a_folder_link_leading_outside_the_root_is_refused(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/network").symlink_to(outside)
    host = SandboxHost(root)
    with pytest.raises(UnsafePath) as refused:
        host.write_text("/etc/network/interfaces", "auto lo\n")
    message = str(refused.value)
    assert str(root / "etc/network/interfaces") in message
    assert f"the folder {root / 'etc/network'} is a symbolic link to {outside}" in message
    assert "outside the root" in message
    with pytest.raises(UnsafePath):
        host.remove("/etc/network/interfaces")
    with pytest.raises(UnsafePath):
        host.write_text("/etc/network/deeper/still/file", "x\n")
    assert list(outside.iterdir()) == []


def test_a_folder_link_is_judged_by_where_it_ends(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    host = SandboxHost(root)
    # Inside the root, then out of it through a second link: refused.
    (root / "hop").symlink_to(outside)
    (root / "etc/network").symlink_to("../hop")
    with pytest.raises(UnsafePath):
        host.write_text("/etc/network/interfaces", "x\n")
    assert list(outside.iterdir()) == []
    # The same chain ending inside the root is followed.
    (root / "hop").unlink()
    (root / "network.real").mkdir()
    (root / "hop").symlink_to("network.real")
    host.write_text("/etc/network/interfaces", "auto lo\n")
    assert (root / "network.real/interfaces").read_text() == "auto lo\n"
    # So is an absolute link, as long as it names a place inside the root.
    (root / "data").mkdir()
    (root / "etc/sysctl.d").symlink_to(root / "data")
    host.write_text("/etc/sysctl.d/90.conf", "x=1\n")
    assert (root / "data/90.conf").read_text() == "x=1\n"


def test_a_path_climbing_with_dotdot_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(UnsafePath):
        SandboxHost(root).write_text("/etc/../../escaped", "x\n")
    assert not (tmp_path / "escaped").exists()


def test_on_the_machine_itself_folder_links_are_the_systems_own(tmp_path: Path) -> None:
    # Root "/": nothing can lead outside it, so no folder of the path is judged (a link
    # such as /etc/network -> /data/network is legitimate configuration there).
    assert RealHost().write_path("/etc/network/interfaces") == Path("/etc/network/interfaces")
    with pytest.raises(UnsafePath):
        RealHost().write_path("/etc/../x")


def test_a_link_where_a_file_goes_is_refused_unless_it_may_be_replaced(
    tmp_path: Path, outside: Path
) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    precious = outside / "precious"
    precious.write_text("keep\n")
    (root / "etc/own.conf").symlink_to(precious)
    host = SandboxHost(root)
    with pytest.raises(UnsafePath, match="symbolic link"):
        host.write_text("/etc/own.conf", "new\n")
    assert (root / "etc/own.conf").is_symlink()
    # Replacing the link writes a file in its place, never through it.
    host.write_bytes("/etc/own.conf", b"new\n", replace_link=True)
    assert not (root / "etc/own.conf").is_symlink()
    assert (root / "etc/own.conf").read_text() == "new\n"
    assert precious.read_text() == "keep\n"


def test_the_sandbox_command_log_is_never_appended_through_a_link(
    tmp_path: Path, outside: Path
) -> None:
    root = tmp_path / "root"
    log = root / "var/lib/virtnet-wizard/sandbox/commands.log"
    log.parent.mkdir(parents=True)
    precious = outside / "precious"
    precious.write_text("keep\n")
    log.symlink_to(precious)
    with pytest.raises(UnsafePath):
        SandboxHost(root).run(["ip", "link", "add", "br0", "type", "bridge"])
    assert precious.read_text() == "keep\n"


# Writes through a host under umask 000 (a process of its own: the umask is per process).
_UNDER_UMASK_0 = """
import json, os, sys
os.umask(0)
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.hosts.sandbox import SandboxHost
kind, root = sys.argv[1], sys.argv[2]
host = NetnsHost("vnw-none", root) if kind == "netns" else SandboxHost(root)
host.write_text("/etc/virtnet-wizard/firewall/br0.v4", "*filter\\n", mode=0o600)
host.write_text("/var/lib/dnsmasq/br0/hostsfile", "")
if kind == "sandbox":
    host.run(["true"])
    host.connect_libvirt().close()
modes = {}
for folder, dirs, files in os.walk(root):
    for name in dirs + files:
        path = os.path.join(folder, name)
        if not os.path.islink(path):
            modes[os.path.relpath(path, root)] = os.lstat(path).st_mode & 0o7777
print(json.dumps(modes))
"""


@pytest.mark.parametrize("kind", ["sandbox", "netns"])
def test_under_umask_000_folders_are_0755_and_files_keep_their_mode(
    tmp_path: Path, kind: str
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", _UNDER_UMASK_0, kind, str(root)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    modes: dict[str, int] = json.loads(out)
    files = {
        "etc/virtnet-wizard/firewall/br0.v4": 0o600,
        "var/lib/dnsmasq/br0/hostsfile": 0o644,
    }
    assert set(files) <= set(modes)
    wrong = {
        rel: f"{mode:04o}"
        for rel, mode in modes.items()
        if mode != files.get(rel, 0o755 if (root / rel).is_dir() else 0o644)
    }
    assert wrong == {}


def test_a_netns_root_is_not_prepared_through_a_folder_leading_outside(
    tmp_path: Path, outside: Path
) -> None:
    if not os.path.islink("/var/run"):
        pytest.skip("the root gets a /var/run link only when the machine has one")
    root = tmp_path / "root"
    root.mkdir()
    (root / "var").symlink_to(outside)
    host = NetnsHost("vnw-none", root)
    with pytest.raises(UnsafePath, match="outside the root"):
        host.write_text("/etc/hostname", "x\n")
    assert list(outside.iterdir()) == [], "no /var/run link was made outside the root"


def test_a_dangling_folder_link_inside_the_root_is_refused_by_name(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "etc").symlink_to("nowhere")
    with pytest.raises(UnsafePath, match="symbolic link") as refused:
        SandboxHost(root).write_text("/etc/hostname", "x\n")
    assert refused.value.path == root / "etc"
    assert not (root / "nowhere").exists()
