"""The compdb backend: compile_commands.json for editors and clang tools.

One entry per object and flavour (.o and .pico of a source are two entries),
with the full argv the build runs in the object folder.  Launchers (ccache,
distcc) are not in it: tools want the compiler.
"""

from __future__ import annotations

import json
import os

from rumpbuild.fsutil import write_atomic

NAME = "compdb"
CAN_BUILD = False
FILE_NAME = "compile_commands.json"


def write(plan, outdir: str, *, verbose: bool = False, merge: bool = False) -> list[str]:
    """OUTDIR/compile_commands.json for *plan*; with *merge*, other libraries' entries already there
    (earlier runs into the same output folder) stay and this plan's libraries' entries replace theirs."""
    path = os.path.join(outdir, FILE_NAME)
    os.makedirs(outdir, exist_ok=True)
    kept = []
    if merge:
        mine = {lib.objdir for lib in plan.libraries}
        try:
            with open(path) as f:
                old = json.load(f)
            kept = [c for c in old if isinstance(c, dict) and c.get("directory") not in mine] \
                if isinstance(old, list) else []
        except (OSError, ValueError):
            kept = []
    write_atomic(path, json.dumps(kept + plan.compile_commands(), indent=1) + "\n")
    return [path]
