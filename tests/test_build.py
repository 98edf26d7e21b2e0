"""`rumpbuild component` builds the example tree for every arch (zig), renamed and packaged."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from rumpbuild.arch import all_targets
from rumpbuild.toolchain.data import fact

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

TARGETS = all_targets()
EXEMPT = ("rump", "RUMP", "__", "_GLOBAL_OFFSET_TABLE")


def _objects(outdir):
    for root, _dirs, files in os.walk(os.path.join(outdir, "obj")):
        for f in files:
            if f.endswith((".o", ".pico")):
                yield os.path.join(root, f)


@pytest.fixture(scope="module", params=TARGETS, ids=lambda t: t.name.replace("/", "-"))
def built(request, tmp_path_factory):
    from rumpbuild.cli import main

    t = request.param
    toolchain = "zig"
    out = tmp_path_factory.mktemp("out") / t.machine_arch
    status = main(["component", "msdos", "tmpfs", "--arch", t.name, "--toolchain", toolchain, "--out", str(out),
                   "-q", "--json"])
    assert status == 0
    return t, out, toolchain


def test_libraries_and_elf_facts(built):
    t, out, toolchain = built
    for lib in ("rumpfs_msdos", "rumpfs_tmpfs", "rumpdev_disk"):
        for f in (f"lib{lib}.a", f"lib{lib}_pic.a"):
            assert (out / f).exists(), f
        for f in (f"lib{lib}.so.0", f"lib{lib}.so"):  # zig cannot link for some arches (arch data says why)
            assert (out / f).exists() == (not fact("zig", t, "cannot_link")), f
    objs = list(_objects(out))
    assert len(objs) >= 2 * 11
    for o in objs:
        with open(o, "rb") as f:
            elf = ELFFile(f)
            assert elf.header.e_machine == t.elf_machine, o
            assert elf.elfclass == t.elf_class, o
            assert elf.little_endian == (t.endian == "little"), o
            assert elf.header.e_type == "ET_REL"


def test_every_global_is_in_the_rump_namespace(built):
    t, out, toolchain = built
    for o in _objects(out):
        with open(o, "rb") as f:
            elf = ELFFile(f)
            symtab = elf.get_section_by_name(".symtab")
            assert isinstance(symtab, SymbolTableSection)
            for sym in symtab.iter_symbols():
                if sym["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK") and sym.name:
                    name = sym.name[1:] if t.pq and sym.name.startswith(".") else sym.name
                    assert name.startswith(EXEMPT) or name.startswith("rumpns_") or (
                        t.symquirk and re.match(f"({t.symquirk})", name)), (o, sym.name)


def test_archive_members_are_the_objects(built):
    t, out, toolchain = built
    members = subprocess.run(["ar", "t", str(out / "librumpfs_msdos.a")], capture_output=True, text=True)
    if members.returncode != 0:
        pytest.skip("ar cannot list this archive")
    names = set(members.stdout.split())
    objdir = out / "obj" / "sys" / "rump" / "fs" / "lib" / "libmsdos"
    assert names == {f for f in os.listdir(objdir) if f.endswith(".o")}


def test_compile_commands(built):
    t, out, toolchain = built
    cc = json.loads((out / "compile_commands.json").read_text())
    files = {os.path.basename(c["file"]) for c in cc}
    assert "msdosfs_vfsops.c" in files and "tmpfs_vfsops.c" in files
    one = next(c for c in cc if c["file"].endswith("msdosfs_fat.c") and c["output"].endswith(".o"))
    assert "-O1" in one["arguments"]  # COPTS.msdosfs_fat.c from the component Makefile
    assert "-nostdinc" in one["arguments"] and "-ffreestanding" in one["arguments"]
    assert ("-D_RUMPKERNEL" in one["arguments"]) == (not t.native_abi)


def test_noop_rebuild_changes_nothing(built, capsys):
    from rumpbuild.cli import main

    t, out, toolchain = built
    before = {o: os.stat(o).st_mtime_ns for o in _objects(out)}
    lib = out / "librumpfs_msdos.a"
    lib_before = lib.stat().st_mtime_ns
    assert main(["component", "msdos", "tmpfs", "--arch", t.name, "--toolchain", toolchain, "--out", str(out)]) == 0
    after = {o: os.stat(o).st_mtime_ns for o in _objects(out)}
    assert before == after and lib.stat().st_mtime_ns == lib_before
    capsys.readouterr()


def test_deps_closure(run_cli, tmp_path):
    # the full flags and the programs they link: tests/test_linkflags.py
    status, out, err = run_cli("component", "msdos", "--deps", "--out", tmp_path / "o")
    assert status == 0, err
    assert [w for w in out.split() if w.startswith("-lrump")] == \
        ["-lrumpfs_msdos", "-lrumpdev_disk", "-lrumpdev", "-lrumpvfs", "-lrump", "-lrumpuser"]
    status, out, err = run_cli("component", "tmpfs", "--deps", "--json")
    doc = json.loads(out)
    assert doc["components"]["rumpfs_tmpfs"]["link"] == ["rumpfs_tmpfs", "rumpvfs", "rump", "rumpuser"]


def test_unknown_component(run_cli):
    status, out, err = run_cli("component", "msdoss", "--deps")
    assert status == 1 and "did you mean 'msdos'" in err and "Traceback" not in err


def test_missing_compiler(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    status, out, err = run_cli("component", "msdos", "--out", tmp_path / "o")
    assert status == 1 and "/nonexistent/cc" in err and "Traceback" not in err


def test_compile_error_names_file_and_leaves_no_library(run_cli, example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    bad = src / "sys" / "fs" / "tmpfs" / "tmpfs_subr.c"
    bad.write_text(bad.read_text() + "\nthis is not C;\n")
    out = tmp_path / "out"
    status, _, err = run_cli("component", "tmpfs", "--src", src, "--toolchain", "zig", "--out", out, "-q")
    assert status == 1
    assert "tmpfs_subr.c" in err and "Traceback" not in err
    assert not (out / "librumpfs_tmpfs.a").exists()
    assert not list(out.glob("*.tmp"))


def test_failed_request_leaves_no_output_folder(run_cli, tmp_path):
    # SCons starts early (engine.SconsRun); a request that fails before building stops it
    out = tmp_path / "fresh"
    status, _, err = run_cli("component", "msdos", "nosuchfs", "--out", out, "--toolchain", "zig")
    assert status == 1 and "nosuchfs" in err and "Traceback" not in err
    assert not out.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "mine.txt").write_text("not rumpbuild's")
    status, _, err = run_cli("component", "nosuchfs", "--out", kept, "--toolchain", "zig")
    assert status == 1 and (kept / "mine.txt").exists()


def test_smoke_test_says_when_zig_cannot_link(run_cli, tmp_path):
    t = next((t for t in TARGETS if fact("zig", t, "cannot_link")), None)
    if t is None:
        pytest.skip("zig links for every arch in the arch data")
    status, _, err = run_cli("test", "msdos", "--arch", t.name, "--toolchain", "zig", "--out", tmp_path / "o")
    assert status == 1 and "cannot link" in err and "--toolchain gcc" in err and "Traceback" not in err
