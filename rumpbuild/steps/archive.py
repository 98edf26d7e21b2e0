"""The archive step: lib.a from objects, in order, for every backend and for rumpbuild's own
libraries (the stubs, a converted kmod's).

`AR crs` when the user set AR, else rumpbuild's own writer (rumpbuild.elf.archive: the
same bytes from the same members).  Objects rumpbuild compiles itself are targets of the
model (rumpbuild.model.targets) built by rumpbuild.backends.targets.run_targets.
"""

from __future__ import annotations

import os

from rumpbuild.elf.archive import write_archive
from rumpbuild.errors import UserError
from rumpbuild.steps.tools import run_tool


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
