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

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

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


@pytest.mark.parametrize("name", ["adosfs", "procfs"])
def test_write_tree_builds_with_netbsd_make(run_cli, farm, name):
    """NetBSD's make (the tree's bsd.lib.mk and Makefile.rump) builds the committed component.

    Host tools stand in for NetBSD's cross tools (CC=gcc …; no ctfconvert, lorder or tsort).
    """
    if not shutil.which("gcc") or not shutil.which("objcopy"):
        pytest.skip("needs gcc and binutils")
    d = farm / "sys" / "rump" / "fs" / "lib" / f"lib{name}"
    if not (d / "Makefile").exists():  # the test above may have committed it already
        status, _, err = run_cli("rules", name, "--src", farm, "--write-tree")
        assert status == 0, err
    cmd = ["bmake", "-m", str(farm / "share" / "mk"), "MACHINE=amd64", "MACHINE_ARCH=x86_64", "MACHINE_CPU=x86_64",
           "NOGCCERROR=yes", "USE_FORT=no", "USE_SSP=no", "MKPIE=no", "MKCTF=no", "MKDEBUG=no",
           "RUMP_LDSCRIPT=ctor", "RUMP_CURLWP=__thread",
           "RUMPKERN_UNDEF=-Ulinux -U__linux -U__linux__ -U__gnu_linux__", f"NETBSDSRCDIR={farm}",
           "HOST_SH=sh", "CC=gcc", "AR=ar", "NM=nm", "OBJCOPY=objcopy", "TOOL_AWK=awk", "LORDER=echo",
           "TSORT=cat", f"librumpfs_{name}.a"]
    p = subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    nm = subprocess.run(["nm", "-g", "--defined-only", str(d / f"librumpfs_{name}.a")],
                        capture_output=True, text=True, check=True).stdout
    names = [l.split()[-1] for l in nm.splitlines() if len(l.split()) == 3]
    assert names and all(n.startswith(("rumpns_", "rump", "__")) for n in names)


def _planned(src, arch, out, name):
    """rumpbuild's evaluation of *name* for *arch*: (make variables, SRCS, CPPFLAGS, CFLAGS)."""
    import argparse

    from rumpbuild.tree.hostconf import write_mkconf
    from rumpbuild.session import BuildSession

    args = argparse.Namespace(src=str(src), arch=arch, toolchain="auto", out=str(out),
                              defines=[f"{k}={v}" for k, v in SAME_INPUTS.items()], werror=False, jobs=None,
                              verbose=False, quiet=True, c_string=None, launcher=None)
    s = BuildSession.from_args(args)
    e = s.find_component(name)
    overrides = s.make_overrides()
    overrides["MAKECONF"] = write_mkconf(s.outdir, s.tree)
    return make_vars(s.tree, s.target.make_vars(), overrides), [x.name for x in e.sources], e.cppflags, e.cflags


@pytest.fixture(scope="module")
def rules_farm(real_tree, tmp_path_factory):
    if not shutil.which("bmake") or not (real_tree / "share" / "mk").is_dir():
        pytest.skip("needs Debian's bmake and the tree's share/mk")
    dst = tmp_path_factory.mktemp("rules") / "src"
    subprocess.run(["cp", "-as", str(real_tree.resolve()), str(dst)], check=True)
    return dst


@pytest.mark.parametrize("name", ["msdos", "ffs", "adosfs", "procfs"])
def test_rules_makefile_reads_as_planned_under_netbsd_make(run_cli, rules_farm, tmp_path, name):
    """`rules --format make` gives one Makefile; the tree's make reads it, in place, as rumpbuild plans each arch."""
    arches = ["amd64", "evbarm", "riscv"]
    texts = set()
    for arch in arches:
        status, out, err = run_cli("rules", name, "--src", rules_farm, "--arch", arch)
        assert status == 0, err
        texts.add(out)
    (text,) = texts
    assert str(rules_farm) not in text and str(rules_farm.resolve()) not in text
    planned = {arch: _planned(rules_farm, arch, tmp_path / arch, name) for arch in arches}
    folder = rules_farm / "sys" / "rump" / "fs" / "lib" / f"lib{name}"
    folder.mkdir(exist_ok=True)
    mf = folder / "Makefile"
    if mf.is_symlink():
        mf.unlink()
    mf.write_text(text)
    for arch in arches:
        variables = planned[arch][0]
        cmd = ["bmake", "-m", str(rules_farm / "share" / "mk")] + [f"{k}={v}" for k, v in variables.items()]
        cmd += ["-V", "${SRCS}", "-V", "${CPPFLAGS}", "-V", "${CFLAGS}"]
        p = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        srcs, cpp, cflags = p.stdout.split("\n")[:3]
        cpp = [w for w in cpp.split() if not w.startswith("--sysroot=")]
        assert (list(dict.fromkeys(srcs.split())), cpp, cflags.split()) == tuple(planned[arch][1:]), arch
