"""One output folder, several runs: a lock per folder, nothing lost, damaged outputs rebuilt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rumpbuild.model.outlock import LOCK_NAME, lock_outdir, release_all

REPO = Path(__file__).resolve().parents[1]


def _rumpbuild(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "rumpbuild", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _libs(out: Path) -> set[str]:
    return {p.name for p in out.glob("lib*.a")}


@pytest.fixture
def tree(example_tree, tmp_path):
    src = tmp_path / "tree"
    shutil.copytree(example_tree, src, symlinks=True)
    return src


def test_two_components_into_one_folder_at_once_both_kept(tree, tmp_path):
    out = tmp_path / "X"
    common = ("--src", tree, "--arch", "amd64", "--toolchain", "zig", "--out", out)
    a = _rumpbuild("component", "msdos", *common, cwd=tmp_path)
    b = _rumpbuild("component", "tmpfs", *common, cwd=tmp_path)
    ra, rb = a.communicate(), b.communicate()
    assert a.returncode == 0, ra[1]
    assert b.returncode == 0, rb[1]
    assert {"librumpfs_msdos.a", "librumpfs_tmpfs.a"} <= _libs(out)
    # one of them waited for the other, and said so
    assert "waiting for the build in" in ra[1] + rb[1]


def test_no_wait_stops_with_a_message(tree, tmp_path):
    out = tmp_path / "busy"
    lock_outdir(str(out))  # this test process holds the folder
    try:
        p = _rumpbuild("component", "msdos", "--src", tree, "--out", out, "--no-wait", cwd=tmp_path)
        _, err = p.communicate()
    finally:
        release_all()
    assert p.returncode == 1
    assert f"another rumpbuild run is using {out} (pid {os.getpid()})" in err
    assert "Traceback" not in err


def test_failing_run_keeps_what_an_earlier_run_made(tree, tmp_path, run_cli):
    out = tmp_path / "X"
    common = ("--src", tree, "--arch", "amd64", "--toolchain", "zig", "--out", out, "-q")
    status, _, err = run_cli("component", "msdos", *common)
    assert status == 0, err
    before = _libs(out)
    mk = tree / "sys" / "rump" / "fs" / "lib" / "libtmpfs" / "Makefile"
    mk.write_text(mk.read_text() + "\n.error broken on purpose\n")
    status, _, err = run_cli("component", "tmpfs", *common)
    assert status == 1 and "broken on purpose" in err
    assert _libs(out) == before and "librumpfs_msdos.a" in before


def test_failing_run_removes_the_folder_it_made(tree, tmp_path, run_cli):
    mk = tree / "sys" / "rump" / "fs" / "lib" / "libtmpfs" / "Makefile"
    mk.write_text(mk.read_text() + "\n.error broken on purpose\n")
    out = tmp_path / "fresh"
    status, _, err = run_cli("component", "tmpfs", "--src", tree, "--out", out)
    assert status == 1 and "broken on purpose" in err
    assert not out.exists()


@pytest.mark.parametrize("victim", ["librumpfs_msdos.a", "librumpfs_msdos_pic.a", "librumpfs_msdos.so.0"])
def test_damaged_output_is_rebuilt(tree, tmp_path, run_cli, victim):
    out = tmp_path / "o"
    args = ("component", "msdos", "--src", tree, "--arch", "amd64", "--toolchain", "zig", "--out", out, "-q")
    status, _, err = run_cli(*args)
    assert status == 0, err
    path = out / victim
    good = path.read_bytes()
    os.truncate(path, len(good) // 2)
    status, _, err = run_cli(*args)
    assert status == 0, err
    assert f"{victim} changed since it was built" in err
    assert path.read_bytes() == good


def test_touched_output_is_not_rebuilt(tree, tmp_path, run_cli):
    out = tmp_path / "o"
    args = ("component", "msdos", "--src", tree, "--arch", "amd64", "--toolchain", "zig", "--out", out, "-q")
    assert run_cli(*args)[0] == 0
    path = out / "librumpfs_msdos.a"
    os.utime(path)
    status, _, err = run_cli(*args)
    assert status == 0, err
    assert "changed since it was built" not in err


def test_lock_file_lives_in_the_output_folder(tree, tmp_path, run_cli):
    out = tmp_path / "o"
    assert run_cli("component", "msdos", "--src", tree, "--arch", "amd64", "--toolchain", "zig", "--out", out,
                   "-q")[0] == 0
    assert (out / LOCK_NAME).is_file()
