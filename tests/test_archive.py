"""rumpbuild's archive writer gives the bytes of binutils' `ar crsD`, for every arch."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from test_rename import TARGETS, compiled, objdir  # noqa: F401  (objdir is a fixture)

from rumpbuild.elf.archive import archive_bytes, indexed_symbols, write_archive

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

AR = shutil.which("ar")


def _object(objdir, target):  # noqa: F811
    try:
        return compiled(objdir, target, "zig-cc")
    except pytest.skip.Exception:  # zig cc refuses -fcommon for sparc64: its clang does not
        return compiled(objdir, target, "zig-clang")


def _members(tmp_path, obj):
    # a short name, a name too long for the header (the `//` table), an odd-sized member
    short = tmp_path / "a.o"
    long_ = tmp_path / "a_member_name_of_thirty.o"
    odd = tmp_path / "odd.o"
    shutil.copy(obj, short)
    shutil.copy(obj, long_)
    data = obj.read_bytes()
    odd.write_bytes(data + (b"\0" if len(data) % 2 == 0 else b""))
    return [short, long_, odd]


@pytest.mark.skipif(AR is None, reason="binutils' ar is not installed")
@pytest.mark.parametrize("target", TARGETS, ids=[t.machine_arch for t in TARGETS])
def test_archive_equals_binutils_ar(target, objdir, tmp_path):  # noqa: F811
    obj = _object(objdir, target)
    members = _members(tmp_path, obj)
    ref = tmp_path / "ref.a"
    p = subprocess.run([AR, "crsD", str(ref), *map(str, members)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"ar cannot archive {target.name} objects: {p.stderr.strip()}")
    assert archive_bytes(members) == ref.read_bytes()
    nm = subprocess.run(["nm", "-s", str(ref)], capture_output=True, text=True)
    if nm.returncode == 0:  # the index lists what the writer put in it
        index = [ln.split(" in ")[0] for ln in nm.stdout.split("Archive index:")[1].split("\n\n")[0].splitlines()
                 if " in " in ln]
        assert index == [s for m in members for s in indexed_symbols(m)]


def test_write_archive_is_atomic_and_links(tmp_path, objdir):  # noqa: F811
    from rumpbuild.arch import resolve

    obj = _object(objdir, resolve("amd64"))
    out = tmp_path / "lib.a"
    write_archive(out, [obj])
    assert out.read_bytes().startswith(b"!<arch>\n/")
    assert [p.name for p in tmp_path.iterdir()] == ["lib.a"]  # no temporary left behind


def test_bad_member_names_the_file(tmp_path):
    from rumpbuild.errors import ELFFormatError

    bad = tmp_path / "bad.o"
    bad.write_bytes(b"not an object")
    with pytest.raises(ELFFormatError, match="bad.o"):
        archive_bytes([bad])


def test_index_remembered_by_the_renamer_matches_binutils(tmp_path, objdir):  # noqa: F811
    # the build archives objects the renamer just wrote: the index it remembered must be ar's
    from rumpbuild.arch import resolve
    from rumpbuild.elf import archive
    from rumpbuild.elf.rename import rename_object

    if AR is None:
        pytest.skip("binutils' ar is not installed")
    members = _members(tmp_path, _object(objdir, resolve("amd64")))
    for m in members:
        assert rename_object(m, resolve("amd64")) > 0
        assert str(m) in archive._known_index
    ref = tmp_path / "ref.a"
    subprocess.run([AR, "crsD", str(ref), *map(str, members)], check=True)
    assert archive_bytes(members) == ref.read_bytes()
    members[0].write_bytes(members[1].read_bytes() + b"\0\0")  # changed since: read again, not remembered
    subprocess.run([AR, "crsD", str(ref), *map(str, members)], check=True)
    assert archive_bytes(members) == ref.read_bytes()
