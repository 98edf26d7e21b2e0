"""Issue 16, defect 10 outside the evaluator: what `component` does with a broken tree.

A component folder whose Makefile is missing, a folder, a FIFO or a dangling
link is refused naming that Makefile (never quietly replaced by a library
generated from sys/modules/NAME), and the evaluator's warnings (`.warning`,
a failing `!=`) reach the user of `component`, not only `scan -v`.
Each run is a subprocess with a timeout: a FIFO must not hang it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MSDOS = Path("sys/rump/fs/lib/libmsdos")


@pytest.fixture
def tree(tmp_path, example_tree):
    dst = tmp_path / "src"
    shutil.copytree(example_tree, dst)
    return dst


def _component(tree: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), RUMPBUILD_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "rumpbuild", "component", "msdos", "--deps",
                           "--src", str(tree), "--out", str(tmp_path / "out"), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def _break(makefile: Path, how: str) -> None:
    makefile.unlink()
    if how == "folder":
        makefile.mkdir()
    elif how == "fifo":
        os.mkfifo(makefile)
    elif how == "dangling link":
        makefile.symlink_to("no-such-file")


@pytest.mark.parametrize("how", ["missing", "folder", "fifo", "dangling link"])
def test_component_with_unusable_makefile_is_refused(tree, tmp_path, how):
    makefile = tree / MSDOS / "Makefile"
    _break(makefile, how)
    p = _component(tree, tmp_path)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert str(MSDOS / "Makefile") in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    assert "-lrumpfs_msdos" not in p.stdout  # nothing generated from sys/modules/msdos


def test_component_with_intact_makefile_links(tree, tmp_path):
    p = _component(tree, tmp_path)
    assert p.returncode == 0, p.stderr
    assert "-lrumpfs_msdos" in p.stdout


def test_warnings_reach_component(tree, tmp_path):
    makefile = tree / MSDOS / "Makefile"
    text = makefile.read_text()
    makefile.write_text(text.replace("COMMENT=", ".warning look here\nFAILS!= exit 7\nCOMMENT=", 1))
    p = _component(tree, tmp_path)
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stderr.splitlines() if "warning" in l]
    assert any("look here" in l and "libmsdos/Makefile:" in l for l in lines), p.stderr
    assert any("exit 7" in l and "status 7" in l for l in lines), p.stderr
