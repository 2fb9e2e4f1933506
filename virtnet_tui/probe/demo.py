"""Seeds a sandbox folder with a plausible demo host: a dedicated server of one of five kinds.

``debian-12`` configures its uplink with ifupdown, ``ubuntu-24.04`` with netplan (the
file cloud-init writes) on systemd-networkd, ``debian-13-networkd`` with a
systemd-networkd unit of its own, ``alma-9`` and ``fedora-42`` with NetworkManager and
the keyfile their installer writes. Everything else (addresses, libvirt, VMs) is the same.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from virtnet_tui.hosts.files import make_dirs
from virtnet_tui.hosts.sandbox import (
    SANDBOX_DOMAINS_SUBDIR,
    SANDBOX_ENVIRON,
    SANDBOX_LIBVIRT_DIR,
    SANDBOX_RESPONSES,
    SandboxHost,
)
from virtnet_tui.probe.commands import (
    DNSMASQ_VERSION,
    FIREWALLD_DEFAULT_ZONE,
    FIREWALLD_STATE,
    FIREWALLD_ZONES,
    IP_ADDRESS,
    IP_LINK,
    IP_ROUTES4,
    IP_ROUTES6,
    MODPROBE_DRY_DUMMY,
    NETWORKD_ACTIVE,
    NFT_TABLES,
    NM_DEVICES,
    NM_RUNNING,
    NM_UNIT_ACTIVE,
    UNAME_RELEASE,
    firewalld_zone_of,
    ip_route_get,
)

# Documentation ranges only (RFC 5737, RFC 3849): the demo must never name a real network.
DEMO_HOSTNAME = "demo"
DEMO_MAC = "0c:c4:7a:92:ec:ee"
DEMO_IPV4 = "203.0.113.10"
DEMO_GATEWAY4 = "203.0.113.1"
DEMO_IPV6 = "2001:db8:5::2"
DEMO_GATEWAY6 = "fe80::1"
DEMO_LINK_LOCAL = "fe80::ec4:7aff:fe92:ecee"
DEMO_SSH_CLIENT = "198.51.100.23"
DEMO_KERNEL = "6.1.0-18-amd64"
DEMO_DNSMASQ = "2.89"
#: Programs the demo host has installed (stand-ins: only their presence is probed).
DEMO_PROGRAMS = (
    "/usr/sbin/nft",
    "/usr/sbin/libvirtd",
    "/usr/bin/virsh",
    "/usr/sbin/dnsmasq",
    "/usr/sbin/iptables-restore",
    "/usr/sbin/ip6tables-restore",
)

_OS_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""

_INTERFACES = f"""\
# Network interfaces of this server, read by ifup(8) and ifdown(8); see interfaces(5).

source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

# The uplink: the address and gateway the hosting provider assigned.
auto eth0
iface eth0 inet static
    address {DEMO_IPV4}/24
    gateway {DEMO_GATEWAY4}

iface eth0 inet6 static
    address {DEMO_IPV6}/64
    gateway {DEMO_GATEWAY6}
"""

_UBUNTU_RELEASE = """\
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
"""

_CLOUD_INIT_YAML = f"""\
# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {{config: disabled}}
network:
    ethernets:
        eth0:
            addresses:
            - {DEMO_IPV4}/24
            - {DEMO_IPV6}/64
            match:
                macaddress: {DEMO_MAC}
            nameservers:
                addresses:
                - 203.0.113.53
            routes:
            -   to: default
                via: {DEMO_GATEWAY4}
            -   to: default
                via: {DEMO_GATEWAY6}
            set-name: eth0
    version: 2
"""

_DEBIAN_13_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION="13 (trixie)"
VERSION_CODENAME=trixie
ID=debian
HOME_URL="https://www.debian.org/"
"""

_NETWORK_UNIT = f"""\
# The uplink: the address and gateway the hosting provider assigned.
[Match]
Name=eth0

[Network]
Address={DEMO_IPV4}/24
Gateway={DEMO_GATEWAY4}
Address={DEMO_IPV6}/64
Gateway={DEMO_GATEWAY6}
DNS=203.0.113.53
"""


_ALMA_9_RELEASE = """\
NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"
HOME_URL="https://almalinux.org/"
"""

_FEDORA_42_RELEASE = """\
NAME="Fedora Linux"
VERSION="42 (Server Edition)"
ID=fedora
VERSION_ID=42
PLATFORM_ID="platform:f42"
PRETTY_NAME="Fedora Linux 42 (Server Edition)"
HOME_URL="https://fedoraproject.org/"
VARIANT="Server Edition"
VARIANT_ID=server
"""

