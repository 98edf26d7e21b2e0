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


def compile_commands(plan) -> list[dict]:
    """The entries of compile_commands.json for every object of *plan*."""
    out = []
    for lib in plan.libraries:
        for o in lib.objects:
            for flavour, argv in o.argv.items():
                out.append({"directory": lib.objdir, "file": o.source, "arguments": list(argv),
                            "output": os.path.join(lib.objdir, o.obj(flavour))})
    return out


def write(plan, outdir: str, *, verbose: bool = False) -> list[str]:
    path = os.path.join(outdir, FILE_NAME)
    os.makedirs(outdir, exist_ok=True)
    write_atomic(path, json.dumps(compile_commands(plan), indent=1) + "\n")
    return [path]
