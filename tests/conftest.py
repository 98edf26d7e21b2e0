"""Shared fixtures: the bundled example tree, a real tree from RUMPBUILD_NETBSDSRC, a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rumpbuild.cli import main
from rumpbuild.tree import example_tree_path

FIXTURE_TREES = Path(__file__).parent / "fixtures" / "trees"


@pytest.fixture
def run_cli(capsys):
    """Run `rumpbuild ARGS…` in-process; returns (status, stdout, stderr)."""

    def run(*args):
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture(scope="session")
def example_tree() -> Path:
    return example_tree_path()


@pytest.fixture(scope="session")
def real_tree() -> Path:
    src = os.environ.get("RUMPBUILD_NETBSDSRC")
    if not src:
        pytest.skip("set RUMPBUILD_NETBSDSRC to a NetBSD source tree to run real-tree tests")
    p = Path(src)
    if not (p / "sys" / "rump" / "Makefile.rump").is_file():
        pytest.skip(f"RUMPBUILD_NETBSDSRC={src} holds no sys/rump/Makefile.rump")
    return p


@pytest.fixture
def tree_copy(tmp_path):
    """Copy a fixture tree (tests/fixtures/trees/NAME) into tmp_path."""

    def copy(name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(FIXTURE_TREES / name, dst)
        return dst

    return copy
