"""Components generated from kernel modules: the example tree's module-only cpiofs."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

GOLDEN = Path(__file__).parent / "golden" / "rules"


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def test_generated_makefile_golden(run_cli):
    status, out, err = run_cli("rules", "cpiofs")
    assert status == 0, err
    assert out == (GOLDEN / "cpiofs-generated.Makefile").read_text()
    assert "LIB=\trumpfs_cpiofs" in out and ".include <bsd.lib.mk>" in out


def test_build_without_touching_the_tree(run_cli, example_tree, tmp_path):
    before = tree_digest(example_tree)
    status, out, err = run_cli("component", "cpiofs", "--toolchain", "zig", "--out", tmp_path / "o", "-q", "--json")
    assert status == 0, err
    doc = json.loads(out)
    assert [l["lib"] for l in doc["libraries"]] == ["rumpfs_cpiofs"]
    assert doc["link"]["rumpfs_cpiofs"] == ["rumpfs_cpiofs", "rumpvfs", "rump", "rumpuser"]
    assert (tmp_path / "o" / "librumpfs_cpiofs.a").exists()
    assert (tmp_path / "o" / "generated" / "sys" / "rump" / "fs" / "lib" / "libcpiofs" / "Makefile").exists()
    assert tree_digest(example_tree) == before


def test_write_tree_commits_the_component(run_cli, example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    status, _, err = run_cli("rules", "cpiofs", "--src", src, "--write-tree")
    assert status == 0, err
    mf = src / "sys" / "rump" / "fs" / "lib" / "libcpiofs" / "Makefile"
    assert mf.read_text() == (GOLDEN / "cpiofs-generated.Makefile").read_text()
    assert "RUMPFSCOMP+=\tcpiofs" in (src / "sys" / "rump" / "fs" / "Makefile.rumpfscomp").read_text()
    status, out, err = run_cli("scan", "--src", src, "--json")
    doc = json.loads(out)
    comp = [e for e in doc["entries"] if e["kind"] == "component" and e["name"] == "cpiofs"]
    assert comp and comp[0]["lib"] == "rumpfs_cpiofs" and comp[0]["error"] is None
    assert doc["summary"]["candidates"] == []
    # the fs list now names it, as make reads it
    from rumpbuild.mk import Evaluator, SystemMakefiles

    ev = Evaluator({"MACHINE": "amd64", "MACHINE_ARCH": "x86_64", "MACHINE_CPU": "x86_64"}, SystemMakefiles())
    ev.evaluate_file(str(src / "sys" / "rump" / "fs" / "Makefile.rumpfscomp"))
    assert "libcpiofs" in ev.words("RUMPFSLIBS")
    # a second --write-tree changes nothing; an existing component is refused
    status, _, err = run_cli("rules", "cpiofs", "--src", src, "--write-tree")
    assert status == 1 and "has a component in the tree already" in err


def test_a_component_name_is_not_a_candidate(run_cli):
    status, _, err = run_cli("rules", "msdos", "--write-tree")
    assert status == 1 and "has a component in the tree already" in err


def test_missing_symbols_and_stubs(run_cli, tmp_path):
    status, out, err = run_cli("component", "cpiofs", "--toolchain", "zig", "--out", tmp_path / "o", "-q",
                               "--missing", "--json")
    assert status == 0, err
    doc = json.loads(out)
    names = {m["name"]: m["defined_in"] for m in doc["missing"]["rumpfs_cpiofs"]}
    assert names == {"rumpns_fstrans_start": None, "rumpns_fstrans_done": None}
    assert doc["stubs"] == {}
    status, out, err = run_cli("component", "cpiofs", "--toolchain", "zig", "--out", tmp_path / "o", "-q",
                               "--stubs", "--json")
    doc = json.loads(out)
    stubs = {s["name"]: s["kind"] for s in doc["stubs"]["rumpfs_cpiofs"]["stubs"]}
    assert stubs == {"fstrans_start": "harmless", "fstrans_done": "harmless"}
    assert doc["link"]["rumpfs_cpiofs"][:2] == ["rumpfs_cpiofs", "rumpfs_cpiofs_stubs"]
    assert Path(doc["stubs"]["rumpfs_cpiofs"]["archive"]).exists()


def test_missing_names_the_library_that_defines_it(run_cli, tmp_path):
    """msdos calls getdisksize(); without rumpdev_disk in its closure the report must say where it is."""
    from rumpbuild.model.missing import analyze
    from rumpbuild.session import BuildSession
    import argparse

    args = argparse.Namespace(src=None, arch="amd64", toolchain="zig", out=str(tmp_path / "o"), defines=[],
                              werror=False, jobs=None, verbose=False, quiet=True, c_string=None, launcher=None)
    s = BuildSession.from_args(args)
    msdos = s.find_component("msdos")
    disk = s.find_component("disk")
    s.build([disk], shared=False)  # built in the output folder, but not linked with msdos below
    base = [s.find_base(n) for n in ("rumpvfs", "rumpkern", "rumpuser")]
    plan = s.build([msdos] + base, shared=False)
    found = {m.name: m.defined_in for m in analyze(s, plan, "rumpfs_msdos")}
    assert found.get("rumpns_getdisksize") == "rumpdev_disk"


@pytest.mark.parametrize("arch", ["amd64", "evbarm"])
def test_generated_component_is_stubbed_linked_and_mounted(run_cli, tmp_path, arch):
    if not shutil.which("cpio"):
        pytest.skip("needs cpio")
    from rumpbuild.arch import resolve

    if arch != "amd64" and not shutil.which(resolve(arch).qemu):
        pytest.skip("needs " + resolve(arch).qemu)
    status, out, err = run_cli("test", "cpiofs", "--stubs", "--arch", arch, "--toolchain", "zig",
                               "--out", tmp_path / "o", "-q", "--json")
    doc = json.loads(out)
    steps = {s["name"]: s["status"] for s in doc["steps"]}
    assert status == 0, doc["steps"]
    assert steps["mount"] == "PASS" and steps["read"] == "PASS" and steps["write"] == "PASS"
