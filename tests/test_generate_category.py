"""A generated component's category, library name and closure when the module's KMOD names none
of its MODULE()s (NetBSD's coda5: a driver `vcoda` and a file system `coda` requiring it).
Fixture: tests/fixtures/trees/codalike laid over a copy of the example tree; builds use the
recording mock compiler, so nothing is compiled."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURE_TREES


@pytest.fixture
def coda_tree(example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    shutil.copytree(FIXTURE_TREES / "codalike" / "sys", src / "sys", dirs_exist_ok=True)
    return src


def test_vfs_module_named_unlike_its_kmod_is_a_file_system(run_cli, coda_tree):
    status, out, err = run_cli("rules", "codalike5", "--src", coda_tree)
    assert status == 0, err
    assert "LIB=\trumpfs_codalike5" in out and "rumpkern" not in out


def test_its_closure_is_a_file_system_closure(run_cli, coda_tree, tmp_path, mockcc):
    status, out, err = run_cli("component", "codalike5", "--src", coda_tree, "--arch", "amd64",
                               "--out", tmp_path / "o", "-q", "--json")
    assert status == 0, err
    doc = json.loads(out)
    assert [l["lib"] for l in doc["libraries"]] == ["rumpfs_codalike5"]
    assert doc["link"]["rumpfs_codalike5"] == ["rumpfs_codalike5", "rumpvfs", "rump", "rumpuser"]
    assert (tmp_path / "o" / "generated" / "sys" / "rump" / "fs" / "lib" / "libcodalike5" / "Makefile").is_file()


def test_module_class_rules(tmp_path):
    from rumpbuild.tree.generate import module_class

    class Module:
        def __init__(self, kmod, *texts):
            self.kmod, self.name, self.texts = kmod, kmod, texts

        def c_source_texts(self):
            return [(f"f{i}.c", t.encode()) for i, t in enumerate(self.texts)]

    drv = "MODULE(MODULE_CLASS_DRIVER, vx, NULL);"
    vfs = 'MODULE(MODULE_CLASS_VFS, x, "vx");'
    assert module_class(Module("x5", drv, vfs)) == "VFS"          # coda5: no MODULE() named x5
    assert module_class(Module("vx", drv, vfs)) == "DRIVER"       # its own name decides
    assert module_class(Module("y", drv)) == "DRIVER"
    assert module_class(Module("z", "int z;")) == "MISC"
