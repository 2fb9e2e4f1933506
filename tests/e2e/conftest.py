"""End-to-end fixtures: wired namespaces and a root folder for the files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.netns import netns_unavailable

from e2e.guest.image import GuestImage, GuestUnavailable
from e2e.guest.image import guest_image as build_guest_image
from e2e.guest.lab import Lab, lab
from e2e.topology import Topology, topology


@pytest.fixture
def topo() -> Iterator[Topology]:
    """Namespaces for one test (``topo.add(role)``); all of them go away afterwards."""
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    with topology() as made:
        yield made


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The folder that stands for the host's file system (``--root``)."""
    folder = tmp_path / "root"
    folder.mkdir()
    os.chmod(folder, 0o755)
    return folder


@pytest.fixture(scope="session")
def guest_image() -> GuestImage:
    """The real-VM tests' guest (kernel + initramfs), built once and cached outside git."""
    try:
        return build_guest_image()
    except GuestUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def vm_lab(
    topo: Topology,
    root: Path,
    tmp_path: Path,
    guest_image: GuestImage,
    record_property: Callable[[str, object], None],
) -> Iterator[Lab]:
    """A host and its LAN with a libvirtd in the host, for booting real guests."""
    with lab(topo, root, tmp_path / "libvirtd.log", guest_image, record_property) as made:
        yield made
