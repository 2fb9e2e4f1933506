"""The real-VM tests' bench: a host wired to a LAN, a libvirtd in it, and guests to boot."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import libvirt
from support.netns import Netns

from e2e.guest.domain import Guest, guest
from e2e.guest.image import GuestImage
from e2e.libvirtd import libvirtd_in
from e2e.topology import Topology, lan_uplink
from e2e.wizard import Applied, apply_answers

ANSWERS = Path(__file__).parent.parent / "answers"


@dataclass
class Lab:
    """Namespaces made for one test: a host (where the wizard applies its plan and libvirtd
    runs) and its LAN (the uplink's far side, over IPv4 and IPv6)."""

    topo: Topology
    conn: libvirt.virConnect
    root: Path
    image: GuestImage
    record_property: Callable[[str, object], None]

    @property
    def host(self) -> Netns:
        return self.topo["host"]

    @property
    def lan(self) -> Netns:
        return self.topo["lan"]

    def apply(self, answers: str) -> Applied:
        """``virtnet-wizard apply`` of ``tests/e2e/answers/ANSWERS`` in the host."""
        return apply_answers(ANSWERS / answers, self.host.name, self.root)

    @contextmanager
    def boot(self, name: str, interface: tuple[str, str], mac: str) -> Iterator[Guest]:
        """A guest defined and started for the ``with`` block (see ``domain.guest``)."""
        with guest(self.conn, self.root, self.image, name, interface, mac) as vm:
            vm.start()
            yield vm

    def leased(self, vm: Guest, label: str, subnet: str) -> Leased:
        """The guest's first lease of this boot, which must lie in ``subnet``.

        Its boot-to-lease time is reported under ``label`` (pytest's summary lists them).
        """
        address, seen = vm.lease()
        self.record_property(f"boot_to_lease[{label}]", round(vm.boots[-1], 1))
        lease = ipaddress.ip_interface(address)
        assert lease.network == ipaddress.ip_network(subnet), f"{address} is not in {subnet}"
        return Leased(str(lease.ip), address, seen)


class Leased(NamedTuple):
    """A guest's lease: its address alone, with its prefix, and where it was reported."""

    ip: str
    address: str
    seen: int
    """The console offset just after the lease line (later leases are looked for past it)."""


@contextmanager
def lab(
    topo: Topology,
    root: Path,
    log: Path,
    image: GuestImage,
    record_property: Callable[[str, object], None],
) -> Iterator[Lab]:
    """The bench, its libvirtd stopped (and its guests gone) afterwards."""
    topo.add("host")
    topo.add("lan")
    lan_uplink(topo, ipv6=True)
    with libvirtd_in(topo["host"], root, log) as conn:
        yield Lab(topo, conn, root, image, record_property)
