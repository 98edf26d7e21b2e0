"""`rumpbuild ci`: the matrix on the example tree, dist folder, JUnit, summaries, changed:REV,
the GitHub workflow, and compiler launchers (a fake ccache; a real distccd on 127.0.0.1)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rumpbuild.arch import resolve
from rumpbuild.errors import UserError
from rumpbuild.smoke import runner

SMOKE_STEPS = ["smoke.build", "smoke.image", "smoke.link[static]", "smoke.rump_init[static]",
               "smoke.etfs[static]", "smoke.mount[static]", "smoke.read[static]", "smoke.write[static]",
               "smoke.readback[static]", "smoke.unmount[static]", "smoke.hostimage[static]"]


def _need(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip("needs " + ", ".join(missing) + " (bash .ci/install)")


def _ci(*args, env=None, cwd=None):
    e = dict(os.environ, CI="1")
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "rumpbuild", "ci", *map(str, args)], capture_output=True,
                          text=True, env=e, cwd=cwd, timeout=900)


def _junit(path) -> dict:
    """{(arch, component, step): status} from junit.xml, checking its structure on the way."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    out = {}
    n = 0
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in cases)
        for c in cases:
            _ci_, arch, comp = c.get("classname").split(".", 2)
            status = "FAIL" if c.find("failure") is not None else "SKIP" if c.find("skipped") is not None else "PASS"
            if status == "FAIL":
                assert c.find("failure").get("message")
            float(c.get("time"))
            out[(arch, comp, c.get("name"))] = status
            n += 1
    assert int(root.get("tests")) == n
    return out


@pytest.fixture(scope="session")
def example_run(tmp_path_factory):
    _need("mkfs.vfat", "mcopy", resolve("evbarm").qemu)
    out = tmp_path_factory.mktemp("ci")
    p = _ci("--arch", "amd64,evbarm", "--components", "fs", "--toolchain", "zig", "--out", out, "--json")
    return p, out  # its wall time is benchmarks/bench_ci.py's figure, not a test


@pytest.mark.live
def test_matrix_dist_contents(example_run):
    p, out = example_run
    assert p.returncode == 0, p.stderr
    dist = out / "dist"
    assert sorted(os.listdir(dist)) == ["earmv7hf", "junit.xml", "summary.json", "summary.md", "x86_64"]
    for arch in ("x86_64", "earmv7hf"):
        files = set(os.listdir(dist / arch))
        for lib in ("rumpfs_msdos", "rumpfs_tmpfs", "rump", "rumpvfs", "rumpuser",
                    "rumpdev_disk"):  # msdos's link closure has the disk component
            assert {f"lib{lib}.a", f"lib{lib}_pic.a", f"lib{lib}.so.0", f"lib{lib}.so"} <= files, (arch, lib)
        assert os.readlink(dist / arch / "librumpfs_msdos.so") == "librumpfs_msdos.so.0"
        cc = json.loads((dist / arch / "compile_commands.json").read_text())
        sources = {os.path.basename(c["file"]) for c in cc}
        assert {"msdosfs_vfsops.c", "tmpfs_vnops.c", "rump.c"} <= sources
        assert all(c["output"].endswith((".o", ".pico")) for c in cc)
    # each build folder keeps its own SCons signatures (not one database shared by every folder)
    assert (out / "build" / "x86_64" / ".sconsign.dblite").is_file()
    assert (out / "build" / "earmv7hf" / ".sconsign.dblite").is_file()
    # the same bytes as the build folder (hard links or copies)
    assert (dist / "x86_64" / "librumpfs_tmpfs.a").read_bytes() == (out / "build" / "x86_64"
                                                                    / "librumpfs_tmpfs.a").read_bytes()


