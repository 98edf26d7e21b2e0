"""Hostile trees and a hostile machine (issue 16): names from Makefiles that lead outside the output
folder or the tree, full and read-only disks, `--out FILE`, undecodable bytes in messages.

Each case runs the CLI in-process and checks: exit status 1, one message naming the file (and line)
or the path and the errno, no traceback, and nothing written where it does not belong.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rumpbuild.errors import UserError
from rumpbuild.tree import example_tree_path

MSDOS = Path("sys/rump/fs/lib/libmsdos/Makefile")
CPIOFS = Path("sys/modules/cpiofs/Makefile")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def _tree(tmp_path: Path, makefile: Path, pattern: str, replacement: str) -> Path:
    """A copy of the example tree with one line of *makefile* rewritten."""
    tree = tmp_path / "T"
    shutil.copytree(example_tree_path(), tree)
    mf = tree / makefile
    text, n = re.subn(pattern, replacement, mf.read_text(), count=1, flags=re.M)
    assert n == 1, pattern
    mf.write_text(text)
    return tree


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def _line_of(path: Path, start: str) -> int:
    return next(i for i, l in enumerate(path.read_text().splitlines(), 1) if l.startswith(start))


# -- 1, 2: names from a tree are plain file names; nothing is written outside --------------------------

@pytest.mark.parametrize("pattern,replacement,var", [
    (r"^LIB=.*", "LIB=\t../../../VICTIM.txt", "LIB"),
    (r"^LIB=.*", "LIB=\trumpfs_msdos/../../../VICTIM", "LIB"),
    (r"^SRCS\+=.*", "SRCS+=\tmsdosfs_fat.c ../../../../VICTIM.c", "SRCS"),
    (r"^LIB=.*", "LIB=\t.hidden", "LIB"),
])
def test_component_refuses_a_name_that_leads_outside(run_cli, tmp_path, pattern, replacement, var):
    tree = _tree(tmp_path, MSDOS, pattern, replacement)
    before = _files(tmp_path)
    out = tmp_path / "a" / "b" / "o4"
    status, _out, err = run_cli("component", "msdos", "--src", tree, "--out", out, "-q")
    mf = tree / MSDOS
    assert status == 1 and "Traceback" not in err, err
    line = _line_of(mf, replacement.split("\t")[0])
    assert f"{mf}:{line}: {var} word" in err and "not a plain file name" in err, err
    assert not list(tmp_path.rglob("VICTIM*")), "a file was written outside --out"
    new = {p for p in _files(tmp_path) - before if "cache" not in p.parts}
    assert all(out in p.parents for p in new), new


def test_kmod_name_with_dotdot_writes_nothing_outside(run_cli, tmp_path):
    tree = _tree(tmp_path, CPIOFS, r"^KMOD=.*", "KMOD=\t../../../../VICTIM2")
    tree_files = _files(tree)
    mf = tree / CPIOFS
    where = f"{mf}:{_line_of(mf, 'KMOD')}: KMOD word '../../../../VICTIM2'"
    status, _out, err = run_cli("rules", "cpiofs", "--src", tree, "--write-tree")
    assert status == 1 and where in err and "Traceback" not in err, err
    assert _files(tree) == tree_files and not list(tmp_path.rglob("VICTIM2*"))
    out = tmp_path / "o5"
    status, _out, err = run_cli("component", "cpiofs", "--src", tree, "--out", out, "-q")
    assert status == 1 and where in err, err
    assert not list(tmp_path.rglob("VICTIM2*")) and not list(tmp_path.rglob("SConscript*"))


def test_module_folder_with_unsafe_name_is_refused(run_cli, tmp_path):
    tree = tmp_path / "T"
    shutil.copytree(example_tree_path(), tree)
    bad = tree / "sys" / "modules" / "cpio fs"
    (tree / "sys" / "modules" / "cpiofs").rename(bad)
    text = (bad / "Makefile").read_text().replace("KMOD=\tcpiofs\n", "")
    (bad / "Makefile").write_text(text)
    status, _out, err = run_cli("rules", "cpio fs", "--src", tree, "--write-tree")
    assert status == 1 and "'cpio fs' is not a plain file name" in err and "Traceback" not in err, err
    assert not (tree / "sys" / "rump" / "fs" / "lib" / "libcpio fs").exists()


def test_safe_name_and_inside():
    from rumpbuild.fsutil import inside, safe_name, unsafe_name_reason

    for good in ("rumpfs_msdos", "msdosfs_fat.c", "c++rt.o", "ioconf-x.ioconf"):
        assert safe_name(good, "f:1") == good
    for bad in ("", ".", "..", "../x", "a/b", "/abs", ".hidden", "-rf", "a b", "a\nb", "x" * 201, "é"):
        assert unsafe_name_reason(bad), bad
        with pytest.raises(UserError, match="^f:1: LIB "):
            safe_name(bad, "f:1", "LIB")
    assert inside("/o/lib/x.a", "/o") == "/o/lib/x.a"
    for escape in ("/o/../v", "/o2/x", "/o/a/../../v"):
        with pytest.raises(UserError, match="outside"):
            inside(escape, "/o")


def test_inside_sees_through_symbolic_links(tmp_path):
    from rumpbuild.fsutil import inside

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere)
    with pytest.raises(UserError, match="outside"):
        inside(out / "link" / "x", out)
    assert inside(out / "sub" / "x", out) == str(out / "sub" / "x")


# -- 6: full, read-only and wrong output folders -----------------------------------------------------

def _mount_tmpfs(where: Path, options: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {p.stderr.strip()}")


@pytest.fixture
def mounts():
    made = []
    yield made
    for m in reversed(made):
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


def _machine_error(err: str, path, errname: str) -> None:
    assert "Traceback" not in err and "rumpbuild bug" not in err, err
    assert str(path) in err and f"({errname})" in err, err
    assert "the compiler's messages" not in err, err  # no compiler hints for a machine problem


def test_out_is_a_file(run_cli, tmp_path):
    f = tmp_path / "FILE"
    f.write_text("mine\n")
    status, _out, err = run_cli("component", "msdos", "--out", f, "-q")
    assert status == 1
    assert f"--out {f} exists and is not a folder" in err and "Traceback" not in err
    status, _out, err = run_cli("component", "msdos", "--out", f / "sub", "-q")
    assert status == 1
    _machine_error(err, f / "sub", "ENOTDIR")
    assert f.read_text() == "mine\n"


def test_read_only_output_folder(run_cli, tmp_path, mounts):
    ro = tmp_path / "ro"
    _mount_tmpfs(ro, "ro,size=64k")
    mounts.append(ro)
    for out in (ro, ro / "out"):
        status, _out, err = run_cli("component", "msdos", "--out", out, "-q")
        assert status == 1
        _machine_error(err, ro, "EROFS")


@pytest.mark.parametrize("size", ["24k", "100k"])
def test_full_disk(run_cli, tmp_path, mounts, size):
    """24k fills while rumpbuild writes the SCons files, 100k while SCons compiles (gcc, example tree)."""
    full = tmp_path / "full"
    _mount_tmpfs(full, f"size={size}")
    mounts.append(full)
    out = full / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier run's output\n")
    status, _out, err = run_cli("component", "msdos", "--out", out, "-q")
    assert status == 1
    _machine_error(err, out, "ENOSPC")
    assert "No space left on device" in err and "OSError" not in err and "scons:" not in err, err
    if size == "100k":  # SCons' own report, turned into one message
        assert f"the build in {out} stopped" in err, err
    assert (out / "earlier.txt").read_text() == "an earlier run's output\n"


# -- 16: no Python internals, no raw surrogates --------------------------------------------------------

def test_undecodable_names_print_as_bytes(run_cli):
    name = os.fsdecode(b"ms\xffdos")
    status, _out, err = run_cli("component", name)
    assert status == 1 and "ms\\xffdos" in err, err
    assert "\udcff" not in err and "\\udcff" not in err


def test_printable():
    from rumpbuild.errors import printable

    assert printable(os.fsdecode(b"a\xffb")) == "a\\xffb"
    assert printable("tab\there\n", keep="\n") == "tab\\there\n"
    assert printable("\ud800") == "\\ud800"


def test_scons_rules_stay_in_their_folder(run_cli, tmp_path):
    """`rules --format scons -o DIR`: the object folders its SConscript names lie in DIR (they were
    under ./rumpbuild-out, made before -o was read)."""
    out = tmp_path / "rules"
    status, _out, err = run_cli("rules", "tmpfs", "--format", "scons", "-o", out)
    assert status == 0, err
    made = {p for p in tmp_path.rglob("*") if "cache" not in p.relative_to(tmp_path).parts}
    assert made and all(p == out or out in p.parents for p in made), sorted(made - {out})[:5]


@pytest.mark.parametrize("lines,message", [
    ("INCS=\trumpuser.h\nINCSDIR=\t/usr/include/../../../../../ESCAPE\n",
     "INCSDIR '/usr/include/../../../../../ESCAPE' leads outside /usr/include"),
    ("INCS=\trumpuser.h ..\nINCSDIR=\t/usr/include/rump\n", "INCS word '..' is not a plain file name"),
])
def test_staged_headers_stay_in_the_include_folder(run_cli, tmp_path, lines, message):
    tree = tmp_path / "T"
    shutil.copytree(example_tree_path(), tree)
    mf = tree / "lib" / "librumpuser" / "Makefile"
    mf.write_text(mf.read_text().replace("\nSRCS=", f"\n{lines}SRCS=", 1))
    var = "INCSDIR" if "INCSDIR '" in message else "INCS"
    out = tmp_path / "out"
    status, _out, err = run_cli("component", "msdos", "--src", tree, "--out", out, "-q")
    assert status == 1 and f"{mf}:{_line_of(mf, var + '=')}: {message}" in err and "Traceback" not in err, err
    assert not list(tmp_path.rglob("ESCAPE")) and not (tmp_path / "rumpuser.h").exists()
