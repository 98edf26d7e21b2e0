"""`rumpbuild rules`: NetBSD-style Makefiles (golden) that read back as the original, and SCons rules."""

from __future__ import annotations

import json
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


@pytest.mark.live
def test_scons_rules_build_by_hand(run_cli, tmp_path):
    out = tmp_path / "rules"
    status, _, err = run_cli("rules", "tmpfs", "--format", "scons", "--toolchain", "zig", "-o", out)
    assert status == 0, err
    conf = json.loads((out / "rumpbuild-scons.json").read_text())
    assert conf["sconscripts"] == ["SConscript.rumpfs_tmpfs"]
    text = (out / "SConscript.rumpfs_tmpfs").read_text()
    assert "RumpObject" in text and "tmpfs_vfsops.c" in text
    from rumpbuild.backends.scons import scons_argv

    p = subprocess.run(scons_argv(str(out), 2), capture_output=True, text=True)
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
