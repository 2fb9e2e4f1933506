"""``virtnet-wizard forward``: add or remove a port forward of a custom NAT network."""

from __future__ import annotations

import argparse


def _port(text: str) -> int:
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from virtnet_tui.cli.apply import add_host_options

    parser = sub.add_parser("forward", help="add or remove a port forward of a custom NAT network")
    parser.add_argument("action", choices=("add", "remove"))
    parser.add_argument("--network", required=True, metavar="NAME", help="a custom-nat network")
    parser.add_argument("--proto", required=True, choices=("tcp", "udp"))
    parser.add_argument("--port", required=True, type=_port, metavar="P", help="the public port")
    parser.add_argument("--to", metavar="IP", default="", help="the VM's address (add)")
    parser.add_argument(
        "--to-port", type=_port, default=0, metavar="P", help="the VM's port (default: the same)"
    )
    add_host_options(parser)
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from virtnet_tui.cli.dhcp_host import run_planned
    from virtnet_tui.core.changes.forward import ForwardRequest
    from virtnet_tui.managed.rerun import prepare_forward

    request = ForwardRequest(
        action=args.action,
        network=args.network,
        proto=args.proto,
        port=args.port,
        to=args.to,
        to_port=args.to_port,
    )
    return run_planned(args, prepare_forward, request)
