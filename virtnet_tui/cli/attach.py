"""``virtnet-wizard attach``: list VMs and their interfaces, or attach one to a managed network."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from virtnet_tui.cli.apply import add_host_options

    parser = sub.add_parser(
        "attach",
        help="list VMs, or move a VM's interface (keeping its MAC) to a managed network",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the VMs and their interfaces (the default)"
    )
    parser.add_argument("--domain", metavar="NAME", help="the VM to attach")
    parser.add_argument("--network", metavar="NAME", help="the managed network to attach it to")
    parser.add_argument(
        "--mac",
        metavar="MAC",
        help="the interface to move; a MAC the VM does not have adds a new interface",
    )
    add_host_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(func=run)


def _list(args: argparse.Namespace) -> int:
    import libvirt

    from virtnet_tui.cli.apply import host_from_args
    from virtnet_tui.managed.rerun import list_domains
    from virtnet_tui.managed.state import load_state

    host = host_from_args(args)
    try:
        domains = list_domains(host)
    except libvirt.libvirtError as exc:
        sys.stderr.write(f"virtnet-wizard: libvirt cannot be reached: {exc}\n")
        return 2
    state = load_state(host)
    managed = {
        (("network", n.name) if n.spec.is_libvirt else ("bridge", n.spec.bridge)): n.name
        for n in state.networks
    }
    if args.json:
        data = [
            {
                "name": d.name,
                "active": d.active,
                "persistent": d.persistent,
                "interfaces": [
                    {
                        "type": i.type,
                        "source": i.source,
                        "mac": i.mac,
                        "model": i.model,
                        "managed_network": managed.get((i.type, i.source), ""),
                    }
                    for i in d.interfaces
                ],
            }
            for d in domains
        ]
        print(json.dumps({"domains": data}, indent=2))
        return 0
    if not domains:
        print("libvirt has no VMs here.")
        return 0
    for d in domains:
        print(f"{d.name} ({'running' if d.active else 'shut off'})")
        for i in d.interfaces:
            ours = managed.get((i.type, i.source))
            mark = f"  [managed network {ours}]" if ours else ""
            print(f"  {i.describe()}{mark}")
        if not d.interfaces:
            print("  no network interface")
    print(
        "\nAttach with: virtnet-wizard attach --domain NAME --network NAME [--mac MAC]"
        " (a MAC of the VM moves that interface; another MAC adds one)"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list or not (args.domain or args.network or args.mac):
        if args.domain or args.network or args.mac:
            sys.stderr.write("virtnet-wizard: attach: --list takes no --domain, --network, --mac\n")
            return 2
        return _list(args)
    missing = [
        flag
        for flag, value in (("--domain", args.domain), ("--network", args.network))
        if not value
    ]
    if missing:
        sys.stderr.write(
            f"virtnet-wizard: attach refused; nothing was changed:\n{missing[0]}: missing; "
            "attach needs --domain and --network\n"
        )
        return 2
    from virtnet_tui.cli.dhcp_host import run_planned
    from virtnet_tui.core.changes.attach import AttachRequest
    from virtnet_tui.managed.rerun import prepare_attach

    request = AttachRequest(domain=args.domain, network=args.network, mac=args.mac or "")
    return run_planned(args, prepare_attach, request)