@pytest.mark.live
def test_matrix_junit(example_run):
    p, out = example_run
    cases = _junit(out / "dist" / "junit.xml")
    for arch in ("x86_64", "earmv7hf"):
        assert cases[(arch, "base", "build")] == "PASS"
        for comp in ("msdos", "tmpfs"):
            assert cases[(arch, comp, "build")] == "PASS"
        msdos = [s for (a, c, s) in cases if a == arch and c == "msdos" and s.startswith("smoke")]
        assert [s for s in SMOKE_STEPS if s in msdos] == SMOKE_STEPS, msdos
        assert all(cases[(arch, "msdos", s)] == "PASS" for s in msdos)
        tmpfs = {s for (a, c, s) in cases if a == arch and c == "tmpfs" and s.startswith("smoke")}
        assert "smoke.image" not in tmpfs and cases[(arch, "tmpfs", "smoke.readback[static]")] == "PASS"


@pytest.mark.live
def test_matrix_summaries_and_progress(example_run):
    p, out = example_run
    doc = json.loads(p.stdout)  # --json prints summary.json
    assert doc == json.loads((out / "dist" / "summary.json").read_text())
    assert doc["format"] == 1 and doc["ok"] is True and doc["example_tree"] is True and doc["selection"] == "fs"
    assert doc["arches"] == ["x86_64", "earmv7hf"] and doc["components"] == ["msdos", "tmpfs"]
    assert doc["totals"]["failed"] == 0 and doc["failures"] == []
    assert doc["totals"]["tests"] == doc["totals"]["passed"] + doc["totals"]["skipped"]
    r = doc["results"]["earmv7hf"]
    assert r["machine"] == "evbarm" and r["toolchain"] == "zig" and r["base"]["status"] == "PASS"
    assert r["components"]["msdos"]["status"] == "PASS" and r["components"]["msdos"]["lib"] == "rumpfs_msdos"
    assert r["components"]["msdos"]["smoke"]["status"] == "PASS"
    assert {"name": "mount", "variant": "static", "status": "PASS"}.items() <= \
        next(s for s in r["components"]["msdos"]["smoke"]["steps"] if s["name"] == "mount").items()
    assert "librumpfs_msdos.so.0" in r["files"]
    md = (out / "dist" / "summary.md").read_text()
    assert "| component | `x86_64` | `earmv7hf` |" in md
    assert "| msdos | ✅ / ✅ | ✅ / ✅ |" in md and "| *base* | ✅ | ✅ |" in md
    # CI=1: plain progress lines on stderr, one per finished step
    lines = [l for l in p.stderr.splitlines() if l.startswith("[")]
    assert len(lines) == 10 and lines[0].startswith("[ 1/10] x86_64    base") and "PASS" in lines[0]


def _broken_tree(tmp_path) -> Path:
    from rumpbuild.tree import example_tree_path

    tree = tmp_path / "tree"
    shutil.copytree(example_tree_path(), tree)
    conv = tree / "sys" / "fs" / "msdosfs" / "msdosfs_conv.c"
    conv.write_text(conv.read_text() + "\nint rumpbuild_broken(void) { return undeclared_on_purpose; }\n")
    return tree


@pytest.mark.live
def test_one_broken_component_does_not_stop_the_others(tmp_path):
    _need("mkfs.vfat", "mcopy")
    tree = _broken_tree(tmp_path)
    p = _ci("--src", tree, "--arch", "amd64", "--toolchain", "zig", "--out", tmp_path / "o", "-q")
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr and not p.stderr.strip()  # --quiet: no progress
    last = p.stdout.strip().splitlines()
    assert last[-1].startswith("ci FAILED:") and "1 failed" in last[-1]
    assert any(l.startswith("FAILED x86_64 msdos build:") for l in last)
    # the compiler's own error line (file:line), not the "the build in … failed:" header
    n = len((Path(__file__).parent.parent / "rumpbuild" / "exampletree" / "sys" / "fs" / "msdosfs"
             / "msdosfs_conv.c").read_text().splitlines()) + 2
    assert any(l.startswith("FAILED x86_64 msdos build:") and f"msdosfs_conv.c:{n}:" in l and "error:" in l
               for l in last), last
    cases = _junit(tmp_path / "o" / "dist" / "junit.xml")
    assert cases[("x86_64", "msdos", "build")] == "FAIL"
    assert cases[("x86_64", "msdos", "smoke")] == "SKIP"
    assert cases[("x86_64", "tmpfs", "build")] == "PASS"
    assert cases[("x86_64", "tmpfs", "smoke.readback[static]")] == "PASS"
    root = ET.parse(tmp_path / "o" / "dist" / "junit.xml").getroot()
    fail = root.find(".//testcase[@classname='ci.x86_64.msdos'][@name='build']/failure")
    assert "undeclared_on_purpose" in fail.text and "msdosfs_conv.c" in fail.text
    files = os.listdir(tmp_path / "o" / "dist" / "x86_64")
    assert "librumpfs_tmpfs.a" in files and "librumpfs_msdos.a" not in files
    doc = json.loads((tmp_path / "o" / "dist" / "summary.json").read_text())
    assert doc["ok"] is False and [(f["component"], f["step"]) for f in doc["failures"]] == [("msdos", "build")]
    md = (tmp_path / "o" / "dist" / "summary.md").read_text()
    assert "| msdos | ❌ <sup>[1]</sup> / ⏭ |" in md and "1. `x86_64` msdos build:" in md
    cc = json.loads((tmp_path / "o" / "dist" / "x86_64" / "compile_commands.json").read_text())
    assert any(c["file"].endswith("msdosfs_conv.c") for c in cc)  # failed libraries keep their commands


