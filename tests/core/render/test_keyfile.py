"""NetworkManager keyfiles: the uplink profile found, the bridge and port written, read by nmcli."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from virtnet_tui.core.model import HostFacts, NetworkSpec
from virtnet_tui.core.render.keyfile import (
    PORT_PRIORITY,
    KeyfileError,
    find_uplink_profile,
    parse_keyfile,
    profile_uuid,
    render_bridged_bridge,
    render_keyfile,
    render_port,
    render_virtual_bridge,
)

MAC = "52:54:00:12:34:56"
FACTS = HostFacts(
    netconfig="networkmanager",
    uplink_interface="eth0",
    mac=MAC,
    ipv4="198.51.100.2/24",
    gateway4="198.51.100.1",
)
#: What an installer writes for a static server (Anaconda's names and layout).
UPLINK = """\
[connection]
id=eth0
uuid=0f8e6b1c-6d2a-4c1e-9d56-2f3b5f0e4a11
type=ethernet
autoconnect-priority=-999
interface-name=eth0

[ethernet]
mtu=9000

[ipv4]
address1=198.51.100.2/24,198.51.100.1
dns=198.51.100.53;
method=manual
route1=203.0.113.0/24,198.51.100.254

[ipv6]
addr-gen-mode=eui64
method=auto

[proxy]
"""
PATH = "/etc/NetworkManager/system-connections/eth0.nmconnection"
CUSTOM = NetworkSpec(
    "custom-nat",
    "virbr10",
    "virbr10",
    ipv4="192.168.100.1/24",
    ipv6="fd00:10::1/64",
    bridge_mac="52:54:00:7e:27:a0",
)


def _section(text: str, name: str) -> dict[str, str]:
    return dict(next(p for n, p in parse_keyfile(text) if n == name))


def test_keyfiles_round_trip_with_case_and_order_kept() -> None:
    sections = (("connection", (("id", "x"), ("autoconnect-slaves", "1"))), ("bridge-port", ()))
    text = render_keyfile(sections)
    assert text.splitlines()[1:] == ["[connection]", "id=x", "autoconnect-slaves=1", "",
                                     "[bridge-port]"]  # fmt: skip
    assert parse_keyfile(text) == sections
    with pytest.raises(KeyfileError):
        parse_keyfile("id=no section\n")


def test_the_uplinks_profile_is_found_by_name_or_mac_and_not_a_port() -> None:
    by_mac = UPLINK.replace("interface-name=eth0\n", "").replace("mtu=9000", f"mac-address={MAC}")
    other = UPLINK.replace("interface-name=eth0", "interface-name=eth1")
    port = UPLINK.replace("type=ethernet", "type=ethernet\nmaster=br9\nslave-type=bridge")
    d = "/etc/NetworkManager/system-connections"
    found = find_uplink_profile([(f"{d}/a.nmconnection", other), (PATH, UPLINK)], "eth0", MAC)
    assert found is not None and found.path == PATH and found.id == "eth0"
    assert found.uuid == "0f8e6b1c-6d2a-4c1e-9d56-2f3b5f0e4a11"
    found = find_uplink_profile([(f"{d}/w.nmconnection", by_mac)], "eth0", MAC.upper())
    assert found is not None
    assert find_uplink_profile([(f"{d}/p.nmconnection", port)], "eth0", MAC) is None
    # /etc wins over /run (a generated profile), and other folders are not keyfiles.
    run = "/run/NetworkManager/system-connections/eth0.nmconnection"
    assert find_uplink_profile([(run, UPLINK), (PATH, UPLINK)], "eth0", MAC).path == PATH  # type: ignore[union-attr]
    assert find_uplink_profile([("/etc/x/eth0.nmconnection", UPLINK)], "eth0", MAC) is None


def test_the_bridge_takes_the_uplinks_ip_layer_and_mac_and_brings_its_port() -> None:
    found = find_uplink_profile([(PATH, UPLINK)], "eth0", MAC)
    text = render_bridged_bridge("br0", found, FACTS)
    assert text.startswith("# Written by virtnet-wizard.\n")
    connection = _section(text, "connection")
    assert connection == {
        "id": "br0",
        "uuid": profile_uuid("br0"),
        "type": "bridge",
        "interface-name": "br0",
        "autoconnect-slaves": "1",
    }
    assert _section(text, "bridge") == {"mac-address": MAC.upper(), "stp": "false",
                                        "forward-delay": "0"}  # fmt: skip
    # Addresses, routes and DNS as the old profile had them, verbatim.
    assert _section(text, "ipv4") == _section(UPLINK, "ipv4")
    assert _section(text, "ipv6") == _section(UPLINK, "ipv6")


def test_without_a_profile_the_bridge_takes_the_probed_addresses() -> None:
    text = render_bridged_bridge("br0", None, FACTS)
    assert _section(text, "ipv4") == {
        "address1": "198.51.100.2/24,198.51.100.1",
        "method": "manual",
    }
    assert _section(text, "ipv6") == {"method": "ignore"}


def test_the_port_names_its_bridge_and_outranks_the_old_profile() -> None:
    found = find_uplink_profile([(PATH, UPLINK)], "eth0", MAC)
    text = render_port("br0", "eth0", found)
    connection = _section(text, "connection")
    assert connection["master"] == profile_uuid("br0")
    assert connection["slave-type"] == "bridge" and connection["interface-name"] == "eth0"
    assert (
        int(connection["autoconnect-priority"]) > -999
        and connection["autoconnect-priority"] == PORT_PRIORITY
    )
    assert connection["uuid"] != profile_uuid("br0")
    assert _section(text, "ethernet") == {"mtu": "9000"}  # the link's own settings stay
    assert "ipv4" not in dict(parse_keyfile(text))


def test_a_vm_only_bridge_has_its_mac_and_addresses() -> None:
    text = render_virtual_bridge(CUSTOM)
    assert _section(text, "bridge")["mac-address"] == "52:54:00:7E:27:A0"
    assert _section(text, "ipv4") == {"method": "manual", "address1": "192.168.100.1/24"}
    assert _section(text, "ipv6") == {"method": "manual", "address1": "fd00:10::1/64"}
    v4only = render_virtual_bridge(
        NetworkSpec("custom-nat", "virbr11", "virbr11", ipv4="10.0.0.1/24")
    )
    assert _section(v4only, "ipv6") == {"method": "ignore"}


def _nm_reads(text: str) -> dict[str, dict[str, str]]:
    """NetworkManager's own keyfile reader (nmcli --offline) on ``text``: what it keeps."""
    done = subprocess.run(
        ["nmcli", "--offline", "connection", "modify", "connection.zone", ""],
        input=text,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    return {name: dict(pairs) for name, pairs in parse_keyfile(done.stdout)}


@pytest.mark.skipif(shutil.which("nmcli") is None, reason="nmcli is not installed")
def test_networkmanagers_reader_accepts_every_keyfile_and_keeps_its_values() -> None:
    found = find_uplink_profile([(PATH, UPLINK)], "eth0", MAC)
    written = [
        render_bridged_bridge("br0", found, FACTS),
        render_bridged_bridge("br0", None, FACTS),
        render_port("br0", "eth0", found),
        render_port("br0", "eth0", None),
        render_virtual_bridge(CUSTOM),
    ]
    for text in written:
        read = _nm_reads(text)
        for name, pairs in parse_keyfile(text):
            for key, value in pairs:
                # nmcli writes booleans its own way; every other value comes back as written.
                kept = read.get(name, {}).get(key)
                assert kept == value or {kept, value} <= {"1", "true"}, (name, key, value, kept)
