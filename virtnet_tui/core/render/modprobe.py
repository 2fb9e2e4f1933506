"""Renders the files that load the dummy module and give a bridge's dummy link its MAC."""

from __future__ import annotations

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.render.header import header

MODULES_LOAD_DUMMY = "/etc/modules-load.d/dummy.conf"
MODPROBE_DUMMY = "/etc/modprobe.d/dummy.conf"
RHEL6_DUMMY_MODULES = "/etc/sysconfig/modules/dummy.modules"
RHEL6_DUMMY_MODULES_MODE = 0o755


def sysconfig_dummy_path(bridge: str) -> str:
    """The environment file that ``dummy@<bridge>.service`` reads."""
    return f"/etc/sysconfig/{bridge}-dummy"


def render_modules_load_dummy() -> str:
    """``/etc/modules-load.d/dummy.conf``: load the dummy module at boot."""
    return header(purpose="Load the dummy module at boot (modules-load.d(5)).") + "dummy\n"


def render_modprobe_dummy() -> str:
    """``/etc/modprobe.d/dummy.conf``: the module creates a single link, dummy0."""
    return header(purpose="Options of the dummy module (modprobe.d(5)).") + (
        "options dummy numdummies=1\n"
    )


def render_rhel6_dummy_modules() -> str:
    """``/etc/sysconfig/modules/dummy.modules`` (mode 0755): RHEL 6 runs it at boot."""
    return (
        "#!/bin/sh\n"
        + header(purpose="RHEL 6 runs the scripts in /etc/sysconfig/modules/ at boot.")
        + "/sbin/modprobe dummy numdummies=1\n"
    )


def render_sysconfig_dummy(spec: NetworkSpec) -> str:
    """``/etc/sysconfig/<bridge>-dummy``: the MAC address of the bridge's dummy link.

    Raises:
        ValueError: the network has no bridge MAC address.
    """
    if not spec.bridge_mac:
        raise ValueError(f"network {spec.name}: the dummy link needs bridge_mac")
    return header(purpose=f"Read by dummy@{spec.bridge}.service.") + f"MACADDR={spec.bridge_mac}\n"