def test_failed_build_prints_the_compiler_error_lines(tmp_path, mockcc, monkeypatch):
    # engine logic (mockcc): the error line, not the warnings printed after it, reaches the terminal
    monkeypatch.setenv("MOCKCC_FAIL", "msdosfs_conv.c")
    monkeypatch.setenv("MOCKCC_WARN", "30")
    p = _ci("--arch", "amd64", "--components", "msdos", "--out", tmp_path / "o", "-j", "1")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    err = p.stderr.splitlines()
    at = next(i for i, l in enumerate(err) if "msdos" in l and "FAIL" in l)
    assert "msdosfs_conv.c:1:1: error: mockcc was told to fail this file" in err[at + 1], err[at:at + 3]
    assert not any("warning:" in l for l in err)
    assert any(l.startswith("FAILED x86_64 msdos build:") and "msdosfs_conv.c:1:1: error:" in l
               for l in p.stdout.splitlines()), p.stdout


def _session(src, out):
    from rumpbuild.session import BuildSession

    return BuildSession.from_args(argparse.Namespace(src=str(src), arch="amd64", toolchain="zig", out=str(out)))


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   check=True, capture_output=True)


def test_changed_selects_components_by_sources_fragments_and_closure(tmp_path):
    _need("git")
    from rumpbuild.ci.select import select_components
    from rumpbuild.tree import example_tree_path

    repo = tmp_path / "repo"
    shutil.copytree(example_tree_path(), repo)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "tree")

    def selected():
        return [e.name for e in select_components(_session(repo, tmp_path / "o"), "changed:HEAD")]

    assert selected() == []
    src = repo / "sys" / "fs" / "tmpfs" / "tmpfs_vnops.c"
    src.write_text(src.read_text() + "\n/* changed */\n")
    assert selected() == ["tmpfs"]  # one fs source: only its component
    _git(repo, "commit", "-qam", "tmpfs")
    assert selected() == []
    frag = repo / "sys" / "rump" / "fs" / "lib" / "Makefile.inc"
    frag.write_text(frag.read_text() + "\n# changed\n")
    assert selected() == ["msdos", "tmpfs"]  # an included fragment: every component reading it
    _git(repo, "checkout", "-q", "--", ".")
    vfs = repo / "sys" / "rump" / "librump" / "rumpvfs" / "rump_vfs.c"
    vfs.write_text(vfs.read_text() + "\n/* changed */\n")
    assert sorted(selected()) == ["cgd", "msdos", "tmpfs"]  # librumpvfs: in every fs component's (and cgd's) closure
    _git(repo, "checkout", "-q", "--", ".")
    dsk = repo / "sys" / "rump" / "dev" / "lib" / "libdisk" / "disk_component.c"
    dsk.write_text(dsk.read_text() + "\n/* changed */\n")
    assert sorted(selected()) == ["disk", "msdos"]  # the disk component, and msdos which links it


