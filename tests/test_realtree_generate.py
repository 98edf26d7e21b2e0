"""New file systems on a real tree (RUMPBUILD_NETBSDSRC; skipped without it).

For each module without a rump component, `rules --write-tree` writes the
component into a symlink copy of the tree; NetBSD's own make (bmake with the
tree's share/mk) must read the new Makefile to the same SRCS, CPPFLAGS and
CFLAGS as rumpbuild's evaluator, and the fs list must name it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from rumpbuild.arch import resolve
from rumpbuild.tree import find_tree
from rumpbuild.tree.options import make_vars
from rumpbuild.tree.scan import scan

CANDIDATES = ["adosfs", "filecore", "overlay", "procfs", "unionfs", "chfs", "coda"]
SAME_INPUTS = {"ACTIVE_CC": "gcc", "MKCTF": "no"}


@pytest.fixture(scope="module")
def farm(real_tree, tmp_path_factory):
    if not shutil.which("bmake") or not (real_tree / "share" / "mk").is_dir():
        pytest.skip("needs Debian's bmake and the tree's share/mk")
    dst = tmp_path_factory.mktemp("farm") / "src"
    # a tree of symlinks: --write-tree replaces only the files it writes
    subprocess.run(["cp", "-as", str(real_tree.resolve()), str(dst)], check=True)
    return dst


@pytest.mark.parametrize("name", CANDIDATES)
def test_write_tree_reads_the_same_under_netbsd_make(run_cli, farm, name):
    status, _, err = run_cli("rules", name, "--src", farm, "--write-tree")
    assert status == 0, err
    tree = find_tree(farm)
    target = resolve("amd64")
    res = scan(tree, target.make_vars(), SAME_INPUTS, kinds=("component",))
    (e,) = [x for x in res.entries if x.name == name]
    assert e.error is None and all(s.status == "found" for s in e.sources), e.error
    variables = make_vars(tree, target.make_vars(), SAME_INPUTS)
    cmd = ["bmake", "-m", str(farm / "share" / "mk")] + [f"{k}={v}" for k, v in variables.items()]
    cmd += ["-V", "${CPPFLAGS}", "-V", "${SRCS}", "-V", "${CFLAGS}"]
    p = subprocess.run(cmd, cwd=os.path.dirname(e.makefile), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    cpp, srcs, cflags = p.stdout.split("\n")[:3]
    assert [w for w in cpp.split() if not w.startswith("--sysroot=")] == e.cppflags
    assert srcs.split() == [s.name for s in e.sources]
    assert cflags.split() == e.cflags
