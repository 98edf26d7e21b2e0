"""Compile one extra C file as rump kernel code, as a library of the tree would.

rumpbuild writes a few C files of its own that must see the tree's kernel
headers and become part of the rump namespace: the smoke test's mount
arguments and the stubs for missing kernel functions.  Each is compiled with
the exact argv of a C object of a faction (its flags, include links and object
folder), then renamed with Makefile.rump's rule, and archived.
"""

from __future__ import annotations

import os
import subprocess

from rumpbuild.elf.archive import write_archive
from rumpbuild.elf.rename import rename_symbols, rename_table
from rumpbuild.errors import UserError


def compile_kernel_c(session, lib_plan, src: str, obj: str, what: str, hints=()) -> str:
    """Compile *src* to *obj* with *lib_plan*'s flags, rename it; UserError naming *what* on failure."""
    model = next((o for o in lib_plan.objects if o.lang == "c" and not o.user), None)
    if model is None:
        raise UserError(f"{lib_plan.lib} has no C object whose flags rumpbuild could use for {what}")
    argv = list(model.argv["static"])
    k = argv.index(model.source)
    argv = argv[:k] + [src, "-o", obj]
    os.makedirs(lib_plan.objdir, exist_ok=True)
    p = subprocess.run(argv, cwd=lib_plan.objdir, capture_output=True, text=True)
    if p.returncode != 0:
        raise UserError(f"compiling {what} failed:\n{p.stderr.strip()[-2000:]}", list(hints))
    table = rename_table(obj, session.target)
    if table:
        rename_symbols(obj, obj, table)
    return obj


def archiver(toolchain) -> list[str] | None:
    """`AR` when the user set it (run as `AR crs`); None: rumpbuild's own writer (rumpbuild.elf.archive)."""
    return list(toolchain.ar) if os.environ.get("AR", "").strip() else None


def archive_objects(toolchain, archive: str, objs: list[str]) -> str:
    """Archive *objs* into *archive* with *toolchain*'s archiver choice (see archiver())."""
    return write_library(archiver(toolchain), archive, objs)


def write_library(ar: list[str] | None, archive: str, objs: list[str]) -> str:
    """Archive *objs* into *archive*, in order: with `AR crs` when *ar* is given, else with
    rumpbuild's own writer; through a temporary name (no half-written archive).  UserError on failure."""
    if not ar:
        return write_archive(archive, objs)
    tmp = os.path.join(os.path.dirname(archive), "." + os.path.basename(archive) + ".tmp")
    if os.path.exists(tmp):
        os.unlink(tmp)
    p = subprocess.run(list(ar) + ["crs", tmp, *objs], capture_output=True, text=True)
    if p.returncode != 0:
        raise UserError(f"archiving {os.path.basename(archive)} failed: {p.stderr.strip()}")
    os.replace(tmp, archive)
    return archive
