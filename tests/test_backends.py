"""Backends by name (rumpbuild.backends) and the build steps as commands (python -m rumpbuild.steps).

The ninja and SCons rules `rumpbuild rules msdos` writes are built with plain
`ninja -C D` and `scons -C D` and compared with what `rumpbuild component msdos`
builds: the same archive members and defined symbols (nm), byte-identical
archives where the inputs are.  Golden files hold each backend's output on the
example tree, with this machine's paths as placeholders.

RUMPBUILD_UPDATE_GOLDEN=1 rewrites the golden files.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rumpbuild
from rumpbuild.backends import get_backend, names
from rumpbuild.errors import UnknownNameError

GOLDEN = Path(__file__).parent / "golden" / "backends"
PACKAGE_PARENT = str(Path(rumpbuild.__file__).resolve().parents[1])
LIBS = ("librumpfs_msdos.a", "librumpfs_msdos_pic.a")

needs_gcc = pytest.mark.skipif(not shutil.which("x86_64-linux-gnu-gcc") and not shutil.which("gcc"),
                               reason="needs gcc for amd64")


def _env(**extra) -> dict:
    # the subprocesses (ninja's and SCons' steps) must import this rumpbuild, not another install
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT, **extra)
    return env


def _run(argv, cwd=None, **extra):
    p = subprocess.run([str(a) for a in argv], cwd=cwd, env=_env(**extra), capture_output=True, text=True)
    assert p.returncode == 0, f"{argv} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def _defined(path: Path) -> set[str]:
    out = _run(["nm", "-g", "--defined-only", path]).stdout
    return {line.split()[-1] for line in out.splitlines() if len(line.split()) == 3}


def _members(path: Path) -> list[str]:
    return _run(["ar", "t", path]).stdout.split()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty working folder (nothing may be written into it) and a private cache."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path / "cache"))
    return work


@pytest.fixture(scope="module")
def component_msdos(tmp_path_factory):
    """`rumpbuild component msdos` with gcc: the reference libraries."""
    base = tmp_path_factory.mktemp("component")
    out = base / "out"
    _run([sys.executable, "-m", "rumpbuild", "component", "msdos", "--toolchain", "gcc", "--out", out, "-j", "2",
          "-q"], cwd=base, RUMPBUILD_CACHE_DIR=str(base / "cache"))
    return out


def _rules(run_cli, fmt: str, out: Path, *extra, name="msdos") -> None:
    status, _, err = run_cli("rules", name, "--format", fmt, "--toolchain", "gcc", "-o", out, *extra)
    assert status == 0, err


# -- the registry -----------------------------------------------------------

def test_get_backend_by_name():
    assert names() == ["scons", "ninja", "make", "compdb"]
    for name in ("ninja", "make", "compdb"):
        backend = get_backend(name)
        assert backend.NAME == name and callable(backend.write)
    assert get_backend("ninja").CAN_BUILD and callable(get_backend("ninja").build)
    assert not get_backend("compdb").CAN_BUILD


def test_unknown_backend_lists_the_backends():
    with pytest.raises(UnknownNameError) as exc:
        get_backend("ninj")
    text = exc.value.render()
    assert "unknown backend 'ninj'" in text and "'ninja'" in text and "scons, ninja, make, compdb" in text


# -- ninja ------------------------------------------------------------------

@needs_gcc
def test_ninja_rules_build_the_same_libraries(run_cli, workdir, tmp_path, component_msdos):
    d = tmp_path / "ninja"
    _rules(run_cli, "ninja", d)
    _run(["ninja", "-C", d, "-j", "2"])
    for name in LIBS:
        assert _members(d / name) == _members(component_msdos / name)
        assert _defined(d / name) == _defined(component_msdos / name)
        # the same compile argv, the same rename, the same archive writer: the same bytes
        assert (d / name).read_bytes() == (component_msdos / name).read_bytes(), name
    assert _defined(d / "librumpfs_msdos.so.0") and os.readlink(d / "librumpfs_msdos.so") == "librumpfs_msdos.so.0"
    assert list(workdir.iterdir()) == []
    # every header dependency is usable from the build folder: nothing to do the second time
    assert "no work to do" in _run(["ninja", "-C", d, "-n"]).stdout


@needs_gcc
def test_ninja_backend_builds_a_plan(workdir, tmp_path, component_msdos):
    """build(plan, outdir): what a command that builds with the ninja backend calls."""
    import argparse
    from collections import Counter

    from rumpbuild.session import BuildSession

    session = BuildSession.from_args(argparse.Namespace(out=str(tmp_path / "out"), toolchain="gcc"))
    plan = session.plan([session.find_component("msdos")])
    steps = Counter()
    get_backend("ninja").build(plan, session.outdir, jobs=2, progress=lambda kind, path: steps.update([kind]))
    assert steps == {"CC": 12, "AR": 2, "LINK": 1, "LN": 4}
    for name in LIBS:
        assert (tmp_path / "out" / name).read_bytes() == (component_msdos / name).read_bytes(), name
    assert list(workdir.iterdir()) == []


def test_ninja_build_failure_is_one_message(workdir, tmp_path):
    import argparse

    from rumpbuild.errors import UserError
    from rumpbuild.session import BuildSession

    session = BuildSession.from_args(argparse.Namespace(out=str(tmp_path / "out"), toolchain="gcc"))
    plan = session.plan([session.find_component("msdos")])
    lib = plan.libraries[0]
    source = lib.objects[0]
    broken = tmp_path / "broken.c"
    broken.write_text("int this is not C;\n")
    argv = {flavour: [str(broken) if a == source.source else a for a in words] for flavour, words in source.argv.items()}
    bad = dataclasses.replace(source, source=str(broken), argv=argv)  # the model is immutable: a changed copy
    plan = dataclasses.replace(plan, libraries=(dataclasses.replace(lib, objects=[bad] + list(lib.objects[1:])),))
    with pytest.raises(UserError) as exc:
        get_backend("ninja").build(plan, session.outdir, jobs=1)
    text = exc.value.render()
    assert "the ninja build in" in text and "broken.c" in text and "rerun by hand" in text


@needs_gcc
def test_ninja_rebuilds_what_a_header_behind_an_include_link_reaches(run_cli, workdir, tmp_path, example_tree):
    """machine/types.h is reached through the object folder's include link: the depfile step makes
    it an absolute path, which ninja (reading depfiles from the build folder) can check."""
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    d = tmp_path / "ninja"
    _rules(run_cli, "ninja", d, "--src", src)
    _run(["ninja", "-C", d, "-j", "2"])
    header = src / "sys" / "arch" / "amd64" / "include" / "types.h"
    assert header.is_file()
    header.write_text(header.read_text() + "\n/* touched */\n")
    again = _run(["ninja", "-C", d, "-n"]).stdout
    assert "CC obj/" in again and "AR librumpfs_msdos.a" in again



@needs_gcc
def test_ninja_rules_work_after_the_folder_is_moved(run_cli, workdir, tmp_path):
    """build.ninja holds no absolute path of its folder: a copy of it is up to date where it lies,
    and rebuilds into itself (not into the original) the same archives."""
    d = tmp_path / "ninja"
    _rules(run_cli, "ninja", d)
    _run(["ninja", "-C", d, "-j", "2"])
    assert str(d) not in (d / "build.ninja").read_text()
    built = {name: (d / name).read_bytes() for name in LIBS}
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(d, moved, symlinks=True)  # copy2: times kept, as `cp -a` does
    shutil.rmtree(d)
    assert "no work to do" in _run(["ninja", "-C", moved, "-n"]).stdout
    shutil.rmtree(moved / "obj")
    (moved / LIBS[0]).unlink()
    _run(["ninja", "-C", moved, "-j", "2"])
    assert not d.exists()
    for name in LIBS:
        assert (moved / name).read_bytes() == built[name], name
    assert "no work to do" in _run(["ninja", "-C", moved, "-n"]).stdout
    deps = _run(["ninja", "-C", moved, "-t", "deps"]).stdout
    assert "obj/sys/rump/fs/lib/libmsdos/machine/types.h" in deps and str(tmp_path) not in deps

# -- SCons ------------------------------------------------------------------

@needs_gcc
def test_scons_rules_build_the_same_libraries(run_cli, workdir, tmp_path, component_msdos):
    d = tmp_path / "scons"
    _rules(run_cli, "scons", d)
    _run([sys.executable, "-m", "SCons", "-C", d, "-Q", "-j", "2"])
    for name in LIBS:
        assert _members(d / name) == _members(component_msdos / name)
        assert _defined(d / name) == _defined(component_msdos / name)
    objdir = d / "obj" / "sys" / "rump" / "fs" / "lib" / "libmsdos"
    ref = component_msdos / "obj" / "sys" / "rump" / "fs" / "lib" / "libmsdos"
    objects = sorted(p.name for p in objdir.glob("*.o"))
    assert len(objects) == 6
    for name in objects:  # the SConscript's split flags compile the same bytes
        assert (objdir / name).read_bytes() == (ref / name).read_bytes(), name
    assert os.readlink(d / "librumpfs_msdos.so") == "librumpfs_msdos.so.0"
    assert list(workdir.iterdir()) == []
    assert "is up to date" in _run([sys.executable, "-m", "SCons", "-C", d, "-Q"]).stdout


@needs_gcc
def test_sconscript_is_included_by_a_bigger_build(run_cli, workdir, tmp_path):
    top = tmp_path / "project"
    _rules(run_cli, "scons", top / "rump" / "tmpfs", name="tmpfs")
    (top / "SConstruct").write_text('SConscript("rump/tmpfs/SConscript")\n')
    _run([sys.executable, "-m", "SCons", "-Q", "-j", "2"], cwd=top)
    defined = _defined(top / "rump" / "tmpfs" / "librumpfs_tmpfs.a")
    assert defined and all(s.startswith("rumpns_") for s in defined)
    objects = {p.relative_to(top).parts[:3] for p in top.rglob("*.o")}
    assert objects == {("rump", "tmpfs", "obj")}


def test_sconscript_tree_root_is_a_variable(run_cli, workdir, tmp_path, example_tree):
    d = tmp_path / "scons"
    _rules(run_cli, "scons", d)
    text = (d / "SConscript").read_text()
    # the generation-time tree is only NETBSDSRC's default; D itself is never spelled out
    assert text.count(str(example_tree)) == 1 and str(d) not in text
    other = tmp_path / "othertree"
    shutil.copytree(example_tree, other, symlinks=True)
    dry = _run([sys.executable, "-m", "SCons", "-C", d, "-Q", "-n", f"NETBSDSRC={other}"]).stdout
    compiles = [l for l in dry.splitlines() if " -c " in l]
    assert len(compiles) == 12  # 6 sources, .o and .pico
    assert all(f"{other}/sys/fs/msdosfs/" in l and str(example_tree) not in l for l in compiles)
    assert os.readlink(d / "obj/sys/rump/fs/lib/libmsdos/machine") == f"{other}/sys/arch/amd64/include"


def test_rules_put_every_object_under_the_output_folder(run_cli, workdir, tmp_path):
    """The old bug: `rules tmpfs --format scons -o DIR` planned its objects in ./rumpbuild-out."""
    d = tmp_path / "rules"
    status, _, err = run_cli("rules", "tmpfs", "--format", "scons", "-o", d)
    assert status == 0, err
    assert list(workdir.iterdir()) == []
    text = (d / "SConscript").read_text()
    assert "rumpbuild-out" not in text and "obj/sys/rump/fs/lib/libtmpfs/tmpfs_vfsops.o" in text
    status, _, err = run_cli("rules", "tmpfs", "--format", "ninja", "-o", d)
    assert status == 0, err
    assert "build obj/sys/rump/fs/lib/libtmpfs/tmpfs_vfsops.o:" in (d / "build.ninja").read_text()
    assert list(workdir.iterdir()) == []


# -- golden files -----------------------------------------------------------

def _placeholders(text: str, out: Path, example_tree: Path) -> str:
    from rumpbuild.arch import resolve
    from rumpbuild.toolchain import find_toolchain

    cc = find_toolchain(resolve("amd64"), "gcc").cc[0]
    for value, name in sorted(((str(out), "<OUT>"), (str(example_tree), "<NETBSDSRC>"), (sys.executable, "<PYTHON>"),
                               (cc, "<CC>")), key=lambda p: -len(p[0])):
        text = text.replace(value, name)
    return text


@needs_gcc
@pytest.mark.parametrize("fmt, files", [
    ("ninja", ["build.ninja"]),
    ("scons", ["SConscript", "SConstruct", "site_scons/site_tools/rump.py"]),
    ("compdb", ["compile_commands.json"]),
    ("make", ["Makefile"]),
])
def test_backend_golden(run_cli, workdir, tmp_path, example_tree, fmt, files):
    d = tmp_path / "out"
    _rules(run_cli, fmt, d)
    for name in files:
        got = _placeholders((d / name).read_text(), d, example_tree)
        golden = GOLDEN / f"msdos.{fmt}.{name.replace('/', '_')}"
        if os.environ.get("RUMPBUILD_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(got)
        assert got == golden.read_text(), f"{name} differs from {golden} (RUMPBUILD_UPDATE_GOLDEN=1 rewrites it)"
        assert str(tmp_path) not in got and PACKAGE_PARENT not in got


# -- python -m rumpbuild.steps ------------------------------------------------

@needs_gcc
def test_steps_rename_and_archive_match_the_functions(tmp_path):
    from rumpbuild.arch import resolve
    from rumpbuild.elf.rename import rename_object
    from rumpbuild.steps.archive import write_library

    src = tmp_path / "x.c"
    src.write_text("int kernel_thing(void) { return 1; }\nint rumpuser_ok(void) { return 2; }\n")
    a, b = tmp_path / "a", tmp_path / "b"  # the function's results in a/, the command's in b/
    for d in (a, b):
        d.mkdir()
        _run(["gcc", "-c", src, "-o", d / "x.o"])
    rename_object(str(a / "x.o"), resolve("amd64"))
    _run([sys.executable, "-m", "rumpbuild.steps", "rename", "--arch", "amd64/x86_64", b / "x.o"])
    assert (a / "x.o").read_bytes() == (b / "x.o").read_bytes()
    assert _defined(b / "x.o") == {"rumpns_kernel_thing", "rumpuser_ok"}
    write_library(None, str(a / "lib.a"), [str(a / "x.o")])
    _run([sys.executable, "-m", "rumpbuild.steps", "archive", b / "lib.a", b / "x.o"])
    assert (a / "lib.a").read_bytes() == (b / "lib.a").read_bytes()
    assert _members(b / "lib.a") == ["x.o"]


def test_steps_depfile_root_makes_paths_under_it_relative(tmp_path):
    dep = tmp_path / "x.o.d"
    dep.write_text(f"x.o: /src/x.c machine/types.h \\\n {tmp_path}/include/a.h ../../b\\ c.h\n")
    _run([sys.executable, "-m", "rumpbuild.steps", "depfile", "--root", tmp_path, dep, tmp_path / "obj" / "lib"])
    assert dep.read_text() == "x.o: /src/x.c obj/lib/machine/types.h \\\n include/a.h b\\ c.h\n"


def test_steps_depfile_makes_relative_prerequisites_absolute(tmp_path):
    dep = tmp_path / "x.o.d"
    dep.write_text("x.o: /src/x.c \\\n machine/types.h ../inc/a\\ b.h \\\n /src/sys/param.h\n")
    _run([sys.executable, "-m", "rumpbuild.steps", "depfile", dep, tmp_path / "obj"])
    assert dep.read_text() == (f"x.o: /src/x.c \\\n {tmp_path}/obj/machine/types.h {tmp_path}/inc/a\\ b.h \\\n"
                               " /src/sys/param.h\n")


@pytest.mark.parametrize("argv, words", [
    (["rename", "--arch", "amd64", "/nonexistent/x.o"], ["/nonexistent/x.o", "cannot read"]),
    (["rename", "--arch", "vax11", "x.o"], ["unknown arch 'vax11'"]),
    (["archive", "out.a", "/nonexistent/y.o"], ["/nonexistent/y.o"]),
    (["depfile", "/nonexistent/x.d", "."], ["no depfile /nonexistent/x.d"]),
])
def test_steps_errors_are_one_message(tmp_path, argv, words):
    p = subprocess.run([sys.executable, "-m", "rumpbuild.steps", *argv], cwd=tmp_path, env=_env(),
                       capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr and all(w in p.stderr for w in words), p.stderr


@needs_gcc
def test_ninja_and_sconscript_build_a_faction_alike(workdir, tmp_path):
    """librump of the example tree has what msdos lacks: a generated source (vers.c from
    newvers.sh), an assembler routine (strlen.S) and an object kept out of the rename
    (rump_syscalls, RUMPOBJ_NORENAME): both writers build the same bytes from one plan."""
    import argparse

    from rumpbuild.session import BuildSession
    from rumpbuild.rules import sconscript

    built = {}
    for name in ("ninja", "scons"):
        session = BuildSession.from_args(argparse.Namespace(out=str(tmp_path / name), toolchain="gcc"))
        plan = session.plan([session.find_base("rumpkern")])
        lib = plan.libraries[0]
        assert lib.generated and any(o.lang == "S" for o in lib.objects) and not all(o.rename for o in lib.objects)
        if name == "ninja":
            get_backend("ninja").build(plan, session.outdir, jobs=2)
        else:
            sconscript.write(plan, session.outdir)
            _run([sys.executable, "-m", "SCons", "-C", session.outdir, "-Q", "-j", "2"])
        built[name] = Path(session.outdir)
    for lib in ("librump.a", "librump_pic.a"):
        assert (built["ninja"] / lib).read_bytes() == (built["scons"] / lib).read_bytes(), lib
    defined = _defined(built["ninja"] / "librump.a")
    assert "rump_sys_read" in defined  # rump_syscalls.o is not renamed
    assert any(s.startswith("rumpns_") for s in defined)
    assert list(workdir.iterdir()) == []


def test_sconscript_splits_an_argv_without_changing_its_meaning(tmp_path):
    from rumpbuild.rules.sconscript import _Spell, _split

    tree, out = tmp_path / "src", tmp_path / "out"
    objdir = f"{out}/obj/lib"
    spell = _Spell(str(tree), str(out))
    argv = ["cc", "-o", "x.o", "-O2", "-DKEEP=1", "-DGONE", "-I.", "-I", f"{tree}/sys", "-include", "opt.h",
            "-U", "GONE", "-DQ=\"a b\"", "-c", f"{tree}/x.c"]
    got = _split(argv, 1, f"{tree}/x.c", "x.o", objdir, spell)
    assert got == {
        # -DGONE is undone by -U GONE after it, and a quoted value stays one word: both keep their place
        "flags": ["-O2", "-DGONE", "-include", "obj/lib/opt.h", "-U", "GONE", '-DQ="a b"'],
        "CPPPATH": ["obj/lib", "$NETBSDSRC/sys"],  # -I. is the object folder, relative to the SConscript
        "CPPDEFINES": [["KEEP", "1"]],
    }


@needs_gcc
def test_component_builds_with_the_ninja_backend(run_cli, workdir, tmp_path, component_msdos):
    out = tmp_path / "ninja-out"
    status, _, err = run_cli("component", "msdos", "--toolchain", "gcc", "--arch", "amd64", "--backend", "ninja",
                             "--out", out, "--no-shared", "-q")
    assert status == 0, err
    assert (out / "build.ninja").is_file() and not (out / "rumpbuild-scons.json").exists()
    for lib in LIBS:
        assert _members(out / lib) == _members(component_msdos / lib)
        assert _defined(out / lib) == _defined(component_msdos / lib)


def test_component_refuses_a_backend_that_does_not_build(run_cli, workdir, tmp_path):
    status, _, err = run_cli("component", "msdos", "--backend", "make", "--out", tmp_path / "o")
    assert status == 1
    assert "the make backend writes rules but does not build" in err and "--format make" in err
    assert not (tmp_path / "o").exists()
