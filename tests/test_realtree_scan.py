"""Scan checks on a real NetBSD tree (RUMPBUILD_NETBSDSRC; skipped without it).

Checked on the 2016 rumpkernel/src-netbsd tree (branch buildrump-src).  The
differential test runs NetBSD's own make (Debian's bmake with the tree's
share/mk) in each component's folder and compares CPPFLAGS, CFLAGS and SRCS
with rumpbuild's evaluation word for word.  Only `--sysroot=`, which the
tree's bsd.own.mk adds for a DESTDIR and rumpbuild drops (rump code is
-nostdinc), is left out of the comparison.
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

# Inputs that NetBSD's bsd.own.mk would choose per machine; fixed on both sides.
SAME_INPUTS = {"ACTIVE_CC": "gcc", "MKCTF": "no"}


@pytest.fixture(scope="module")
def result(real_tree):
    return scan(find_tree(real_tree), resolve("amd64").make_vars())


def test_counts(result):
    comps = result.of_kind("component")
    by_cat = {}
    for c in comps:
        by_cat[c.category] = by_cat.get(c.category, 0) + 1
    if len(comps) != 95:
        pytest.skip(f"not the 2016 tree ({len(comps)} components)")
    assert by_cat == {"fs": 28, "dev": 41, "net": 17, "kern": 9}
    assert {f.name for f in result.of_kind("faction")} == {"rumpkern", "rumpvfs", "rumpdev", "rumpnet"}
    assert not [c.error for c in comps if c.error]


def test_fs_sources_all_resolve(result):
    for c in result.of_kind("component"):
        if c.category == "fs":
            missing = [s.name for s in c.sources if s.status != "found"]
            assert not missing, (c.name, missing)


def test_candidates(result):
    cands = {m.kmod or m.name for m in result.of_kind("module") if m.candidate}
    assert {"adosfs", "filecore", "overlay", "procfs", "unionfs", "chfs", "coda"} <= cands
    # built into a faction or a component: not candidates
    assert not cands & {"wapbl", "ffs", "msdos", "zfs", "tmpfs", "puffs"}


def _bmake_values(tree_root, makefile_dir, variables, names):
    cmd = ["bmake", "-m", str(tree_root / "share" / "mk")]
    cmd += [f"{k}={v}" for k, v in variables.items()]
    for n in names:
        cmd += ["-V", "${%s}" % n]
    p = subprocess.run(cmd, cwd=makefile_dir, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.split("\n")


@pytest.mark.parametrize("arch", ["amd64", "i386", "evbarm", "evbarm64", "riscv"])
def test_flags_equal_netbsd_make(real_tree, arch):
    if not shutil.which("bmake") or not (real_tree / "share" / "mk" / "bsd.own.mk").is_file():
        pytest.skip("needs Debian's bmake and the tree's share/mk")
    tree = find_tree(real_tree)
    target = resolve(arch)
    res = scan(tree, target.make_vars(), SAME_INPUTS)
    variables = make_vars(tree, target.make_vars(), SAME_INPUTS)
    diffs = []
    for e in res.entries:
        if e.kind == "module" or e.error:
            continue
        cpp, cf, srcs = _bmake_values(tree.root, os.path.dirname(e.makefile), variables,
                                      ["CPPFLAGS", "CFLAGS", "SRCS"])[:3]
        cpp = [w for w in cpp.split() if not w.startswith("--sysroot=")]
        if cpp != e.cppflags:
            diffs.append((e.name, "CPPFLAGS", cpp, e.cppflags))
        if cf.split() != e.cflags:
            diffs.append((e.name, "CFLAGS", cf.split(), e.cflags))
        if list(dict.fromkeys(srcs.split())) != [s.name for s in e.sources]:
            diffs.append((e.name, "SRCS", srcs.split(), [s.name for s in e.sources]))
    assert not diffs, diffs[:3]
