"""Incremental builds: header dependencies come from the compiler's depfiles (`-MD`).

A changed header rebuilds exactly the objects whose last compile read it; a
header whose timestamp moved but whose content did not rebuilds nothing.
"""

from __future__ import annotations

import os
import shutil

import pytest

from rumpbuild.steps.headerdeps import read_depfile

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)


def _objects(out):
    found = {}
    for root, _dirs, files in os.walk(out / "obj"):
        for f in files:
            if f.endswith((".o", ".pico")):
                p = os.path.join(root, f)
                found[os.path.relpath(p, out)] = os.stat(p).st_mtime_ns
    return found


@pytest.fixture
def built_copy(run_cli, example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    out = tmp_path / "out"
    args = ("component", "tmpfs", "msdos", "--src", src, "--arch", "amd64", "--toolchain", "zig", "--out", out, "-q")
    status, _, err = run_cli(*args)
    assert status == 0, err
    return src, out, args


def test_depfiles_name_the_headers_read(built_copy):
    src, out, _ = built_copy
    objdir = out / "obj" / "sys" / "rump" / "fs" / "lib" / "libtmpfs"
    deps = read_depfile(str(objdir / "tmpfs_vfsops.o.d"), str(objdir))
    real = {os.path.realpath(d) for d in deps}
    assert os.path.realpath(src / "sys" / "fs" / "tmpfs" / "tmpfs_args.h") in real
    assert os.path.realpath(src / "sys" / "fs" / "tmpfs" / "tmpfs_vfsops.c") in real
    assert all(os.path.isabs(d) for d in deps)
    other = {os.path.realpath(d) for d in read_depfile(str(objdir / "tmpfs_subr.o.d"), str(objdir))}
    assert os.path.realpath(src / "sys" / "fs" / "tmpfs" / "tmpfs_args.h") not in other


def test_changed_header_rebuilds_exactly_its_includers(built_copy, run_cli):
    src, out, args = built_copy
    before = _objects(out)
    header = src / "sys" / "fs" / "tmpfs" / "tmpfs_args.h"
    header.write_text(header.read_text() + "\n/* changed */\n")
    status, _, err = run_cli(*args)
    assert status == 0, err
    after = _objects(out)
    changed = {o for o in after if after[o] != before[o]}
    lib = os.path.join("obj", "sys", "rump", "fs", "lib", "libtmpfs")
    assert changed == {os.path.join(lib, "tmpfs_vfsops.o"), os.path.join(lib, "tmpfs_vfsops.pico")}


def test_touched_header_rebuilds_nothing(built_copy, run_cli):
    src, out, args = built_copy
    before = _objects(out)
    header = src / "sys" / "fs" / "tmpfs" / "tmpfs.h"
    st = header.stat()
    os.utime(header, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    status, _, err = run_cli(*args)
    assert status == 0, err
    assert _objects(out) == before


def test_read_depfile_escapes_and_continuations(tmp_path):
    d = tmp_path / "x.o.d"
    d.write_text("x.o: /abs/a.c rel/b.h \\\n  /with\\ space/c.h\n/abs/a.c:\n")
    assert read_depfile(str(d), "/cwd") == ["/abs/a.c", "/cwd/rel/b.h", "/with space/c.h"]
    assert read_depfile(str(tmp_path / "missing.d"), "/cwd") == []


def test_digest_lives_in_the_depfile(tmp_path):
    from rumpbuild.steps import headerdeps

    h = tmp_path / "a.h"
    h.write_text("#define A 1\n")
    obj = str(tmp_path / "x.o")
    d = tmp_path / "x.o.d"
    d.write_text("x.o: a.h")  # no final newline: the digest still goes on a line of its own
    assert not headerdeps.is_current(obj, str(tmp_path))  # compiled, not yet recorded (interrupted)
    headerdeps.record(obj, str(tmp_path))
    assert d.read_text().splitlines()[-1].startswith("# rumpbuild-headers ")
    assert read_depfile(str(d), str(tmp_path)) == [str(h)]  # make comment: not a prerequisite
    assert headerdeps.is_current(obj, str(tmp_path))
    headerdeps._digests.clear()  # a new run
    h.write_text("#define A 2\n")
    assert not headerdeps.is_current(obj, str(tmp_path))
    d.unlink()
    headerdeps.record(obj, str(tmp_path))  # a compiler that wrote no depfile: nothing recorded
    assert not headerdeps.is_current(obj, str(tmp_path))


def test_changed_flags_rebuild_that_library_only(built_copy, run_cli):
    src, out, args = built_copy
    before = _objects(out)
    mk = src / "sys" / "rump" / "fs" / "lib" / "libtmpfs" / "Makefile"
    mk.write_text(mk.read_text().replace("-DTMPFS_EXAMPLE", "-DTMPFS_EXAMPLE -DTMPFS_CHANGED"))
    status, _, err = run_cli(*args)
    assert status == 0, err
    after = _objects(out)
    changed = {o for o in after if after[o] != before[o]}
    tmpfs = {o for o in after if "libtmpfs" in o}
    assert changed == tmpfs and len(tmpfs) == 6


def test_clean_rebuild_reuses_the_plan(built_copy, run_cli, monkeypatch, tmp_path):
    # same request, fresh output folder, unchanged tree: no Makefile is evaluated again
    import shutil as _shutil

    from rumpbuild.session import BuildSession

    src, out, args = built_copy
    _shutil.rmtree(out)

    def no_scan(self):
        raise AssertionError("evaluated the tree although the stored plan was valid")

    monkeypatch.setattr(BuildSession, "scan", no_scan)
    status, _, err = run_cli(*args)
    assert status == 0, err
    assert (out / "librumpfs_tmpfs.a").exists() and (out / "librumpfs_msdos.so.0").exists()


def test_stored_plan_follows_changed_sources(built_copy, run_cli):
    # the closure reads C sources: a new getdisksize() call in tmpfs must add rumpdev_disk
    import json
    import shutil as _shutil

    src, out, args = built_copy
    _shutil.rmtree(out)
    c = src / "sys" / "fs" / "tmpfs" / "tmpfs_subr.c"
    c.write_text(c.read_text() + "#include <sys/disk.h>\n"
                 "int tmpfs_example_size(void) { return getdisksize(0, 0, 0); }\n")
    status, stdout, err = run_cli(*args, "--json")
    assert status == 0, err
    assert "rumpdev_disk" in json.loads(stdout)["link"]["rumpfs_tmpfs"]


def test_changed_template_is_not_served_from_the_stored_plan(built_copy, run_cli, monkeypatch):
    # stored plans keep their rendered SConscripts: a changed template must make a new plan
    from rumpbuild.model import plancache
    from rumpbuild.session import BuildSession
    from rumpbuild.templates import template_dir

    src, out, args = built_copy
    shutil.rmtree(out)
    j2 = template_dir() / "SConscript.j2"
    st = j2.stat()
    scans = []
    real_scan = BuildSession.scan
    monkeypatch.setattr(BuildSession, "scan", lambda self: scans.append(1) or real_scan(self))
    try:
        os.utime(j2, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        plancache.package_stamp.cache_clear()
        status, _, err = run_cli(*args)
    finally:
        os.utime(j2, ns=(st.st_atime_ns, st.st_mtime_ns))
        plancache.package_stamp.cache_clear()
    assert status == 0, err
    assert scans, "the stored plan was used although a template changed"


def test_compile_error_names_file_and_line(built_copy, run_cli):
    # the compiler's own message reaches the user (one pipe per compile), then what to try
    src, out, args = built_copy
    c = src / "sys" / "fs" / "tmpfs" / "tmpfs_subr.c"
    lines = c.read_text().splitlines()
    c.write_text("\n".join(lines + ["int tmpfs_broken(void) { return undeclared_name; }"]) + "\n")
    status, _, err = run_cli(*args)
    assert status == 1
    assert f"tmpfs_subr.c:{len(lines) + 1}:" in err and "undeclared_name" in err
    assert "Traceback" not in err and "--toolchain" in err
