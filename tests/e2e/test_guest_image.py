"""The test guest's build: its cache key and its initramfs, read back entry by entry."""

from __future__ import annotations

import stat

from e2e.guest.image import MODULES, GuestImage, guest_key, newc_archive

URIS = "'http://deb/pool/linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb' x.deb 70591024 SHA256:ab\n"


def read_newc(data: bytes) -> list[tuple[str, int, int, bytes]]:
    """(name, mode, rdev minor, data) of each entry of a newc archive, trailer left out."""
    out: list[tuple[str, int, int, bytes]] = []
    at = 0
    while True:
        assert data[at : at + 6] == b"070701", f"no newc header at {at}"
        fields = [int(data[at + 6 + 8 * i : at + 14 + 8 * i], 16) for i in range(13)]
        mode, size, minor, namesize = fields[1], fields[6], fields[10], fields[11]
        at += 110
        name = data[at : at + namesize - 1].decode()
        at += namesize + (-(110 + namesize) % 4)
        body = data[at : at + size]
        at += size + (-size % 4)
        if name == "TRAILER!!!":
            return out
        out.append((name, mode, minor, body))


def test_key_changes_with_the_packages_and_only_then() -> None:
    assert guest_key(URIS) == guest_key(URIS)
    newer = URIS.replace("6.1.192-3", "6.1.193-1")
    assert guest_key(newer) != guest_key(URIS)


def test_newc_archive_round_trips_files_folders_and_the_console() -> None:
    entries = [("bin", 0o040755, b""), ("init", 0o100755, b"#!/bin/busybox sh\n")]
    entries.append(("dev/console", 0o020600, b""))
    read = read_newc(newc_archive(entries))
    assert [(n, m, d) for n, m, _, d in read] == entries
    assert stat.S_ISCHR(read[2][1]) and read[2][2] == 1


def test_the_built_initramfs_holds_init_busybox_and_the_modules(guest_image: GuestImage) -> None:
    read = {
        name: (mode, body) for name, mode, _, body in read_newc(guest_image.initrd.read_bytes())
    }
    assert read["init"][0] == 0o100755 and read["init"][1].startswith(b"#!/bin/busybox sh")
    assert read["bin/busybox"][1][:4] == b"\x7fELF"
    # Each module an ELF object; virtio_net (the NIC) and its first dependency at least.
    modules = {
        n.removeprefix("lib/modules/").removesuffix(".ko") for n in read if n.endswith(".ko")
    }
    assert {"virtio_ring", "virtio_net"} <= modules <= set(MODULES)
    assert all(read[f"lib/modules/{m}.ko"][1][:4] == b"\x7fELF" for m in modules)
    assert guest_image.kernel.read_bytes()[0x202:0x206] == b"HdrS"  # a bzImage's boot header
