"""A minimal DHCPv4 client for tests: send one DISCOVER, print the address offered.

Run inside a network namespace: ``python dhcp_probe.py IFACE MAC [TIMEOUT]``. Prints the
offered address and the server identifier (``192.168.100.77 192.168.100.1``) and exits 0,
or exits 1 when no offer arrives in time.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import time

MAGIC_COOKIE = b"\x63\x82\x53\x63"
OPT_MESSAGE_TYPE, OPT_SERVER_ID, OPT_END = 53, 54, 255
DISCOVER, OFFER = 1, 2


def discover(mac: bytes, xid: int) -> bytes:
    """A DHCPDISCOVER asking for a broadcast reply (the interface has no address yet)."""
    header = struct.pack(
        "!BBBBIHH4s4s4s4s16s64s128s",
        1,  # BOOTREQUEST
        1,  # Ethernet
        6,  # hardware address length
        0,
        xid,
        0,
        0x8000,  # broadcast flag
        b"\0" * 4,
        b"\0" * 4,
        b"\0" * 4,
        b"\0" * 4,
        mac.ljust(16, b"\0"),
        b"",
        b"",
    )
    options = bytes([OPT_MESSAGE_TYPE, 1, DISCOVER, OPT_END])
    return header + MAGIC_COOKIE + options


def parse_offer(packet: bytes, xid: int) -> tuple[str, str] | None:
    """``(offered address, server id)`` when ``packet`` is an OFFER for ``xid``."""
    if len(packet) < 240 or packet[0] != 2 or struct.unpack("!I", packet[4:8])[0] != xid:
        return None
    yiaddr = socket.inet_ntoa(packet[16:20])
    options, i = packet[240:], 0
    msg_type, server = 0, ""
    while i < len(options) and options[i] != OPT_END:
        if options[i] == 0:
            i += 1
            continue
        code, length = options[i], options[i + 1]
        value = options[i + 2 : i + 2 + length]
        if code == OPT_MESSAGE_TYPE:
            msg_type = value[0]
        elif code == OPT_SERVER_ID:
            server = socket.inet_ntoa(value)
        i += 2 + length
    return (yiaddr, server) if msg_type == OFFER else None


def main(argv: list[str]) -> int:
    iface, mac_text = argv[1], argv[2]
    deadline = time.monotonic() + (float(argv[3]) if len(argv) > 3 else 10.0)
    mac = bytes.fromhex(mac_text.replace(":", ""))
    xid = int.from_bytes(os.urandom(4), "big")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    sock.bind(("0.0.0.0", 68))
    while time.monotonic() < deadline:
        # Resend each second: the server may not be listening yet.
        sock.sendto(discover(mac, xid), ("255.255.255.255", 67))
        sock.settimeout(1.0)
        try:
            while True:
                offer = parse_offer(sock.recv(2048), xid)
                if offer:
                    print(*offer)
                    return 0
        except TimeoutError:
            continue
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
