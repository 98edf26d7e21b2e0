"""The make backend: the NetBSD Makefile of each component, as NetBSD would commit it.

A thin seam over the Makefile writer (rumpbuild.rules.makefile.makefile_for):
the Makefile is made from the evaluated tree, not from the plan's argvs, so write() needs the session the plan came from.  One library
writes OUTDIR/Makefile; several write OUTDIR/lib<LIB>/Makefile each.
"""

from __future__ import annotations

import os

from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic

NAME = "make"
CAN_BUILD = False


def write(plan, outdir: str, *, verbose: bool = False, session=None, entries=None) -> list[str]:
    from rumpbuild.rules.makefile import makefile_for

    if session is None:
        raise UserError("the make backend writes Makefiles from the evaluated tree and needs its session",
                        ["use `rumpbuild rules NAME --format make -o DIR`"])
    if entries is None:
        entries = [session.find_component(lib.name) for lib in plan.libraries]
    written = []
    for entry in entries:
        name, text = makefile_for(session, entry)
        folder = outdir if len(entries) == 1 else os.path.join(outdir, f"lib{entry.lib or entry.name}")
        path = os.path.join(folder, name)
        write_atomic(path, text)
        written.append(path)
    return written
