"""Shared fixtures: the bundled example tree, a real tree from RUMPBUILD_NETBSDSRC, a CLI runner,
and test hygiene (every test in its own working folder, rumpbuild's caches in a temporary place).

Hygiene: `_isolated` (autouse) runs each test in a fresh empty working folder with
RUMPBUILD_CACHE_DIR and XDG_CACHE_HOME pointing at one temporary folder per session, so no test
writes `./rumpbuild-out` or `~/.cache/rumpbuild`.  `_no_stray_writes` (session, autouse) fails the
run when a test process opened a file for writing under `~/.cache` or in the checkout, or when the
checkout's `git status --porcelain --ignored` gained ignored entries (build outputs) or untracked
files in the example tree.

zig's own global cache (its built libc and compiler_rt per target) is kept across test runs, but
not in ~/.cache: the tests point ZIG_GLOBAL_CACHE_DIR at /var/tmp/rumpbuild-tests/zig-cache
(RUMPBUILD_TEST_ZIG_CACHE moves it).  Measured on this 2-core machine, an empty zig cache costs
~55 s for the first `.so` link per target and ~170 s more for the first static musl program, i.e.
15-40 min for the 14 arches the suite builds and smoke-tests, so a fresh folder per run would
dominate the suite; a fresh machine pays it once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rumpbuild.cli import main
from rumpbuild.tree import example_tree_path

FIXTURE_TREES = Path(__file__).parent / "fixtures" / "trees"
CHECKOUT = Path(__file__).resolve().parents[1]
HOME_CACHE = Path.home() / ".cache"
# zig's own cache, kept across runs outside ~/.cache (see the module docstring)
ZIG_CACHE = Path(os.environ.get("RUMPBUILD_TEST_ZIG_CACHE") or "/var/tmp/rumpbuild-tests/zig-cache")


@pytest.fixture(scope="session", autouse=True)
def rumpbuild_cache_dir(tmp_path_factory) -> Path:
    """rumpbuild's cache folder for this test session (probes, plans, config(1) binaries); set for
    the whole session so session-scoped fixtures use it too."""
    root = tmp_path_factory.mktemp("rumpbuild-cache")
    with pytest.MonkeyPatch.context() as mp:
        ZIG_CACHE.mkdir(parents=True, exist_ok=True)
        mp.setenv("ZIG_GLOBAL_CACHE_DIR", str(ZIG_CACHE))
        mp.setenv("RUMPBUILD_CACHE_DIR", str(root))
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        mp.chdir(tmp_path_factory.mktemp("session-cwd"))
        yield root


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Each test runs in an empty working folder of its own."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


def _watched(path: str) -> bool:
    """A path no test may write: ~/.cache and the checkout (except bytecode)."""
    p = os.path.abspath(path)
    if p.startswith(str(HOME_CACHE) + os.sep):
        return True
    return p.startswith(str(CHECKOUT) + os.sep) and "__pycache__" not in p and ".egg-info" not in p


_stray: list[str] = []
_watching = False


def _audit(event: str, args: tuple) -> None:
    """Record this process's writes to watched places (subprocesses get the moved env instead)."""
    if not _watching:
        return
    if event == "open":
        path, mode, flags = args
        writes = (mode is not None and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writes and isinstance(path, (str, os.PathLike)) and _watched(os.fspath(path)):
            _stray.append(f"{event} {os.fspath(path)}")
    elif event in ("os.mkdir", "os.rename", "os.remove", "os.rmdir") and isinstance(args[0], (str, os.PathLike)):
        if _watched(os.fspath(args[0])):
            _stray.append(f"{event} {os.fspath(args[0])}")


def _git_status() -> set[str] | None:
    try:
        r = subprocess.run(["git", "-C", str(CHECKOUT), "status", "--porcelain", "--ignored"],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None  # not a git checkout (an installed wheel): nothing to compare
    # ignored files (build outputs: rumpbuild-out/, .sconsign) anywhere, untracked files only in the
    # example tree: new sources elsewhere are more likely someone editing while the tests run
    return {line for line in r.stdout.splitlines() if "__pycache__" not in line and ".egg-info" not in line
            and (line.startswith("!!") or line.startswith("?? rumpbuild/exampletree/"))}


@pytest.fixture(scope="session", autouse=True)
def _no_stray_writes():
    global _watching
    before = _git_status()
    sys.addaudithook(_audit)  # cannot be removed; `_watching` switches it off
    _watching = True
    yield
    _watching = False
    after = _git_status()
    new = sorted(after - before) if before is not None and after is not None else []
    if _stray or new:
        pytest.fail("tests wrote outside their temporary folders:\n  "
                    + "\n  ".join(sorted(set(_stray))[:20] + [f"git status: {n}" for n in new[:20]]),
                    pytrace=False)


MOCKCC = Path(__file__).parent / "fixtures" / "mockcc"


class MockCC:
    """tests/fixtures/mockcc as CC (amd64 only): what it compiled, in order, from its log."""

    def __init__(self, log: Path):
        self.log = log

    def events(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def compiles(self) -> list[dict]:
        """Finished kernel compiles (toolchain probes left out), each {argv, cwd, t, …}."""
        return [e for e in self.events() if e["event"] == "end" and "probe.c" not in e["argv"]]

    def outputs(self) -> list[str]:
        return sorted(os.path.basename(e["argv"][e["argv"].index("-o") + 1]) for e in self.compiles())

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)


@pytest.fixture
def mockcc(tmp_path, monkeypatch) -> MockCC:
    """Builds use the recording mock compiler (no real compile; probes use the host cc)."""
    if not shutil.which("cc"):
        pytest.skip("mockcc runs the host cc for macros and links; no cc on PATH")
    log = tmp_path / "mockcc.log"
    monkeypatch.setenv("CC", str(MOCKCC))
    monkeypatch.setenv("MOCKCC_LOG", str(log))
    monkeypatch.delenv("AR", raising=False)
    return MockCC(log)


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