#: The keyfile an installer (Anaconda) writes for the uplink's static addresses.
_UPLINK_KEYFILE = f"""\
[connection]
id=eth0
uuid=2d8a5c3e-7f41-4b0a-9c6e-5e1d0a7b3f92
type=ethernet
autoconnect-priority=-999
interface-name=eth0

[ethernet]

[ipv4]
address1={DEMO_IPV4}/24,{DEMO_GATEWAY4}
dns=203.0.113.53;
method=manual

[ipv6]
addr-gen-mode=eui64
address1={DEMO_IPV6}/64,{DEMO_GATEWAY6}
method=manual

[proxy]
"""
NM_KEYFILE = "/etc/NetworkManager/system-connections/eth0.nmconnection"


@dataclass(frozen=True)
class DemoKind:
    """What sets one kind of demo host apart: its release, network files and services."""

    title: str
    files: tuple[tuple[str, str], ...]
    networkd: bool
    """systemd-networkd runs (``systemctl is-active`` says so)."""
    network_manager: bool = False
    """NetworkManager runs and manages eth0 (``nmcli`` is installed and says so)."""
    firewalld: bool = False
    """firewalld runs, eth0 in its default zone, libvirt's zones installed (as on EL/Fedora)."""
    kernel: str = DEMO_KERNEL


#: The demo hosts by the name ``--demo`` takes.
DEMOS: dict[str, DemoKind] = {
    "debian-12": DemoKind(
        "Debian 12 with ifupdown",
        (("/etc/os-release", _OS_RELEASE), ("/etc/network/interfaces", _INTERFACES)),
        networkd=False,
    ),
    "ubuntu-24.04": DemoKind(
        "Ubuntu 24.04 with netplan (cloud-init's file) on systemd-networkd",
        (
            ("/etc/os-release", _UBUNTU_RELEASE),
            ("/etc/netplan/50-cloud-init.yaml", _CLOUD_INIT_YAML),
        ),
        networkd=True,
    ),
    "debian-13-networkd": DemoKind(
        "Debian 13 with systemd-networkd",
        (
            ("/etc/os-release", _DEBIAN_13_RELEASE),
            ("/etc/systemd/network/10-eth0.network", _NETWORK_UNIT),
        ),
        networkd=True,
    ),
    "alma-9": DemoKind(
        "AlmaLinux 9 with NetworkManager (its keyfile) and firewalld",
        (("/etc/os-release", _ALMA_9_RELEASE), (NM_KEYFILE, _UPLINK_KEYFILE)),
        networkd=False,
        network_manager=True,
        firewalld=True,
        kernel="5.14.0-427.13.1.el9_4.x86_64",
    ),
    "fedora-42": DemoKind(
        "Fedora 42 Server with NetworkManager (its keyfile) and firewalld",
        (("/etc/os-release", _FEDORA_42_RELEASE), (NM_KEYFILE, _UPLINK_KEYFILE)),
        networkd=False,
        network_manager=True,
        firewalld=True,
        kernel="6.14.0-63.fc42.x86_64",
    ),
}
#: Where NetworkManager runs, nmcli is installed too (the probe asks it).
NM_PROGRAMS = ("/usr/bin/nmcli",)
#: Where firewalld runs, its client is installed (the probe asks it).
FIREWALLD_PROGRAMS = ("/usr/bin/firewall-cmd",)
#: firewalld's zones on a host with libvirt installed (libvirt ships the last two).
DEMO_FIREWALLD_ZONES = (
    "block dmz drop external home internal public trusted work libvirt libvirt-routed"
)
#: The checkpoint apply asks NetworkManager for with the default 60 s confirmation
#: timeout (executor.nm_checkpoint), answered so that a demo apply shows it taken.
NM_CHECKPOINT_CREATE = (
    "busctl", "--system", "call", "org.freedesktop.NetworkManager",
    "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager",
    "CheckpointCreate", "aouu", "0", "60", "6",
)  # fmt: skip
DEFAULT_DEMO = "debian-12"

#: The demo's VMs: name, running, and the MAC of their one interface (on libvirt's default).
#: Shut off: a VM running on libvirt's default network would (rightly) stop the demo's
#: custom networks, which take that network down.
DEMO_VMS = (("web1", False, "52:54:00:3b:9a:2b"), ("db1", False, "52:54:00:6f:78:f3"))


