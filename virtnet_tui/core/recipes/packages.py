"""What the recipes need installed, named per distribution, and the stage that installs it.

A fresh host often lacks what a recipe runs: libvirt for libvirt's own networks, dnsmasq
and iptables (or nftables) for custom ones, radvd where dnsmasq is too old to send router
advertisements, bridge-utils where ifupdown's ``bridge_ports`` needs it. The probe finds
what is there by each need's programs; the plan installs the rest in its first stage.
"""

from __future__ import annotations

from typing import Literal

from virtnet_tui.core.model import DEBIAN_FAMILY, Distro, HostFacts
from virtnet_tui.core.plan import CommandStep, Stage

Need = Literal["bridge-utils", "dnsmasq", "radvd", "libvirt", "iptables", "nftables"]

#: The order the install stage names them in.
NEEDS: tuple[Need, ...] = ("libvirt", "bridge-utils", "dnsmasq", "iptables", "nftables", "radvd")

#: Each need's packages on Debian-like hosts and on RHEL-like ones.
_PACKAGES: dict[Need, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bridge-utils": (("bridge-utils",), ("bridge-utils",)),
    # dnsmasq-base is the program without Debian's system-wide service, which would
    # otherwise start and take port 53 on every interface.
    "dnsmasq": (("dnsmasq-base",), ("dnsmasq",)),
    "radvd": (("radvd",), ("radvd",)),
    "libvirt": (("libvirt-daemon-system", "libvirt-clients"), ("libvirt",)),
    "iptables": (("iptables",), ("iptables",)),
    "nftables": (("nftables",), ("nftables",)),
}

#: A need counts as installed when one program of every group is on the host.
NEED_PROGRAMS: dict[Need, tuple[tuple[str, ...], ...]] = {
    "bridge-utils": (("brctl",),),
    "dnsmasq": (("dnsmasq",),),
    "radvd": (("radvd",),),
    # libvirtd, or the modular daemon that runs networks, plus virsh.
    "libvirt": (("libvirtd", "virtnetworkd"), ("virsh",)),
    "iptables": (("iptables-restore",), ("ip6tables-restore",)),
    "nftables": (("nft",),),
}


def packages_for(distro: Distro, need: Need) -> tuple[str, ...]:
    debian, rhel = _PACKAGES[need]
    return debian if distro in DEBIAN_FAMILY else rhel


def install_argv(distro: Distro, packages: tuple[str, ...]) -> tuple[str, ...]:
    """The distro's package manager, non-interactive."""
    if distro in DEBIAN_FAMILY:
        return ("apt-get", "install", "-y", "--no-install-recommends", *packages)
    return ("dnf" if distro == "fedora" else "yum", "install", "-y", *packages)


def install_stage(facts: HostFacts, needs: tuple[Need, ...]) -> Stage | None:
    """One stage that installs every need the host lacks, or None when nothing is missing.

    Packages are not removed on rollback: other software may come to depend on them,
    and removing a package can take configuration with it. The step says so.
    """
    missing = [need for need in NEEDS if need in needs and need not in facts.installed]
    if not missing:
        return None
    packages = tuple(p for need in missing for p in packages_for(facts.distro, need))
    steps: list[CommandStep] = []
    if facts.distro in DEBIAN_FAMILY:
        # A fresh image often ships without package lists; install would find nothing.
        steps.append(CommandStep(("apt-get", "update"), description="refresh the package lists"))
    steps.append(
        CommandStep(
            install_argv(facts.distro, packages),
            description=f"install {', '.join(packages)} (a rollback leaves them installed)",
        )
    )
    return Stage(name="Install packages", steps=tuple(steps))
