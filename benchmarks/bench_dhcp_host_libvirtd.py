"""Benchmark: `virtnet-wizard dhcp-host add` on a real libvirtd with 1,000 entries present.

Issue 5's target is a median under 0.3 s per add, most of it process start. A libvirtd
runs in a throw-away network namespace with its files under a temporary folder (as in
tests/e2e); the NAT network starts with 1,000 reservations, then each add is timed, next
to what libvirtd alone takes for the same net-update (libvirt-python, no new process)
and to a bare Python start. Needs root. Run:
    .venv/bin/python benchmarks/bench_dhcp_host_libvirtd.py [--adds 30]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import libvirt  # noqa: E402
from e2e.libvirtd import libvirtd_in  # noqa: E402
from e2e.topology import daemon, topology  # noqa: E402
from e2e.wizard import apply_answers, dhcp_host  # noqa: E402

#: Both in the live and the persistent definition, as the wizard does.
BOTH = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
NETWORK, SUBNET = "vnwbench", ipaddress.ip_network("10.130.0.0/21")
TARGET = 0.3


def _answers(present: int) -> str:
    """libvirt-nat.toml with a /21 and ``present`` reservations already in the definition."""
    base = (ROOT / "tests/e2e/answers/libvirt-nat.toml").read_text()
    head = base.split("[[network]]")[0]
    hosts = list(SUBNET.hosts())
    lines = [
        head,
        "[[network]]",
        'type = "nat"',
        f'name = "{NETWORK}"',
        'bridge = "virbr39"',
        f'ipv4 = "{hosts[0]}/{SUBNET.prefixlen}"',
        f'dhcp4 = ["{hosts[1]}", "{hosts[-1]}"]',
    ]
    for i in range(present):
        lines += ["", "[[network.dhcp_host]]", f'mac = "{_mac(i)}"', f'ip = "{hosts[10 + i]}"']
    return "\n".join(lines) + "\n"


def _mac(i: int) -> str:
    return f"52:54:00:bb:{i // 256:02x}:{i % 256:02x}"


def _median(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:6.1f} ms (min {min(times) * 1000:.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--present", type=int, default=1000)
    parser.add_argument("--adds", type=int, default=30)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root: it creates a network namespace and runs libvirtd in it")
        return 2
    hosts = list(SUBNET.hosts())
    with tempfile.TemporaryDirectory() as tmp, topology() as topo:
        root = Path(tmp) / "root"
        root.mkdir()
        os.chmod(root, 0o755)
        answers = Path(tmp) / "answers.toml"
        answers.write_text(_answers(args.present))
        host = topo.add("host")
        with libvirtd_in(host, root, Path(tmp) / "libvirtd.log") as conn:
            apply_answers(answers, host.name, root)
            pid_file = root / "run/libvirt/network" / f"{NETWORK}.pid"
            dnsmasq = daemon(pid_file)
            taken = args.present + 10
            wizard_times = []
            for i in range(args.adds):
                mac, ip = _mac(taken + i), str(hosts[taken + i])
                start = time.perf_counter()
                dhcp_host("add", NETWORK, host.name, root, "--mac", mac, "--ip", ip)
                wizard_times.append(time.perf_counter() - start)
            taken += args.adds
            net = conn.networkLookupByName(NETWORK)
            libvirt_times = []
            for i in range(args.adds):
                xml = f"<host mac='{_mac(taken + i)}' ip='{hosts[taken + i]}'/>"
                start = time.perf_counter()
                net.update(
                    libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                    libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                    0,
                    xml,
                    libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
                    | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG,
                )
                libvirt_times.append(time.perf_counter() - start)
            assert daemon(pid_file) == dnsmasq, "the network was restarted"
            count = net.XMLDesc(0).count("<host ")
    starts = []
    for _ in range(args.adds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        starts.append(time.perf_counter() - start)
    median = statistics.median(wizard_times)
    print(f"{count} reservations at the end, dnsmasq never restarted")
    print(f"dhcp-host add (whole command)     : {_median(wizard_times)}")
    print(f"libvirtd net-update alone         : {_median(libvirt_times)}")
    print(f"python -c pass                    : {_median(starts)}")
    verdict = "OK" if median < TARGET else "over target"
    print(f"target < {TARGET * 1000:.0f} ms per add: {median * 1000:.1f} ms -> {verdict}")
    return 0 if median < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
