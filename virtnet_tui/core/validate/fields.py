"""Checks of one value at a time, usable by a form as the operator types.

Each ``check_*`` function takes the field's dotted path and its value and
returns a FieldError, or ``None`` when the value is fine. An empty value is an
error: callers skip optional fields that were left empty.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Literal

from virtnet_tui.core.errors import FieldError
from virtnet_tui.core.model import CUSTOM_TYPES, NetworkType

Address = IPv4Address | IPv6Address
Interface = IPv4Interface | IPv6Interface
Version = Literal[4, 6] | None

#: The kernel's interface names hold 15 characters (IFNAMSIZ is 16 with the NUL).
IFNAME_MAX = 15
#: Custom networks pin the bridge's MAC with a dummy link named after the bridge.
DUMMY_SUFFIX = "-dummy"
#: libvirt accepts longer names, but they end up in file names and `virsh` listings.
NETWORK_NAME_MAX = 50

_CIDR = re.compile(r"^[^/\s%]+/[0-9]{1,3}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")
_DUID = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+$")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_VERSION = re.compile(r"^[0-9]+\.[0-9]+(?:\.[0-9]+)?$")
# `uname -r` adds a distribution suffix: 6.1.0-18-amd64, 5.14.0-362.el9.x86_64.
_KERNEL = re.compile(r"^[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:[-+~_][A-Za-z0-9._+~-]*)?$")
_DISTRO_VERSION = re.compile(r"^[A-Za-z0-9._~+-]{1,32}$")
# A DUID is a 2-byte type plus 1 to 128 bytes of identifier (RFC 8415).
_DUID_BYTES = (3, 130)


class InvalidValue(ValueError):
    """A value failed a check; the message is the plain-words reason."""


def _family(version: Version) -> str:
    return {4: "IPv4 ", 6: "IPv6 ", None: "IP "}[version]


def parse_interface(value: str, version: Version = None) -> Interface:
    """An address with its prefix length, such as ``192.168.100.1/24``.

    Raises:
        InvalidValue: with the reason.
    """
    example = "2001:db8:aa::1/64" if version == 6 else "192.168.100.1/24"
    if not value:
        raise InvalidValue(f"must not be empty; give an address with its prefix, like {example}")
    if not _CIDR.fullmatch(value):
        raise InvalidValue(f"must be an address with its prefix length, like {example}")
    text, prefix = value.split("/")
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise InvalidValue(
                f"is not a valid {_family(version)}address with prefix, like {example}"
            ) from None
        if version is None or address.version == version:
            bits = address.max_prefixlen
            raise InvalidValue(f"has prefix /{prefix}, but it runs from 0 to {bits}") from None
        interface = ipaddress.ip_interface(text)
    if version is not None and interface.version != version:
        raise InvalidValue(f"must be an {_family(version)}address with prefix, like {example}")
    return interface


def parse_address(value: str, version: Version = None) -> Address:
    """A single address, without a prefix length.

    Raises:
        InvalidValue: with the reason.
    """
    if not value:
        raise InvalidValue("must not be empty")
    if "%" in value:
        raise InvalidValue("must not carry a %zone suffix; the interface is already known")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidValue(f"is not a valid {_family(version)}address") from None
    if version is not None and address.version != version:
        raise InvalidValue(f"must be an {_family(version)}address")
    return address


def _error(field: str, value: object, check: Callable[[], object]) -> FieldError | None:
    """Run a zero-argument check and turn InvalidValue into a FieldError."""
    try:
        check()
    except InvalidValue as exc:
        return FieldError(field, value, str(exc))
    return None


def check_cidr(field: str, value: str, *, version: Version = None) -> FieldError | None:
    """An address with prefix length (``10.0.0.1/24``), of ``version`` when given."""
    return _error(field, value, lambda: parse_interface(value, version))


def check_address(field: str, value: str, *, version: Version = None) -> FieldError | None:
    """A single IP address, of ``version`` when given."""
    return _error(field, value, lambda: parse_address(value, version))


def mac_syntax_problem(value: str) -> str | None:
    """Why ``value`` is not a colon-separated MAC address, or None."""
    if not _MAC.fullmatch(value):
        return "must be a MAC address of six hex bytes separated by colons, like 52:54:00:7e:27:af"
    if int(value.replace(":", ""), 16) == 0:
        return "is all zeros, which no interface can use"
    return None


def is_multicast_mac(value: str) -> bool:
    """The group bit (lowest bit of the first byte) is set."""
    return bool(int(value[:2], 16) & 1)


def check_mac(field: str, value: str, *, unicast: bool = True) -> FieldError | None:
    """A MAC address written as six colon-separated hex bytes; unicast unless told otherwise."""
    problem = mac_syntax_problem(value)
    if problem is None and unicast and is_multicast_mac(value):
        problem = "is a multicast MAC (the first byte is odd); an interface needs a unicast one"
    return FieldError(field, value, problem) if problem else None


def check_duid(field: str, value: str) -> FieldError | None:
    """A DHCPv6 client identifier (DUID) as colon-separated hex bytes."""
    low, high = _DUID_BYTES
    if not _DUID.fullmatch(value):
        reason = (
            "must be a DUID: hex bytes separated by colons, like "
            "00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b (see the network's leases file)"
        )
        return FieldError(field, value, reason)
    length = value.count(":") + 1
    if not low <= length <= high:
        return FieldError(field, value, f"is {length} bytes long; a DUID has {low} to {high}")
    return None


def check_name(field: str, value: str) -> FieldError | None:
    """A libvirt network name that is also safe in file names and command lines."""
    if not value:
        return FieldError(field, value, "must not be empty")
    if len(value) > NETWORK_NAME_MAX:
        return FieldError(
            field, value, f"is {len(value)} characters long; keep it to {NETWORK_NAME_MAX}"
        )
    if not _SAFE_NAME.fullmatch(value):
        return FieldError(
            field,
            value,
            "may only contain letters, digits, '_', '.' and '-', and must start with "
            "a letter, digit or '_'",
        )
    return None


def check_ifname(field: str, value: str, *, max_length: int = IFNAME_MAX) -> FieldError | None:
    """A Linux interface name that also stays clear of shell and file-name trouble."""
    if not value:
        return FieldError(field, value, "must not be empty")
    if len(value) > max_length:
        return FieldError(
            field,
            value,
            f"is {len(value)} characters long; Linux interface names hold at most {max_length}",
        )
    if value in (".", "..") or not _SAFE_NAME.fullmatch(value):
        return FieldError(
            field,
            value,
            "may only contain letters, digits, '_', '.' and '-', must start with a letter, "
            "digit or '_', and cannot be '.' or '..'",
        )
    return None


def bridge_name_limit(network_type: NetworkType, dummy_supported: bool) -> int:
    """Longest bridge name for a network: custom networks need room for ``-dummy``."""
    if network_type in CUSTOM_TYPES and dummy_supported:
        return IFNAME_MAX - len(DUMMY_SUFFIX)
    return IFNAME_MAX


def check_bridge(
    field: str, value: str, *, network_type: NetworkType, dummy_supported: bool
) -> FieldError | None:
    """A bridge name, short enough for the dummy link that a custom network adds."""
    limit = bridge_name_limit(network_type, dummy_supported)
    if limit == IFNAME_MAX or len(value) <= limit:
        return check_ifname(field, value)
    return FieldError(
        field,
        value,
        f"is {len(value)} characters long; a {network_type} bridge holds at most {limit} "
        f"so that its dummy link, the name plus '{DUMMY_SUFFIX}', fits Linux's "
        f"{IFNAME_MAX}-character limit",
    )


def check_hostname(field: str, value: str) -> FieldError | None:
    """A host name: dot-separated labels of letters, digits and inner hyphens."""
    labels = value.split(".")
    if not value or len(value) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return FieldError(
            field,
            value,
            "must be a host name: labels of letters, digits and inner '-', "
            "up to 63 characters each, joined by '.'",
        )
    return None


def check_version(field: str, value: str, *, kernel: bool = False) -> FieldError | None:
    """A dotted version such as ``2.90``; with ``kernel``, ``uname -r`` output too."""
    if kernel and not _KERNEL.fullmatch(value):
        return FieldError(field, value, "must be a kernel version like 6.1 or 5.14.0-362.el9")
    if not kernel and not _VERSION.fullmatch(value):
        return FieldError(field, value, "must be a version number like 2.90")
    return None


def check_distro_version(field: str, value: str) -> FieldError | None:
    """A distribution release such as ``12`` or ``9.4``."""
    if not _DISTRO_VERSION.fullmatch(value):
        return FieldError(field, value, "must be a short release such as 12 or 9.4")
    return None


def check_port(field: str, value: int | str, *, allow_zero: bool = False) -> FieldError | None:
    """A TCP/UDP port: 1 to 65535, or 0 too when ``allow_zero`` (meaning "the same")."""
    number = value
    if isinstance(value, str):
        if not value.isdecimal() or not value.isascii():
            return FieldError(field, value, "must be a port number")
        number = int(value)
    low = 0 if allow_zero else 1
    if not low <= int(number) <= 65535:
        return FieldError(field, value, f"must be a port from {low} to 65535")
    return None


def check_ports(field: str, ports: tuple[int, ...]) -> FieldError | None:
    """A forward's ports: at least one, each from 1 to 65535, none listed twice."""
    if not ports:
        return FieldError(field, ports, "must list at least one port")
    bad = [port for port in ports if not 1 <= port <= 65535]
    if bad:
        return FieldError(field, ports, f"port {bad[0]} is outside 1 to 65535")
    repeated = sorted({port for port in ports if ports.count(port) > 1})
    if repeated:
        return FieldError(field, ports, f"port {repeated[0]} is listed twice")
    return None


def version_tuple(value: str) -> tuple[int, ...] | None:
    """``"2.90"`` -> ``(2, 90)``; None when ``value`` is not a plain dotted version."""
    if not _VERSION.fullmatch(value):
        return None
    return tuple(int(part) for part in value.split("."))