def test_changed_bad_revision_and_unknown_names(tmp_path):
    p = _ci("--arch", "amd64", "--components", "changed:no-such-rev", "--toolchain", "zig", "--out", tmp_path)
    assert p.returncode == 1 and "changed:REV needs --src to be a git work tree" in p.stderr
    p = _ci("--arch", "amd64", "--components", "msdoss", "--toolchain", "zig", "--out", tmp_path)
    assert p.returncode == 1 and "did you mean 'msdos'" in p.stderr
    p = _ci("--arch", "amd64,vax9", "--toolchain", "zig", "--out", tmp_path)
    assert p.returncode == 1 and "vax9" in p.stderr and "Traceback" not in p.stderr


def test_fs_selection_follows_the_tree_subdir_list(tmp_path):
    from rumpbuild.ci.select import select_components
    from rumpbuild.tree import example_tree_path

    tree = tmp_path / "tree"
    shutil.copytree(example_tree_path(), tree)
    comp = tree / "sys" / "rump" / "fs" / "Makefile.rumpfscomp"
    comp.write_text(comp.read_text().replace("RUMPFSCOMP=\tmsdos tmpfs",
                                             "RUMPFSCOMP=\tmsdos\n.if ${MKZFS} != \"no\"\nRUMPFSCOMP+=\ttmpfs\n.endif"))
    assert [e.name for e in select_components(_session(tree, tmp_path / "o"), "fs")] == ["msdos"]
    s = _session(tree, tmp_path / "o2")
    s.defines["MKZFS"] = "yes"
    assert [e.name for e in select_components(s, "fs")] == ["msdos", "tmpfs"]


# -- the GitHub workflow ----------------------------------------------------------

