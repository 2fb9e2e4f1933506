"""libvirt's default network: a plan may stop it only while no running VM uses it."""

from __future__ import annotations

from virtnet_tui.core.model import Answers
from virtnet_tui.core.validate.findings import Report


def check_default_network(report: Report, answers: Answers) -> None:
    """A custom network stops the active ``default`` network: refuse while VMs run on it."""
    h = answers.host
    stops_default = (
        any(spec.is_custom for spec in answers.networks)
        and h.default_network_active
        and all(spec.name != "default" for spec in answers.networks)
    )
    if stops_default and h.default_network_users:
        report.error(
            "host.default_network_users",
            ", ".join(h.default_network_users),
            "these running VMs use libvirt's default network, which a custom network "
            "stops (its iptables rules would get in the way); shut them down first, "
            "then attach them to the new network (virtnet-wizard attach)",
        )
