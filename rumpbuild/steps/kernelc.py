"""Compile one extra C file as rump kernel code, as a library of the tree would.

rumpbuild writes a few C files of its own that must see the tree's kernel
headers and become part of the rump namespace: the smoke test's mount
arguments and the stubs for missing kernel functions.  Each is compiled with
the exact argv of a C object of a faction (its flags, include links and object
folder), then renamed with Makefile.rump's rule, and archived.
"""

from __future__ import annotations

import os

from rumpbuild.elf.archive import write_archive
from rumpbuild.errors import UserError
from rumpbuild.steps.tools import run_tool


def compile_kernel_c(session, lib_plan, src: str, obj: str, what: str, hints=()) -> str:
    """Compile *src* to *obj* with *lib_plan*'s flags, rename it; UserError naming *what* on failure."""
    from rumpbuild.steps.compile import compile_object

    model = next((o for o in lib_plan.objects if o.lang == "c" and not o.user), None)
    if model is None:
        raise UserError(f"{lib_plan.lib} has no C object whose flags rumpbuild could use for {what}")
    argv = list(model.argv["static"])
    k = argv.index(model.source)
    argv = argv[:k] + [src, "-o", obj]
    ran = compile_object(argv, lib_plan.objdir, obj, depfile=False, rename={}, target=session.target)
    if not ran.ok:
        raise UserError(f"compiling {what} failed:\n{ran.output.strip()[-2000:]}", list(hints))
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
    ran = run_tool(list(ar) + ["crs", tmp, *objs])
    if not ran.ok:
        raise UserError(f"archiving {os.path.basename(archive)} failed: {ran.output.strip()}")
    os.replace(tmp, archive)
    return archive