def test_emit_github_workflow(tmp_path):
    yaml = pytest.importorskip("yaml")
    wf = tmp_path / ".github" / "workflows" / "rump.yml"
    p = _ci("--emit-workflow", "github", "-o", wf, "--arch", "amd64,evbarm", "--toolchain", "zig", "--rumpbuild-spec", "tools/rumpbuild-0.1.0-py3-none-any.whl")
    assert p.returncode == 0, p.stderr
    doc = yaml.safe_load(wf.read_text())
    assert set(doc[True]) >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as true
    job = doc["jobs"]["rumpbuild"]
    assert job["strategy"]["matrix"]["arch"] == ["amd64", "evbarm"]
    steps = job["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert {"actions/checkout", "actions/setup-python", "actions/cache", "actions/upload-artifact",
            "mikepenz/action-junit-report"} <= set(uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "apt-get install" in runs and "qemu-user" in runs and "pip install" in runs
    install = next(line for line in runs.splitlines() if "apt-get install" in line)
    # every smoke-test image recipe's tools (rumpbuild/smoke/images.toml), so no smoke step skips there
    recipes = tomllib.loads((Path(runner.__file__).parent / "images.toml").read_text())
    packages = {pkg for r in recipes.values() for pkg in r.get("tools", {}).values()}
    assert {"makefs", "dosfstools", "e2fsprogs", "xorriso", "genisoimage", "nilfs-tools"} <= packages
    from rumpbuild.ci.workflow import ESSENTIAL

    for package in packages - ESSENTIAL:  # (coreutils, util-linux: in every image)
        assert package in install.split(), (package, install)
    # and the Python modules the recipes import (images.toml `modules`: amitools), beside rumpbuild itself
    pip = next(line for line in runs.splitlines() if "pip install" in line)
    assert {p for r in recipes.values() for p in r.get("modules", {}).values()} == {"amitools"}
    assert "amitools" in pip.split("#")[0].split(), pip
    assert 'rumpbuild ci --src . --arch "${{ matrix.arch }}"' in runs and "--toolchain zig" in runs
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs and "summary.md" in runs
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert {"~/.cache/rumpbuild", "~/.cache/zig"} <= set(cache["with"]["path"].split())
    report = next(s for s in steps if s.get("uses", "").startswith("mikepenz/"))
    assert report["with"]["report_paths"] == "rumpbuild-ci/dist/junit.xml" and report["if"] == "always()"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "rumpbuild-ci/dist" and "matrix.arch" in upload["with"]["name"]
    assert doc["permissions"]["checks"] == "write"
    # stdout without -o
    p2 = _ci("--emit-workflow", "github", "--arch", "amd64,evbarm", "--toolchain", "zig", "--rumpbuild-spec", "tools/rumpbuild-0.1.0-py3-none-any.whl")
    assert p2.stdout == wf.read_text()
    if shutil.which("actionlint"):
        lint = subprocess.run(["actionlint", "-shellcheck=", "-pyflakes=", str(wf)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout + lint.stderr


# -- progress -------------------------------------------------------------------

def test_progress_live_plain_quiet(capsys):
    from rumpbuild.ci.matrix import StepResult
    from rumpbuild.ci.progress import CIProgress

    for live, quiet in ((True, False), (False, False), (False, True)):
        with CIProgress(2, quiet=quiet, live=live) as pr:
            pr.start("x86_64", "msdos", "build")
            pr.begin(3)
            pr("CC", "obj/a.o")
            pr.done("x86_64", "msdos", "build", StepResult("FAIL", "a [bold]b[/] c\nmore", 1.0))
            pr.done("x86_64", "msdos", "smoke", StepResult("SKIP", "no facts", 0.0))
        err = capsys.readouterr().err
        if quiet:
            assert err == ""
        elif not live:
            assert err.splitlines() == ["[1/2] x86_64    msdos        build  FAIL    1.0 s  a [bold]b[/] c",
                                        "[2/2] x86_64    msdos        smoke  SKIP    0.0 s  no facts"]


# -- compiler launchers ---------------------------------------------------------

def test_launcher_missing_or_unknown(tmp_path, monkeypatch):
    from rumpbuild.toolchain.launcher import resolve_launcher

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError) as exc:
        resolve_launcher("sccache")
    assert "not installed" in exc.value.message and "apt-get install sccache" in exc.value.hints
    with pytest.raises(UserError) as exc:
        resolve_launcher("ccach")
    assert "did you mean 'ccache'" in exc.value.message
    monkeypatch.setenv("RUMPBUILD_LAUNCHER", "distcc")
    with pytest.raises(UserError) as exc:
        resolve_launcher(None)
    assert "apt-get install distcc" in exc.value.hints
    assert resolve_launcher("none") == [] and resolve_launcher("") == []


class _Count:
    def __init__(self):
        self.steps = []

    def begin(self, total):
        pass

    def __call__(self, kind, path):
        self.steps.append(kind)


def test_launcher_wraps_compiles_and_switching_rebuilds_nothing(tmp_path, monkeypatch, mockcc):
    # engine logic only: the recording mock compiler (CC=tests/fixtures/mockcc) compiles nothing
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "launched.log"
    fake = bindir / "ccache"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RUMPBUILD_LAUNCHER", "ccache")
    from rumpbuild.session import BuildSession

    session = BuildSession.from_args(argparse.Namespace(arch="amd64", toolchain="zig", out=str(tmp_path / "o")))
    assert list(session.launcher) == [str(fake)]
    entry = session.find_component("tmpfs")
    first = _Count()
    session.build([entry], shared=False, progress=first)
    launched = log.read_text().splitlines()
    assert first.steps.count("CC") == len(launched) == 6 and all("tmpfs" in l for l in launched)
    cc = json.loads((tmp_path / "o" / "compile_commands.json").read_text())
    assert not any("ccache" in a for c in cc for a in c["arguments"])  # the plain compiler
    session.request = dataclasses.replace(session.request, launcher=())
    again = _Count()
    session.build([entry], shared=False, progress=again)
    assert "CC" not in again.steps  # the launcher is not part of any signature


def _most_at_once(log: Path) -> int:
    """The most compiles running at once, from a launcher's start/end lines."""
    events = []
    for line in log.read_text().splitlines():
        kind, stamp = line.split()
        events.append((int(stamp), 1 if kind == "end" else 0, kind))
    running = most = 0
    for _, _, kind in sorted(events):  # an end sorts before a start at the same instant
        running += 1 if kind == "start" else -1
        most = max(most, running)
    return most


@pytest.mark.parametrize("jobs", [1, 2])
def test_jobs_limits_compilers_running_at_once(tmp_path, monkeypatch, jobs, mockcc):
    # SCons gets 2N threads (bookkeeping overlaps compiles) but -j N still means N compilers
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "running.log"
    fake = bindir / "ccache"
    fake.write_text(f'#!/bin/sh\necho "start $(date +%s%N)" >> {log}\nsleep 0.2\n"$@"\nrc=$?\n'
                    f'echo "end $(date +%s%N)" >> {log}\nexit $rc\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RUMPBUILD_LAUNCHER", "ccache")
    from rumpbuild.session import BuildSession

    session = BuildSession.from_args(argparse.Namespace(arch="amd64", toolchain="zig", out=str(tmp_path / "o"),
                                                        jobs=jobs))
    session.build([session.find_component("tmpfs")], shared=False, progress=_Count())
    assert len(log.read_text().splitlines()) == 12  # 6 compiles, start and end
    assert _most_at_once(log) == jobs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.live
def test_distcc_compiles_remotely(tmp_path, monkeypatch):
    _need("distcc", "distccd", "x86_64-linux-gnu-gcc")
    if not Path("/usr/lib/distcc/x86_64-linux-gnu-gcc").exists():
        pytest.skip("distccd only runs compilers listed in /usr/lib/distcc (run update-distcc-symlinks)")
    port = _free_port()
    log = tmp_path / "distccd.log"
    with open(log, "w") as logf:
        daemon = subprocess.Popen(["distccd", "--no-detach", "--log-stderr", "--log-level", "info",
                                   "--allow", "127.0.0.1", "--listen", "127.0.0.1", "--port", str(port), "-j", "2"],
                                  stderr=logf, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        env = {"DISTCC_HOSTS": f"127.0.0.1:{port}/2", "DISTCC_FALLBACK": "0", "DISTCC_SKIP_LOCAL_RETRY": "1",
               "DISTCC_DIR": str(tmp_path)}
        p = subprocess.run([sys.executable, "-m", "rumpbuild", "component", "tmpfs", "--arch", "amd64",
                            "--toolchain", "gcc", "--launcher", "distcc", "--out", str(tmp_path / "o"), "-q"],
                           capture_output=True, text=True, env=dict(os.environ, **env), timeout=600)
        assert p.returncode == 0, p.stderr
    finally:
        os.killpg(daemon.pid, 15)
        daemon.wait(timeout=10)
    done = [l for l in log.read_text().splitlines() if "COMPILE_OK" in l]
    assert len(done) == 6, log.read_text()  # 3 sources × (static, PIC), each compiled by distccd
    assert {os.path.basename(l.split()[-1]) for l in done} == {"tmpfs_vfsops.c", "tmpfs_vnops.c", "tmpfs_subr.c"}
    cc = json.loads((tmp_path / "o" / "compile_commands.json").read_text())
    assert cc[0]["arguments"][0].endswith("x86_64-linux-gnu-gcc")


def test_smoke_skip_reasons_follow_the_facts(tmp_path, example_tree, monkeypatch):
    """A fact that needs --stubs is a SKIP naming the command; an image tool that is missing names its package;
    image-less and tool-complete facts run."""
    from rumpbuild.ci.matrix import smoke_skip_reason
    from rumpbuild.smoke import runner

    session = _session(example_tree, tmp_path / "out")
    msdos, tmpfs = session.find_component("msdos"), session.find_component("tmpfs")
    real = runner.fs_facts
    assert smoke_skip_reason(session, tmpfs) is None
    monkeypatch.setattr(runner, "fs_facts", lambda name: dict(real(name), stubs="it calls lwp_addref"))
    reason = smoke_skip_reason(session, tmpfs)
    assert reason == "tmpfs's test needs stubs (`rumpbuild test tmpfs --stubs`): it calls lwp_addref"
    monkeypatch.setattr(runner, "fs_facts", real)
    monkeypatch.setenv("PATH", str(tmp_path))  # no mkfs.vfat
    assert "(apt-get install dosfstools)" in smoke_skip_reason(session, msdos)
    session.lock.release()
