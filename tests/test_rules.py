"""`rumpbuild rules`: NetBSD-style Makefiles (golden) that read back as the original, and SCons rules."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "rules"


@pytest.mark.parametrize("name", ["msdos", "tmpfs"])
def test_makefile_golden(run_cli, name):
    status, out, err = run_cli("rules", name)
    assert status == 0, err
    assert out == (GOLDEN / f"{name}.Makefile").read_text()


@pytest.mark.parametrize("name", ["msdos", "tmpfs"])
def test_generated_makefile_reads_back_the_same(run_cli, example_tree, tmp_path, name):
    """Drop the generated Makefile in place of the original: make sees the same component."""
    def scan(src):
        status, out, err = run_cli("scan", "--json", "--src", src, name)
        assert status == 0, err
        (e,) = [e for e in json.loads(out)["entries"] if e["kind"] == "component"]
        got = {k: e[k] for k in ("lib", "sources", "cppflags", "cflags", "per_file", "comment")}
        return json.loads(json.dumps(got).replace(str(src), "<src>"))

    before = scan(example_tree)
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    status, out, err = run_cli("rules", name, "--src", src, "-o", tmp_path / "gen")
    assert status == 0, err
    mf = next((src / "sys" / "rump" / "fs" / "lib").glob(f"lib{name}*/Makefile"))
    shutil.copy(tmp_path / "gen" / "Makefile", mf)
    after = scan(src)
    assert after == before


# A variant of the example tree whose Makefiles differ per arch: the generated cpiofs keeps
# its module's conditionals and fragment, an existing component keeps its own.
VARIANT_MODULE = """\
#	$NetBSD$

.include "../Makefile.inc"

.PATH:	${S}/fs/cpiofs

KMOD=	cpiofs
SRCS=	cpiofs_vfsops.c

.include "Makefile.cpiofsmod"
.include "opt/Makefile.cpiofsopt"

.if ${MACHINE_ARCH} == "x86_64"
CPPFLAGS+=	-DCPIOFS_X86
.elif !empty(MACHINE_ARCH:Mearm*)
CFLAGS+=	-DCPIOFS_ARM
.endif

.include <bsd.kmodule.mk>
"""
VARIANT_FRAGMENT = """\
# shared by the module and its rump component, like Makefile.zfsmod
SRCS+=	cpiofs_vnops.c
CPPFLAGS+=	-I${S}/fs/cpiofs
.if ${MACHINE_CPU} == "riscv"
CPPFLAGS+=	-DCPIOFS_RISCV
.endif
"""
VARIANT_TMPFS = """
.if ${MACHINE} == "evbarm"
SRCS+=	tmpfs_arm.c
.PATH:	${.CURDIR}/arch
.endif
"""
# names the module's folders through .CURDIR/.PARSEDIR: inlined, with the folders moved
VARIANT_OPT = """\
CPPFLAGS+=	-I${.CURDIR} -I${.PARSEDIR}
"""
ARCHES = ["amd64", "evbarm", "riscv"]


@pytest.fixture
def variant_tree(example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    mod = src / "sys" / "modules" / "cpiofs"
    (mod / "Makefile").write_text(VARIANT_MODULE)
    (mod / "Makefile.cpiofsmod").write_text(VARIANT_FRAGMENT)
    (mod / "opt").mkdir()
    (mod / "opt" / "Makefile.cpiofsopt").write_text(VARIANT_OPT)
    tmpfs = src / "sys" / "rump" / "fs" / "lib" / "libtmpfs"
    text = (tmpfs / "Makefile").read_text()
    (tmpfs / "Makefile").write_text(text.replace("\n.include <bsd.lib.mk>", VARIANT_TMPFS + "\n.include <bsd.lib.mk>"))
    (tmpfs / "arch").mkdir()
    (tmpfs / "arch" / "tmpfs_arm.c").write_text("int tmpfs_arm;\n")
    return src


def _planned(src, arch, out, name):
    """rumpbuild's own evaluation of *name* for *arch*: (make variables, SRCS, CPPFLAGS, CFLAGS)."""
    import argparse

    from rumpbuild.tree.hostconf import write_mkconf
    from rumpbuild.session import BuildSession
    from rumpbuild.tree.options import make_vars

    args = argparse.Namespace(src=str(src), arch=arch, toolchain="auto", out=str(out), defines=[], werror=False,
                              jobs=None, verbose=False, quiet=True, c_string=None, launcher=None)
    s = BuildSession.from_args(args)
    e = s.find_component(name)
    overrides = s.make_overrides()
    overrides["MAKECONF"] = write_mkconf(s.outdir, s.tree)
    return (make_vars(s.tree, s.target.make_vars(), overrides), [x.name for x in e.sources], e.cppflags, e.cflags)


