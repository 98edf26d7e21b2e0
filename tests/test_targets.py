"""Programs, kmods and extra objects as targets of the model (rumpbuild.model.targets), run by
rumpbuild.backends.targets.run_targets: in-process (the default) or through a build.ninja."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rumpbuild
from rumpbuild.backends.targets import run_targets
from rumpbuild.errors import UserError
from rumpbuild.model.targets import ObjectTarget, ProgramPlan, host_object

PACKAGE = Path(rumpbuild.__file__).parent
CC = shutil.which("x86_64-linux-gnu-gcc") or shutil.which("gcc")
needs_gcc = pytest.mark.skipif(CC is None, reason="needs gcc for amd64")


@pytest.fixture
def steps_env(monkeypatch):
    """ninja's commands (`python -m rumpbuild.steps`) import this rumpbuild, not another install."""
    monkeypatch.setenv("PYTHONPATH", str(PACKAGE.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))


class _Tc:
    cc = (CC,)


def _program(tmp_path: Path, main_body: str = 'puts(greeting());') -> ProgramPlan:
    (tmp_path / "greet.h").write_text("const char *greeting(void);\n")
    (tmp_path / "main.c").write_text(f'#include <stdio.h>\n#include "greet.h"\nint main(void) {{ {main_body} '
                                     'return 0; }\n')
    (tmp_path / "greet.c").write_text('const char *greeting(void) { return "hello from a ProgramPlan"; }\n')
    objs = tuple(host_object(_Tc, str(tmp_path / f"{s}.c"), str(tmp_path / "obj" / f"{s}.o")) for s in ("main", "greet"))
    return ProgramPlan(str(tmp_path / "bin" / "hello"), "program", (CC,), objs, libs=("-lc",), what="hello")


@needs_gcc
@pytest.mark.parametrize("backend", ["scons", "ninja"])
def test_a_program_builds_and_runs_with_each_backend(tmp_path, steps_env, backend):
    plan = _program(tmp_path)
    results = run_targets([plan], backend=backend, builddir=str(tmp_path / "build"))
    assert set(results) == {plan.out} | {o.out for o in plan.objects}
    assert all(r.ok for r in results.values())
    assert subprocess.run([plan.out], capture_output=True, text=True).stdout == "hello from a ProgramPlan\n"
    # the link as the user would run it: the real output name, objects first
    argv = list(results[plan.out].argv)
    assert argv[argv.index("-o") + 1] == plan.out and argv[-1] == "-lc"
    if backend == "ninja":
        assert (tmp_path / "build" / "build.ninja").is_file()
        p = subprocess.run(["ninja", "-C", tmp_path / "build", "-n", plan.out], capture_output=True, text=True)
        assert "no work to do" in p.stdout
        (tmp_path / "greet.h").write_text("const char *greeting(void); /* changed */\n")
        p = subprocess.run(["ninja", "-C", tmp_path / "build", "-n", plan.out], capture_output=True, text=True)
        assert "CC " + plan.objects[0].out in p.stdout and "greet.o" not in p.stdout  # the header's user only


@needs_gcc
@pytest.mark.parametrize("backend", ["scons", "ninja"])
def test_a_failed_compile_is_one_message_and_nothing_is_linked(tmp_path, steps_env, backend):
    plan = _program(tmp_path, main_body="this is not C;")
    with pytest.raises(UserError) as exc:
        run_targets([plan], backend=backend, builddir=str(tmp_path / "build"))
    text = exc.value.render()
    assert "compiling main.c failed" in text and "error:" in text and "the command was:" in text
    results = run_targets([plan], backend=backend, builddir=str(tmp_path / "build"), check=False)
    assert not results[plan.out].ok and "error:" in results[plan.out].output
    assert results[plan.objects[1].out].ok and not os.path.exists(plan.out)


