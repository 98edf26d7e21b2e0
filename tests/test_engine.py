"""Engine logic with the recording mock compiler (tests/fixtures/mockcc): what gets compiled on
a first build, a no-op rebuild, a changed source, changed flags and a failed compile — without
compiling any kernel code."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def tree(example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    return src


def _build(run_cli, src, out, *names):
    status, _, err = run_cli("component", *names, "--src", src, "--arch", "amd64", "--out", out, "-q")
    return status, err


def test_first_build_compiles_each_source_once_per_flavour(mockcc, run_cli, tree, tmp_path):
    status, err = _build(run_cli, tree, tmp_path / "o", "tmpfs")
    assert status == 0, err
    assert mockcc.outputs() == ["tmpfs_subr.o", "tmpfs_subr.pico", "tmpfs_vfsops.o", "tmpfs_vfsops.pico",
                                "tmpfs_vnops.o", "tmpfs_vnops.pico"]
    assert (tmp_path / "o" / "librumpfs_tmpfs.a").is_file()


def test_noop_rebuild_compiles_nothing(mockcc, run_cli, tree, tmp_path):
    assert _build(run_cli, tree, tmp_path / "o", "tmpfs", "msdos")[0] == 0
    mockcc.clear()
    status, err = _build(run_cli, tree, tmp_path / "o", "tmpfs", "msdos")
    assert status == 0, err
    assert mockcc.outputs() == []


def test_changed_source_rebuilds_only_its_objects(mockcc, run_cli, tree, tmp_path):
    assert _build(run_cli, tree, tmp_path / "o", "tmpfs", "msdos")[0] == 0
    mockcc.clear()
    c = tree / "sys" / "fs" / "tmpfs" / "tmpfs_subr.c"
    c.write_text(c.read_text() + "\n/* changed */\n")
    assert _build(run_cli, tree, tmp_path / "o", "tmpfs", "msdos")[0] == 0
    assert mockcc.outputs() == ["tmpfs_subr.o", "tmpfs_subr.pico"]


def test_changed_flags_rebuild_that_library_only(mockcc, run_cli, tree, tmp_path):
    assert _build(run_cli, tree, tmp_path / "o", "tmpfs", "msdos")[0] == 0
    mockcc.clear()
    mk = tree / "sys" / "rump" / "fs" / "lib" / "libtmpfs" / "Makefile"
    mk.write_text(mk.read_text().replace("-DTMPFS_EXAMPLE", "-DTMPFS_EXAMPLE -DTMPFS_CHANGED"))
    assert _build(run_cli, tree, tmp_path / "o", "tmpfs", "msdos")[0] == 0
    compiles = mockcc.compiles()
    assert len(compiles) == 6 and all("-DTMPFS_CHANGED" in c["argv"] for c in compiles)
    assert all("libtmpfs" in c["cwd"] for c in compiles)


def test_failed_compile_names_the_compiler_error(mockcc, run_cli, tree, tmp_path, monkeypatch):
    monkeypatch.setenv("MOCKCC_FAIL", "tmpfs_vnops.c")
    status, err = _build(run_cli, tree, tmp_path / "o", "tmpfs")
    assert status == 1 and "Traceback" not in err
    assert "tmpfs_vnops.c:1:1: error: mockcc was told to fail this file" in err
    assert not (tmp_path / "o" / "librumpfs_tmpfs.a").exists()


def test_failed_build_shows_the_error_not_the_last_warnings(mockcc, run_cli, tree, tmp_path, monkeypatch):
    # under -j the last lines of output are another compile's warnings; the message shows the error
    monkeypatch.setenv("MOCKCC_FAIL", "tmpfs_subr.c")
    monkeypatch.setenv("MOCKCC_WARN", "50")
    status, err = _build(run_cli, tree, tmp_path / "o", "tmpfs")
    assert status == 1
    assert "tmpfs_subr.c:1:1: error: mockcc was told to fail this file" in err
    assert "warning: mockcc noise" not in err
