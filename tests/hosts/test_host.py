"""The Host implementations: atomic writes with modes, sandbox recording and libvirt persistence."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import libvirt
import pytest
from support.netns import Netns

from virtnet_tui.hosts.factory import make_host
from virtnet_tui.hosts.netns import NetnsHost
from virtnet_tui.hosts.real import RealHost
from virtnet_tui.hosts.sandbox import SandboxHost


def test_write_is_atomic_with_mode(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    host.write_text("/etc/x/y.conf", "one\n", mode=0o600)
    path = tmp_path / "etc/x/y.conf"
    assert path.read_text() == "one\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    host.write_text("/etc/x/y.conf", "two\n", mode=0o755)
    assert path.read_text() == "two\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    # no temp file is left behind
    assert os.listdir(tmp_path / "etc/x") == ["y.conf"]
    meta = host.stat("/etc/x/y.conf")
    assert meta is not None and meta.mode == 0o755


def test_relative_paths_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SandboxHost(tmp_path).path("etc/passwd")


def test_sandbox_records_commands_and_answers_canned_ones(tmp_path: Path) -> None:
    host = SandboxHost(tmp_path)
    responses = tmp_path / "var/lib/virtnet-wizard/sandbox/responses.json"
    responses.parent.mkdir(parents=True)
    responses.write_text(json.dumps({"uname -r": "6.1.0-13-amd64\n"}))
    assert host.run(["uname", "-r"]).stdout == "6.1.0-13-amd64\n"
    result = host.run(["ip", "link", "add", "virbr10", "type", "bridge"])
    assert result.ok and result.stdout == ""
    log = (tmp_path / "var/lib/virtnet-wizard/sandbox/commands.log").read_text().splitlines()
    assert [json.loads(line) for line in log] == [
        ["ip", "link", "add", "virbr10", "type", "bridge"]
    ]
    assert host.recorded.commands == [("ip", "link", "add", "virbr10", "type", "bridge")]


def test_sandbox_libvirt_networks_survive_a_new_process(tmp_path: Path) -> None:
    first = SandboxHost(tmp_path)
    conn = first.connect_libvirt()
    assert conn.listNetworks() == ["default"], "a fresh sandbox has libvirt's default network"
    net = conn.networkDefineXML(
        "<network><name>mynet</name><bridge name='virbr7'/><forward mode='nat'/>"
        "<ip address='192.168.77.1' netmask='255.255.255.0'/></network>"
    )
    net.create()
    net.setAutostart(True)
    conn.networkLookupByName("default").destroy()
    first.libvirt_saved(conn)
    conn.close()

    again = SandboxHost(tmp_path).connect_libvirt()
    assert sorted(again.listAllNetworks(), key=lambda n: n.name())[1].name() == "mynet"
    mynet = again.networkLookupByName("mynet")
    assert mynet.isActive() and mynet.autostart()
    assert not again.networkLookupByName("default").isActive()
    again.networkLookupByName("default").undefine()
    mynet.destroy()
    mynet.undefine()
    SandboxHost(tmp_path).libvirt_saved(again)
    assert SandboxHost(tmp_path).connect_libvirt().listAllNetworks() == []


def test_real_host_runs_commands_and_reports_missing_programs() -> None:
    host = RealHost()
    assert host.run(["true"]).ok
    missing = host.run(["virtnet-no-such-program"])
    assert missing.returncode == 127 and "virtnet-no-such-program" in missing.stderr


def test_make_host_follows_the_flags(tmp_path: Path) -> None:
    assert isinstance(make_host(None, None), RealHost)
    assert isinstance(make_host(str(tmp_path), None), SandboxHost)
    ns_host = make_host(str(tmp_path), "somens")
    assert isinstance(ns_host, NetnsHost) and ns_host.root == tmp_path


@pytest.mark.netns
def test_netns_host_runs_inside_and_maps_planned_files(ns: Netns, tmp_path: Path) -> None:
    host = NetnsHost(ns.name, tmp_path)
    host.write_text("/etc/virtnet-wizard/test.rules", "*filter\n:VNW-T - [0:0]\nCOMMIT\n")
    assert host.run(["iptables-restore", "--noflush", "/etc/virtnet-wizard/test.rules"]).ok
    assert ":VNW-T" in ns.run("iptables-save").stdout
    # the namespace's links, not the machine's
    links = host.run(["ip", "-o", "link"]).stdout
    assert "lo:" in links and len(links.splitlines()) == 1


def test_libvirt_error_is_catchable(tmp_path: Path) -> None:
    with pytest.raises(libvirt.libvirtError):
        libvirt.open("test:///nonexistent/file.xml")
