"""Every file of every golden plan passes the real program that reads its format."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest
from support.file_validators import validate_file
from support.plan_matrix import ALL_CASES

from virtnet_tui.core.plan import LibvirtStep
from virtnet_tui.core.planning import prepare

pytestmark = pytest.mark.netns


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_every_planned_file_passes_its_validator(name: str, tmp_path: Path) -> None:
    plan = prepare(ALL_CASES[name]).plan
    checked = {
        path: validate_file(tmp_path, path, step.content, step.mode)
        for path, step in plan.files().items()
    }
    # libvirt's own networks write no file: their XML is checked below
    assert checked or name.startswith(("routed-", "nat-"))


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_libvirt_networks_define_and_start_on_the_test_driver(name: str, tmp_path: Path) -> None:
    import subprocess

    plan = prepare(ALL_CASES[name]).plan
    defines = [s for _, _, s in plan.steps() if isinstance(s, LibvirtStep) and s.op == "net-define"]
    if not name.startswith(("routed-", "nat-")):
        assert not defines
        return
    assert len(defines) == 1
    xml = tmp_path / "net.xml"
    xml.write_text(defines[0].xml)
    proc = subprocess.run(
        ["virt-xml-validate", str(xml), "network"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    conn = libvirt.open("test:///default")
    try:
        net = conn.networkDefineXML(defines[0].xml)
        net.create()
        assert net.isActive()
        assert net.bridgeName() == "virbr1"
        net.destroy()
        net.undefine()
    finally:
        conn.close()
