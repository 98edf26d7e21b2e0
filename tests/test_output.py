"""What commands print and leave (#15.8): plain tables when piped, `test` lines as they happen,
the toolchain first, zig's first-link note, merged compile_commands.json, `-D VAR+=`,
`--dry-run`, `clean`.  Builds use the recording mock compiler (tests/fixtures/mockcc)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rumpbuild.errors import UserError
from rumpbuild.session import parse_defines

CHECKOUT = Path(__file__).resolve().parents[1]
MOCK_OBJECT = Path(__file__).parent / "fixtures" / "mockcc.o"


def _cli(*args, env=None, **kw):
    e = dict(os.environ, PYTHONPATH=str(CHECKOUT))
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "rumpbuild", *map(str, args)], capture_output=True, text=True,
                          env=e, timeout=900, **kw)


# -- piped tables ------------------------------------------------------------------

def test_piped_scan_table_is_not_cut(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")  # what a narrow terminal or a pipe would get from rich
    status, out, err = run_cli("scan")
    assert status == 0, err
    assert "…" not in out
    rows = {line.split()[1]: line.split() for line in out.splitlines() if line.startswith(("component", "candidate"))}
    assert rows["msdos"][:4] == ["component", "msdos", "rumpfs_msdos", "fs"]
    assert rows["cpiofs"][:2] == ["candidate", "cpiofs"]
    assert "\x1b[" not in out  # no colour codes in a pipe


@pytest.mark.live
def test_piped_doctor_table_is_not_cut(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    status, out, err = run_cli("doctor", "--arch", "amd64")
    assert status == 0, err
    assert "…" not in out and "\x1b[" not in out and "│" not in out  # plain columns, no box, no colour
    rows = [l.split() for l in out.splitlines()]
    first = [r[:1] for r in rows].index(["amd64/x86_64"])
    assert rows[first][1].rstrip("*") in ("gcc", "clang", "zig")  # whole cells: arch, then a toolchain
    assert any(r[:1] == ["zig"] or r[:2] == ["amd64/x86_64", "zig"] for r in rows[first:first + 3])
    assert "runs the generated Makefiles; cross-checks the mk evaluator" in out


# -- test: lines as they happen ----------------------------------------------------

def test_test_output_streams_when_piped(tmp_path, mockcc):
    # the mock compiler holds the smoke program's compile until `go` exists: what `test` printed
    # by then reached the pipe while it was still running
    go = tmp_path / "go"
    env = {"MOCKCC_HOLD_IF": "rumptest", "MOCKCC_HOLD_UNTIL": str(go)}
    p = subprocess.Popen([sys.executable, "-m", "rumpbuild", "test", "msdos", "--arch", "amd64",
                          "--out", tmp_path / "o", "--shared", "no"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env=dict(os.environ, PYTHONPATH=str(CHECKOUT), **env))
    try:
        first = p.stdout.readline()
        assert first.startswith("smoke test of rumpfs_msdos on amd64") and "(custom)" in first
        seen = [p.stdout.readline() for _ in range(2)]
        assert seen[0].split()[:2] == ["PASS", "build"] and seen[1].split()[:2] == ["PASS", "image"], seen
        assert p.poll() is None  # still running (held): the lines came through the pipe as they happened
    finally:
        go.touch()
        rest = p.communicate(timeout=600)[0]
    assert rest.strip().splitlines()[-1] in ("PASSED", "FAILED")


# -- the toolchain first; zig's first link ---------------------------------------------

def test_build_says_its_toolchain_first(run_cli, mockcc, tmp_path):
    status, _, err = run_cli("component", "tmpfs", "--arch", "amd64", "--out", tmp_path / "o")
    assert status == 0, err
    assert err.splitlines()[0].startswith("rumpbuild: amd64/x86_64 with custom ")
    status, _, err = run_cli("kernel", "--arch", "amd64", "--out", tmp_path / "o", "--dry-run")
    assert status == 0, err
    assert err.splitlines()[0].startswith("rumpbuild: amd64/x86_64 with custom ")


@pytest.mark.live  # probes zig (compile only)
def test_zig_first_link_note(run_cli, tmp_path, monkeypatch):
    empty = tmp_path / "zig-empty"
    monkeypatch.setenv("ZIG_GLOBAL_CACHE_DIR", str(empty))
    status, _, err = run_cli("component", "tmpfs", "--arch", "amd64", "--toolchain", "zig",
                             "--out", tmp_path / "o", "--dry-run")
    assert status == 0, err
    assert "zig has no C library for x86_64-linux-musl" in err and str(empty) in err
    # a cache holding an x86_64 crt1.o: no note
    have = tmp_path / "zig-have"
    (have / "o" / "0123").mkdir(parents=True)
    shutil.copyfile(MOCK_OBJECT, have / "o" / "0123" / "crt1.o")
    monkeypatch.setenv("ZIG_GLOBAL_CACHE_DIR", str(have))
    status, _, err = run_cli("component", "tmpfs", "--arch", "amd64", "--toolchain", "zig",
                             "--out", tmp_path / "o", "--dry-run")
    assert status == 0, err
    assert "zig has no C library" not in err and "with zig" in err.splitlines()[0]


# -- compile_commands.json -------------------------------------------------------------

def test_compile_commands_merge_per_output_folder(run_cli, mockcc, tmp_path):
    out = tmp_path / "o"
    for name in ("tmpfs", "msdos", "tmpfs"):
        status, _, err = run_cli("component", name, "--arch", "amd64", "--out", out, "-q")
        assert status == 0, err
    cc = json.loads((out / "compile_commands.json").read_text())
    files = sorted(os.path.basename(c["file"]) for c in cc)
    assert {"tmpfs_subr.c", "msdosfs_conv.c"} <= set(files)  # the other library's entries are kept
    outputs = [c["output"] for c in cc]
    assert len(outputs) == len(set(outputs))  # a rebuilt library replaces its own entries


# -- -D VAR+=VALUE -------------------------------------------------------------------

def test_parse_defines_append():
    assert parse_defines(["CFLAGS+=-g"]) == {"CFLAGS+": "-g"}
    assert parse_defines(["CFLAGS+=-g", "CFLAGS+=-O0"]) == {"CFLAGS+": "-g -O0"}
    assert parse_defines(["CFLAGS=-O1", "CFLAGS+=-g"]) == {"CFLAGS": "-O1 -g"}
    assert parse_defines(["CFLAGS+=-g", "CFLAGS=-O1"]) == {"CFLAGS": "-O1"}
    assert parse_defines(["MKZFS=yes"]) == {"MKZFS": "yes"}
    for bad in ("+=x", "NOVALUE", "=x"):
        with pytest.raises(UserError) as exc:
            parse_defines([bad])
        assert "VAR+=VALUE" in exc.value.message


def test_define_append_reaches_every_compile(run_cli, mockcc, tmp_path):
    status, _, err = run_cli("component", "tmpfs", "--arch", "amd64", "--out", tmp_path / "o", "-q",
                             "-D", "CPPFLAGS+=-DRUMPBUILD_APPENDED")
    assert status == 0, err
    compiles = mockcc.compiles()
    assert len(compiles) == 6
    for c in compiles:  # appended: the Makefile's own flags stay
        assert "-DRUMPBUILD_APPENDED" in c["argv"] and "-DTMPFS_EXAMPLE" in c["argv"]


# -- --dry-run -------------------------------------------------------------------------

def test_dry_run_prints_the_commands_and_builds_nothing(run_cli, mockcc, tmp_path):
    out = tmp_path / "o"
    status, text, err = run_cli("component", "tmpfs", "--arch", "amd64", "--out", out, "--dry-run")
    assert status == 0, err
    compiles = [l for l in text.splitlines() if l.startswith("(cd ") and " -c " in l]
    assert len(compiles) == 6 and all("mockcc" in l for l in compiles)
    assert any("tmpfs_subr.c" in l and l.rstrip(")").endswith("tmpfs_subr.pico") for l in compiles)
    assert any(" -shared " in l and "librumpfs_tmpfs.so.0" in l for l in text.splitlines())
    assert mockcc.compiles() == [] and not list(out.glob("lib*"))
    status, text, err = run_cli("kernel", "--arch", "amd64", "--out", out, "--dry-run", "--only", "rumpvfs")
    assert status == 0, err
    assert text.startswith("# librumpvfs (") and mockcc.compiles() == [] and not list(out.glob("lib*"))


# -- clean ---------------------------------------------------------------------------

def test_clean_removes_a_build_folder(run_cli, mockcc, tmp_path):
    out = tmp_path / "o"
    assert run_cli("component", "tmpfs", "--arch", "amd64", "--out", out, "-q")[0] == 0
    status, text, err = run_cli("clean", "--out", out, "--dry-run")
    assert status == 0 and "would remove" in text and out.is_dir()
    status, text, err = run_cli("clean", "--out", out)
    assert status == 0, err
    assert not out.exists() and "removed" in text


def test_clean_default_folder(run_cli, mockcc):
    assert run_cli("component", "tmpfs", "--arch", "amd64", "-q")[0] == 0  # ./rumpbuild-out/x86_64
    assert Path("rumpbuild-out", "x86_64", "rumpbuild-scons.json").is_file()
    status, text, err = run_cli("clean")
    assert status == 0, err
    assert not Path("rumpbuild-out").exists()
    status, text, err = run_cli("clean")
    assert status == 0 and "nothing to clean" in text


def test_clean_refuses_a_folder_rumpbuild_did_not_make(run_cli, example_tree, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(example_tree, tree, symlinks=True)
    before = sorted(p.name for p in tree.iterdir())
    status, _, err = run_cli("clean", "--out", tree)
    assert status == 1 and "Traceback" not in err
    assert "does not look like a folder rumpbuild made" in err and "nothing was removed" in err
    assert sorted(p.name for p in tree.iterdir()) == before
    (tmp_path / "mixed").mkdir()
    shutil.copytree(example_tree / "sys" / "fs" / "tmpfs", tmp_path / "mixed" / "keep")
    status, _, err = run_cli("clean", "--out", tmp_path / "mixed")
    assert status == 1 and (tmp_path / "mixed" / "keep").is_dir()
    status, _, err = run_cli("clean", "--out", tmp_path / "nowhere")
    assert status == 1 and "no such folder" in err