def _demo_domain_xml(name: str, mac: str) -> str:
    """A VM of libvirt's test driver, the sandbox's stand-in for a KVM guest."""
    return f"""<domain type="test">
  <name>{name}</name>
  <memory unit="KiB">1048576</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch="x86_64">hvm</type>
  </os>
  <devices>
    <interface type="network">
      <mac address="{mac}"/>
      <source network="default"/>
      <model type="virtio"/>
    </interface>
  </devices>
</domain>
"""


def _link(index: int, name: str, link_type: str, mac: str, state: str) -> dict[str, object]:
    flags = ["LOOPBACK", "UP", "LOWER_UP"] if link_type == "loopback" else []
    if link_type == "ether":
        flags = ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
    return {
        "ifindex": index,
        "ifname": name,
        "flags": flags,
        "mtu": 65536 if link_type == "loopback" else 1500,
        "qdisc": "noqueue" if link_type == "loopback" else "mq",
        "operstate": state,
        "linkmode": "DEFAULT",
        "group": "default",
        "txqlen": 1000,
        "link_type": link_type,
        "address": mac,
        "broadcast": "00:00:00:00:00:00" if link_type == "loopback" else "ff:ff:ff:ff:ff:ff",
    }


def _addr(family: str, local: str, prefix: int, scope: str) -> dict[str, object]:
    return {"family": family, "local": local, "prefixlen": prefix, "scope": scope}


def _responses(kind: DemoKind) -> dict[str, object]:
    """Canned answers for exactly the commands the probe runs on the demo host."""
    lo = _link(1, "lo", "loopback", "00:00:00:00:00:00", "UNKNOWN")
    eth0 = _link(2, "eth0", "ether", DEMO_MAC, "UP")
    addresses = [
        {
            **lo,
            "addr_info": [
                _addr("inet", "127.0.0.1", 8, "host"),
                _addr("inet6", "::1", 128, "host"),
            ],
        },
        {
            **eth0,
            "addr_info": [
                {**_addr("inet", DEMO_IPV4, 24, "global"), "label": "eth0"},
                _addr("inet6", DEMO_IPV6, 64, "global"),
                _addr("inet6", DEMO_LINK_LOCAL, 64, "link"),
            ],
        },
    ]
    routes4 = [
        {"dst": "default", "gateway": DEMO_GATEWAY4, "dev": "eth0", "flags": ["onlink"]},
        {
            "dst": "203.0.113.0/24",
            "dev": "eth0",
            "protocol": "kernel",
            "scope": "link",
            "prefsrc": DEMO_IPV4,
            "flags": [],
        },
    ]
    routes6 = [
        {"dst": "2001:db8:5::/64", "dev": "eth0", "protocol": "kernel", "metric": 256},
        {"dst": "fe80::/64", "dev": "eth0", "protocol": "kernel", "metric": 256},
        {"dst": "default", "gateway": DEMO_GATEWAY6, "dev": "eth0", "metric": 1024},
    ]
    route_get = [
        {"dst": DEMO_SSH_CLIENT, "gateway": DEMO_GATEWAY4, "dev": "eth0", "prefsrc": DEMO_IPV4}
    ]

    def key(argv: Sequence[str]) -> str:
        return shlex.join(argv)

    # nmcli is installed only where NetworkManager runs: the probe asks it nothing elsewhere.
    nmcli = (
        {
            key(NM_RUNNING): "running\n",
            key(NM_DEVICES): "eth0:connected\nlo:connected (externally)\n",
            key(NM_CHECKPOINT_CREATE): 'o "/org/freedesktop/NetworkManager/Checkpoint/1"\n',
        }
        if kind.network_manager
        else {}
    )
    firewalld = (
        {
            key(FIREWALLD_STATE): "running\n",
            key(FIREWALLD_ZONES): DEMO_FIREWALLD_ZONES + "\n",
            key(FIREWALLD_DEFAULT_ZONE): "public\n",
            key(firewalld_zone_of("eth0")): "public\n",
        }
        if kind.firewalld
        else {}
    )
    return {
        **nmcli,
        **firewalld,
        key(IP_LINK): json.dumps([lo, eth0]) + "\n",
        key(IP_ADDRESS): json.dumps(addresses) + "\n",
        key(IP_ROUTES4): json.dumps(routes4) + "\n",
        key(IP_ROUTES6): json.dumps(routes6) + "\n",
        key(ip_route_get(DEMO_SSH_CLIENT)): json.dumps(route_get) + "\n",
        key(UNAME_RELEASE): kind.kernel + "\n",
        key(DNSMASQ_VERSION): (
            f"Dnsmasq version {DEMO_DNSMASQ}  Copyright (c) 2000-2022 Simon Kelley\n"
            "Compile time options: IPv6 GNU-getopt DBus i18n IDN2 DHCP DHCPv6 no-Lua TFTP "
            "conntrack ipset nftset auth cryptohash DNSSEC loop-detect inotify dumpfile\n"
        ),
        # systemctl says "inactive" and exits 3 for a unit that is not running.
        key(NM_UNIT_ACTIVE): (
            "active\n"
            if kind.network_manager
            else {"returncode": 3, "stdout": "inactive\n", "stderr": ""}
        ),
        key(NETWORKD_ACTIVE): (
            "active\n" if kind.networkd else {"returncode": 3, "stdout": "inactive\n", "stderr": ""}
        ),
        # Debian builds dummy as a module: not loaded, but modprobe would find it.
        key(MODPROBE_DRY_DUMMY): {"returncode": 0, "stdout": "", "stderr": ""},
        # nftables is installed by default on Debian 12 but holds no rules until enabled.
        key(NFT_TABLES): "",
    }