def _bmake(folder, variables):
    from rumpbuild.mk.sysmk import MODEL_DIR

    cmd = ["bmake", "-m", MODEL_DIR] + [f"{k}={v}" for k, v in variables.items()]
    cmd += ["-V", "${SRCS}", "-V", "${CPPFLAGS}", "-V", "${CFLAGS}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "BSDOBJDIR"))}
    p = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    srcs, cpp, cflags = p.stdout.split("\n")[:3]
    return srcs.split(), cpp.split(), cflags.split()


@pytest.mark.parametrize("name", ["msdos", "tmpfs", "cpiofs"])
def test_netbsd_make_reads_the_makefile_as_rumpbuild_plans(run_cli, variant_tree, tmp_path, name):
    """One Makefile for every arch; NetBSD's make reads it, in place, to what rumpbuild plans per arch."""
    if not shutil.which("bmake"):
        pytest.skip("needs Debian's bmake")
    texts = set()
    for arch in ARCHES:
        status, out, err = run_cli("rules", name, "--src", variant_tree, "--arch", arch)
        assert status == 0, err
        texts.add(out)
    (text,) = texts
    for machine_path in (str(variant_tree), str(tmp_path), os.getcwd(), os.path.expanduser("~")):
        assert machine_path not in text
    assert not re.search(r"(^|[\s\"=:])/(?!/)", text, re.M), "an absolute path in the Makefile"
    planned = {arch: _planned(variant_tree, arch, tmp_path / "o" / arch, name) for arch in ARCHES}
    folder = variant_tree / "sys" / "rump" / "fs" / "lib" / f"lib{name}"
    folder.mkdir(exist_ok=True)
    (folder / "Makefile").write_text(text)
    got = {arch: _bmake(folder, planned[arch][0]) for arch in ARCHES}
    for arch in ARCHES:
        assert got[arch] == planned[arch][1:], arch
    if name != "msdos":  # the variant's conditionals are kept, not resolved for one arch
        assert len({repr(v) for v in got.values()}) == len(ARCHES)
        assert ".if ${MACHINE" in text


def test_generated_makefile_keeps_the_module_text(run_cli, variant_tree):
    status, out, err = run_cli("rules", "cpiofs", "--src", variant_tree)
    assert status == 0, err
    body = out.split("\n\n", 1)[1]
    assert body.startswith("S!=\t\tcd ${.CURDIR}/../../../..;pwd\n\n.PATH:\t${S}/fs/cpiofs\n\nLIB=\trumpfs_cpiofs\n")
    assert '.include "${.CURDIR}/../../../../modules/cpiofs/Makefile.cpiofsmod"\n' in body
    assert ("# from sys/modules/cpiofs/opt/Makefile.cpiofsopt:\n"
            "CPPFLAGS+=\t-I${.CURDIR}/../../../../modules/cpiofs -I${.CURDIR}/../../../../modules/cpiofs/opt\n"
            "# end of sys/modules/cpiofs/opt/Makefile.cpiofsopt\n") in body
    assert '.if ${MACHINE_ARCH} == "x86_64"\nCPPFLAGS+=\t-DCPIOFS_X86\n.elif' in body
    assert body.endswith(".include <bsd.lib.mk>\n.include <bsd.klinks.mk>\n")
    assert "KMOD" not in body and "kmodule" not in body and "Makefile.inc" not in body


@pytest.mark.live
def test_scons_rules_build_by_hand(run_cli, tmp_path):
    """An ordinary SConscript (tests/test_backends.py compares what it builds with `rumpbuild component`)."""
    import os
    import sys

    import rumpbuild

    out = tmp_path / "rules"
    status, _, err = run_cli("rules", "tmpfs", "--format", "scons", "--toolchain", "zig", "-o", out)
    assert status == 0, err
    text = (out / "SConscript").read_text()
    assert "StaticLibrary" in text and "tmpfs_vfsops.c" in text
    env = dict(os.environ, PYTHONPATH=str(Path(rumpbuild.__file__).resolve().parents[1]))
    p = subprocess.run([sys.executable, "-m", "SCons", "-C", str(out), "-Q", "-j", "2"], capture_output=True,
                       text=True, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (out / "librumpfs_tmpfs.a").exists() and (out / "librumpfs_tmpfs.so.0").exists()


def test_rules_for_a_faction_is_refused(run_cli):
    status, _, err = run_cli("rules", "rumpvfs")
    assert status == 1 and "not a component" in err


def test_pyrepr_wraps_argv_lists_as_valid_literals():
    import ast

    from rumpbuild.templates import pyrepr

    argv = ["-I/some/long/include/path/number%d" % i for i in range(40)] + ["-DQUOTE='\"x\"'", ""]
    text = pyrepr(argv)
    assert ast.literal_eval(text) == argv
    assert len(text.splitlines()) > 1 and all(len(line) <= 110 for line in text.splitlines())
    assert pyrepr(["-O2"]) == "['-O2']" and pyrepr([]) == "[]"
    assert ast.literal_eval(pyrepr({"a": [1, 2]})) == {"a": [1, 2]}
