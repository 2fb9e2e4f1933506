"""The test guest: a Debian kernel and a busybox initramfs, built from packages and cached."""

# Nothing is installed: `apt-get download` fetches linux-image-*-amd64 and busybox-static
# into a temporary folder, and only the kernel, eight virtio-net modules and busybox are
# taken out of them. The result is cached outside the repository under a key made of the
# packages apt would fetch (name, version, SHA256) and this folder's files, so a new kernel
# or a changed init builds a new guest and an unchanged one is reused.

from __future__ import annotations

import fcntl
import hashlib
import lzma
import os
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
FILES = HERE / "files"
#: Loaded by the guest's init in this order: each needs the ones before it.
MODULES = (
    "virtio_ring",
    "virtio",
    "virtio_pci_modern_dev",
    "virtio_pci_legacy_dev",
    "virtio_pci",
    "failover",
    "net_failover",
    "virtio_net",
)
#: The initramfs: path in the guest → (file in FILES, mode).
SCRIPTS = {
    "init": ("init", 0o755),
    "etc/udhcpc.script": ("udhcpc.script", 0o755),
    "www/cgi-bin/vm": ("www/cgi-bin/vm", 0o755),
}
FOLDERS = (
    "bin",
    "dev",
    "etc",
    "lib",
    "lib/modules",
    "proc",
    "run",
    "sys",
    "tmp",
    "www",
    "www/cgi-bin",
)


@dataclass(frozen=True)
class GuestImage:
    """What a domain boots: ``kernel`` and ``initrd``, both read-only files in the cache."""

    kernel: Path
    initrd: Path
    packages: tuple[str, ...]
    """The .deb files it was built from."""


class GuestUnavailable(RuntimeError):
    """The packages could not be found or fetched; says which and what to do."""


def cache_dir() -> Path:
    """What the tests keep between runs: ``$VIRTNET_TEST_CACHE``, else
    ``~/.cache/virtnet-wizard-tests`` (never inside the repository)."""
    configured = os.environ.get("VIRTNET_TEST_CACHE")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "virtnet-wizard-tests"


