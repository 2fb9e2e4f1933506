"""What the real-VM tests check around a guest: the LAN's view of it, routes, timings."""

from __future__ import annotations

import shlex

from support.netns import Netns, stop

from e2e.guest.domain import Guest, ask
from e2e.topology import tcp_server
from e2e.wizard import Applied

LAN_ROUTER, HOST_UPLINK = "198.51.100.1", "198.51.100.2"


def lan_asks_back(ns: Netns, lan: Netns, guest_ip: str) -> str:
    """What the LAN's server saw of a connection the guest (asked from ``ns``) opened to it."""
    server = tcp_server(lan, LAN_ROUTER, 7000, "lan")
    try:
        return ask(ns, guest_ip, f"ask+{LAN_ROUTER}+7000")
    finally:
        stop(server)


def provider_routes(applied: Applied, lan: Netns) -> None:
    """The LAN plays the provider: it adds the routes the plan's to-dos ask for."""
    for todo in applied.plan.todos:
        for command in todo.commands:
            lan.run(*shlex.split(command))


def ifindex(ns: Netns, link: str) -> int:
    """The kernel's index of ``link``: a link deleted and made again gets a new one."""
    return int(ns.run("cat", f"/sys/class/net/{link}/ifindex").stdout)


def record_boot(record_property: object, network: str, vm: Guest) -> None:
    """Report the guest's last boot-to-lease time (pytest's summary lists them)."""
    assert callable(record_property)
    record_property(f"boot_to_lease[{network}]", round(vm.boots[-1], 1))  # see conftest.py
