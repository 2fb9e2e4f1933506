"""Port forwards: only on custom NAT, to a VM's address, never a port taken twice or SSH's."""

from __future__ import annotations

from virtnet_tui.core.model import Answers, NetworkSpec
from virtnet_tui.core.validate.fields import check_port, check_ports
from virtnet_tui.core.validate.findings import Report
from virtnet_tui.core.validate.host import Uplink
from virtnet_tui.core.validate.leases import check_vm_address
from virtnet_tui.core.validate.subnets import Subnets

#: (listen address, proto, port) -> the field of the forward that took it.
Taken = dict[tuple[str, str, int], str]


def check_forwards(
    report: Report, answers: Answers, subnets: list[Subnets], uplink: Uplink
) -> None:
    """Check every network's forwards, in network order; ``subnets`` is one entry per network."""
    taken: Taken = {}
    for index, (spec, own) in enumerate(zip(answers.networks, subnets, strict=True)):
        _forwards(report, index, spec, own, answers, uplink, taken)


def _forwards(
    report: Report,
    index: int,
    spec: NetworkSpec,
    subnets: Subnets,
    answers: Answers,
    uplink: Uplink,
    taken: Taken,
) -> None:
    p = f"network[{index}]"
    if not spec.forwards:
        return
    if spec.type != "custom-nat":
        if spec.type == "nat":
            reason = (
                "libvirt's NAT network can forward ports only through a hook script, "
                "which breaks easily; use a custom-nat network instead"
            )
        else:
            reason = (
                f"a {spec.type} network gives VMs reachable addresses, so there is "
                "nothing to forward; only custom-nat networks forward ports"
            )
        report.error(f"{p}.forward", None, reason)
        return
    host_ip = str(uplink.v4.ip) if uplink.v4 else ""
    listen = spec.public_ipv4 or host_ip
    on_host_address = not spec.public_ipv4 or spec.public_ipv4 == host_ip
    for number, forward in enumerate(spec.forwards):
        fp = f"{p}.forward[{number}]"
        report.add(check_port(f"{fp}.to_port", forward.to_port, allow_zero=True))
        if forward.to_port and len(forward.ports) > 1:
            report.error(
                f"{fp}.to_port",
                forward.to_port,
                "a different port on the VM works only when one port is forwarded",
            )
        check_vm_address(report, f"{fp}.to", forward.to, subnets.v4, 4, p, bool(spec.ipv4))
        if not report.add(check_ports(f"{fp}.ports", forward.ports)):
            continue
        for port in forward.ports:
            if forward.proto == "tcp" and port == answers.host.ssh_port and on_host_address:
                report.error(
                    f"{fp}.ports",
                    forward.ports,
                    f"forwarding tcp port {port} on the host's own address would cut "
                    "off SSH to the host (host.ssh_port)",
                )
            key = (listen, forward.proto, port)
            if key in taken:
                where = f" on {listen}" if listen else ""
                report.error(
                    f"{fp}.ports",
                    forward.ports,
                    f"{forward.proto} port {port}{where} is already forwarded by {taken[key]}",
                )
            taken.setdefault(key, fp)
