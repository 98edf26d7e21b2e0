"""rumpbuild.symbols and rumpbuild.stubs: symbol sets of objects and archives, missing-symbol analysis, stubs."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from rumpbuild.errors import ELFFormatError
from rumpbuild.symbols import Missing, defined_globals, missing_symbols, to_json, to_table, undefined_globals

CC = shutil.which("x86_64-linux-gnu-gcc") or shutil.which("gcc")
pytestmark = [pytest.mark.live, pytest.mark.skipif(not CC or not shutil.which("ar"), reason="needs a host C compiler and ar")]


def _obj(tmp_path, name, code):
    src = tmp_path / (name + ".c")
    src.write_text(code)
    obj = tmp_path / (name + ".o")
    subprocess.run([CC, "-O1", "-fno-stack-protector", "-fno-pie", "-c", str(src), "-o", str(obj)], check=True)
    return obj


def _ar(tmp_path, name, *objs):
    a = tmp_path / name
    subprocess.run(["ar", "crs", str(a), *map(str, objs)], check=True)
    return a


def _nm(path, undefined):
    out = subprocess.run(["nm", "-g", "--defined-only" if not undefined else "--undefined-only", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {l.split()[-1] for l in out.splitlines() if l.strip() and not l.endswith(":") and len(l.split()) >= 2}


@pytest.fixture
def objs(tmp_path):
    a = _obj(tmp_path, "user_with_a_rather_long_object_name",  # > 15 chars: GNU `//` long-name table
             "extern int getdisksize(int); extern int bar(int); extern int __udivdi3_like(int);\n"
             "extern int maybe(int) __attribute__((weak));\n"
             "int common_thing; static int local_fn(int x) { return x; }\n"
             "int user(int x) { return getdisksize(x) + bar(x) + __udivdi3_like(x) + local_fn(x)"
             " + (maybe ? maybe(x) : 0); }\n")
    b = _obj(tmp_path, "b", "int bar(int x) { return x + 1; }\nint inner(int x) { return bar(x); }\n")
    c = _obj(tmp_path, "disk", "int getdisksize(int x) { return x * 512; }\n")
    return tmp_path, a, b, c


def test_objects_and_archives_match_nm(objs):
    tmp, a, b, c = objs
    lib = _ar(tmp, "libmix.a", a, b)
    for path in (a, b, lib):
        assert defined_globals(path) == _nm(path, False)
    # weak undefined references never fail a link: left out
    assert undefined_globals(a) == {"getdisksize", "bar", "__udivdi3_like"}
    # inside one archive, bar is defined by a member: not undefined
    assert undefined_globals(lib) == {"getdisksize", "__udivdi3_like"}
    assert "common_thing" in defined_globals(lib) and "local_fn" not in defined_globals(lib)


def test_missing_names_the_defining_library(objs):
    tmp, a, b, c = objs
    user = _ar(tmp, "libuser.a", a)
    provided = _ar(tmp, "libprov.a", b)
    disk = _ar(tmp, "librumpdev_disk.a", c)
    miss = missing_symbols([str(user)], [str(provided)], {"rumpdev_disk": str(disk)})
    # __-prefixed names bind to the host (not renamed by Makefile.rump): exempt
    assert miss == [Missing("getdisksize", ["libuser.a(user_with_a_rather_long_object_name.o)"], "rumpdev_disk")]
    assert "add -lrumpdev_disk" in to_table(miss)
    assert json.loads(to_json(miss))[0]["defined_in"] == "rumpdev_disk"
    # without the candidate it must be stubbed
    miss = missing_symbols([str(a)], [str(provided)], {})
    assert [(m.name, m.defined_in) for m in miss] == [("getdisksize", None)]
    assert "stub it" in to_table(miss)
    assert missing_symbols([str(a)], [str(provided), str(disk)], {}) == []


def test_bad_inputs(tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello\n")
    with pytest.raises(ELFFormatError, match="not an ELF"):
        defined_globals(txt)
    bad = tmp_path / "libbad.a"
    bad.write_bytes(b"!<arch>\nshort")
    with pytest.raises(ELFFormatError):
        defined_globals(bad)