@needs_gcc
@pytest.mark.parametrize("backend", ["scons", "ninja"])
def test_a_relocatable_link_keeps_both_objects_symbols(tmp_path, steps_env, backend):
    plan = _program(tmp_path)
    kmod = ProgramPlan(str(tmp_path / "both.kmod"), "relocatable", (CC,), plan.objects)
    run_targets([kmod], backend=backend, builddir=str(tmp_path / "build"))
    nm = subprocess.run(["nm", "--defined-only", kmod.out], capture_output=True, text=True, check=True).stdout
    assert {"main", "greeting"} <= {line.split()[-1] for line in nm.splitlines()}


def test_only_backends_and_steps_compile_or_link():
    """One compile function and one link function, called through the runner: no other package
    imports rumpbuild.steps.compile or rumpbuild.steps.link."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("backends", "steps") or "exampletree" in rel.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in ("rumpbuild.steps.compile", "rumpbuild.steps.link"):
                offenders.append(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.ImportFrom) and node.module == "rumpbuild.steps" and \
                    {a.name for a in node.names} & {"compile", "link"}:
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_an_unknown_link_kind_is_refused():
    with pytest.raises(ValueError):
        ProgramPlan("/x", "dll", ("cc",), ())


def test_object_targets_are_frozen_data():
    o = ObjectTarget("/s.c", "/s.o", ("cc", "-c", "/s.c"), "/")
    with pytest.raises(AttributeError):
        o.out = "/t.o"  # type: ignore[misc]


# -- through the commands, on the example tree -------------------------------------------------

def _cli(tmp_path, *args):
    p = subprocess.run([sys.executable, "-m", "rumpbuild", *map(str, args)], capture_output=True, text=True,
                       cwd=tmp_path, env=dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path / "cache"),
                                              PYTHONPATH=str(PACKAGE.parent)))
    assert "Traceback" not in p.stderr
    return p


@pytest.mark.live
@needs_gcc
def test_smoke_program_built_by_ninja_passes_like_the_default(tmp_path):
    if not (shutil.which("mkfs.vfat") and shutil.which("mcopy")):
        pytest.skip("needs mkfs.vfat and mcopy")
    steps = {}
    for backend in ("scons", "ninja"):
        p = _cli(tmp_path, "test", "msdos", "--toolchain", "gcc", "--shared", "no", "--backend", backend,
                 "--out", tmp_path / backend, "-q", "--json", "-j", "2")
        doc = json.loads(p.stdout)
        assert p.returncode == 0 and doc["ok"], doc
        steps[backend] = [(s["name"], s["status"], s["variant"]) for s in doc["steps"]]
    assert steps["ninja"] == steps["scons"]
    workdir = tmp_path / "ninja" / "smoke" / "rumpfs_msdos"
    assert "rumptest-static" in (workdir / "build.ninja").read_text()
    assert not (tmp_path / "scons" / "smoke" / "rumpfs_msdos" / "build.ninja").exists()
    p = subprocess.run(["ninja", "-C", workdir, "-n"], capture_output=True, text=True)
    assert "no work to do" in p.stdout


@pytest.mark.live
@needs_gcc
def test_kmod_built_by_ninja_equals_the_default(tmp_path):
    kmods = {}
    for backend in ("scons", "ninja"):
        p = _cli(tmp_path, "kmod", "build", "msdos", "--toolchain", "gcc", "--backend", backend,
                 "--out", tmp_path / backend, "-q", "--json")
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        assert doc["link"][doc["link"].index("-o") + 1] == doc["kmod"]  # the link, not ninja's argv
        kmods[backend] = Path(doc["kmod"])
    nm = {b: subprocess.run(["nm", k], capture_output=True, text=True, check=True).stdout for b, k in kmods.items()}
    assert "msdosfs_mount" in nm["scons"] and nm["ninja"] == nm["scons"]
    assert kmods["ninja"].read_bytes() == kmods["scons"].read_bytes()
    assert any((tmp_path / "ninja" / "kmod-obj").rglob("build.ninja"))