def _sysfs(name: str, mac: str, arphrd: int, state: str) -> dict[str, str]:
    base = f"/sys/class/net/{name}"
    return {
        f"{base}/address": mac + "\n",
        f"{base}/type": f"{arphrd}\n",
        f"{base}/operstate": state + "\n",
    }


def seed_demo_host(root: Path, kind: str = DEFAULT_DEMO) -> None:
    """Write demo host ``kind`` (a key of DEMOS) into the sandbox at ``root``, unless seeded.

    A sandbox that already holds canned responses is left alone, and no file that
    exists is overwritten, so a sandbox the wizard has applied a plan to keeps its state.
    """
    host = SandboxHost(root)
    if host.exists("/" + SANDBOX_RESPONSES):
        return
    demo = DEMOS[kind]
    texts: dict[str, str] = {
        **dict(demo.files),
        "/etc/hostname": DEMO_HOSTNAME + "\n",
        **_sysfs("lo", "00:00:00:00:00:00", 772, "unknown"),
        **_sysfs("eth0", DEMO_MAC, 1, "up"),
        SANDBOX_ENVIRON: json.dumps(
            {"SSH_CONNECTION": f"{DEMO_SSH_CLIENT} 50522 {DEMO_IPV4} 22"}, indent=1
        )
        + "\n",
    }
    for path, text in texts.items():
        if not host.exists(path):
            # netplan and NetworkManager want their files private (they may hold secrets).
            private = path.startswith(("/etc/netplan/", "/etc/NetworkManager/"))
            host.write_text(path, text, mode=0o600 if private else 0o644)
    # The probe tells systemd by this folder, and what is installed by its programs: libvirt
    # (which brought dnsmasq and iptables along) and nftables, as on a Debian 12 KVM host.
    make_dirs(host.write_path("/run/systemd/system", folder=True))
    programs = (
        *DEMO_PROGRAMS,
        *(NM_PROGRAMS if demo.network_manager else ()),
        *(FIREWALLD_PROGRAMS if demo.firewalld else ()),
    )
    for program in programs:
        if not host.exists(program):
            name = program.rsplit("/", 1)[-1]
            stand_in = (
                f"#!/bin/sh\n# Sandbox stand-in: the probe only checks that {name} is installed.\n"
            )
            host.write_text(program, stand_in, mode=0o755)
    # Two VMs for the attach screens; running state kept as SandboxHost saves it.
    folder = f"/{SANDBOX_LIBVIRT_DIR}/{SANDBOX_DOMAINS_SUBDIR}"
    for name, _, mac in DEMO_VMS:
        if not host.exists(f"{folder}/{name}.xml"):
            host.write_text(f"{folder}/{name}.xml", _demo_domain_xml(name, mac))
    if not host.exists(f"{folder}/state.json"):
        running = {name: {"active": active} for name, active, _ in DEMO_VMS}
        host.write_text(f"{folder}/state.json", json.dumps(running, indent=1) + "\n")
    # Written last: its presence marks the sandbox as seeded.
    host.write_text("/" + SANDBOX_RESPONSES, json.dumps(_responses(demo), indent=1) + "\n")