def _apt(*argv: str, cwd: Path | None = None) -> str:
    # As root, apt would hand the download to the _apt user, who cannot write a temp dir.
    proc = subprocess.run(
        [argv[0], "-o", "APT::Sandbox::User=root", *argv[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    if proc.returncode != 0:
        raise GuestUnavailable(
            f"{' '.join(argv)} failed ({proc.stderr.strip()}); the guest's packages come from "
            "apt: run scripts/install-system-deps.sh (which runs apt-get update) first"
        )
    return proc.stdout


def _packages() -> list[str]:
    """The kernel package linux-image-amd64 points at, and busybox-static."""
    depends = _apt("apt-cache", "depends", "linux-image-amd64")
    kernel = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)\b", depends)
    if not kernel:
        raise GuestUnavailable(f"linux-image-amd64 names no kernel package:\n{depends}")
    return [kernel.group(1), "busybox-static"]


def guest_key(uris: str) -> str:
    """The cache key: the packages apt would fetch and every file of the guest's own."""
    digest = hashlib.sha256(uris.encode())
    for name in sorted(SCRIPTS):
        digest.update(name.encode() + b"\0" + (FILES / SCRIPTS[name][0]).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def guest_image() -> GuestImage:
    """The guest for these packages, built on first use (one builder at a time)."""
    packages = _packages()
    uris = _apt("apt-get", "download", "--print-uris", *packages)
    folder = cache_dir() / "guest" / guest_key(uris)
    debs = tuple(line.split()[1] for line in uris.splitlines() if line.strip())
    image = GuestImage(folder / "vmlinuz", folder / "initrd.img", debs)
    if image.initrd.exists():
        return image
    folder.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers may all want it at once: the first builds, the others wait.
    with open(folder.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not image.initrd.exists():
            _build(packages, folder)
    return image


def _build(packages: list[str], folder: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="vnw-guest-") as scratch:
        work = Path(scratch)
        _apt("apt-get", "download", *packages, cwd=work)
        kernel_deb = next(work.glob("linux-image-*.deb"))
        busybox_deb = next(work.glob("busybox-static_*.deb"))
        kernel, modules = _from_kernel_package(kernel_deb)
        busybox = _member(busybox_deb, lambda name: name.endswith("/bin/busybox"))
        if busybox is None:
            raise GuestUnavailable(f"{busybox_deb.name} has no bin/busybox")
        entries: list[tuple[str, int, bytes]] = [(f, 0o040755, b"") for f in FOLDERS]
        entries.append(("bin/busybox", 0o100755, busybox))
        entries += [(f"lib/modules/{m}.ko", 0o100644, modules[m]) for m in sorted(modules)]
        for target, (source, mode) in SCRIPTS.items():
            entries.append((target, 0o100000 | mode, (FILES / source).read_bytes()))
        # Where init's first output goes, before it mounts devtmpfs.
        entries.append(("dev/console", 0o020600, b""))
        made = work / "out"
        made.mkdir()
        (made / "vmlinuz").write_bytes(kernel)
        (made / "initrd.img").write_bytes(newc_archive(entries))
        for f in made.iterdir():
            f.chmod(0o444)
        made.rename(folder)


def _member(deb: Path, wanted: object) -> bytes | None:
    found = _members(deb, wanted, first=True)
    return next(iter(found.values()), None)


def _members(deb: Path, wanted: object, first: bool = False) -> dict[str, bytes]:
    """The files of a package's data whose names ``wanted(name)`` accepts, by name."""
    assert callable(wanted)
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    assert tar.stdout is not None
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=tar.stdout, mode="r|") as archive:
        for member in archive:
            if member.isfile() and wanted(member.name):
                handle = archive.extractfile(member)
                assert handle is not None
                out[member.name] = handle.read()
                if first:
                    break
    tar.stdout.close()
    tar.kill()
    tar.wait()
    return out


def _from_kernel_package(deb: Path) -> tuple[bytes, dict[str, bytes]]:
    """The kernel image and the virtio-net modules (decompressed) of linux-image-*."""
    names = {f"{m}.ko" for m in MODULES} | {f"{m}.ko.xz" for m in MODULES}

    def wanted(name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        return base.startswith("vmlinuz-") or ("/kernel/" in name and base in names)

    found = _members(deb, wanted)
    kernels = [data for name, data in found.items() if "/vmlinuz-" in name]
    if len(kernels) != 1:
        raise GuestUnavailable(f"{deb.name}: expected one vmlinuz, found {len(kernels)}")
    modules = {}
    for name, data in found.items():
        base = name.rsplit("/", 1)[-1]
        if base.endswith(".ko.xz"):
            modules[base[: -len(".ko.xz")]] = lzma.decompress(data)
        elif base.endswith(".ko"):
            modules[base[: -len(".ko")]] = data
    # Those a kernel builds in are simply absent; virtio_net itself must be there.
    if "virtio_net" not in modules:
        raise GuestUnavailable(f"{deb.name} has no virtio_net module")
    return kernels[0], modules


def newc_archive(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A cpio archive in the kernel's initramfs format ("newc"), written without cpio.

    ``entries`` are ``(path, mode with file type, data)``; a character device gets
    ``dev/console``'s numbers (5, 1), which is the only one the guest needs.
    """
    out = bytearray()

    def pad() -> None:
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data) in enumerate([*entries, ("TRAILER!!!", 0, b"")], start=1):
        is_char = mode & 0o170000 == 0o020000
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 5 if is_char else 0, 1 if is_char else 0)
        encoded = name.encode() + b"\0"
        header = "070701" + "".join(f"{v:08x}" for v in fields)
        header += f"{len(encoded):08x}{0:08x}"
        out.extend(header.encode() + encoded)
        pad()
        out.extend(data)
        pad()
    return bytes(out)
