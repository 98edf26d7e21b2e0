"""The one compile function: every object rumpbuild makes goes through compile_object().

Component and faction objects (SCons and any other engine), the rump kernel
C files rumpbuild writes itself (mount arguments, stubs), kernel modules and
the smoke-test programs: one argv from the model, run in its folder, then
the header digest for rebuild decisions and Makefile.rump's rename.
"""

from __future__ import annotations

import os

from rumpbuild.steps import headerdeps
from rumpbuild.steps.tools import Ran, run_tool


def compile_object(argv, cwd: str, obj: str, *, launcher=(), depfile: bool = True,
                   generated: frozenset = frozenset(), rename: dict | None = None, target=None) -> Ran:
    """Compile *obj* (the argv's output, relative to *cwd* or absolute) with *argv* in *cwd*.

    *launcher*: ccache/distcc words put in front (never part of the model's argv).
    *depfile*: ask the compiler for a depfile (-MD) and record the headers' digest
    (rumpbuild.steps.headerdeps), so a later run rebuilds when a header's content changed;
    *generated*: headers the build makes (ordinary dependencies, not digested).
    *rename*: the model's rename spec ({"norename": …}) to put the object's symbols into
    the rump namespace for *target* (a rumpbuild.arch.Target), or None to keep names.
    A failed rename (the compiler wrote no usable object) is a failed Ran with the message.
    """
    os.makedirs(cwd, exist_ok=True)
    path = obj if os.path.isabs(obj) else os.path.join(cwd, obj)
    full = list(launcher) + list(argv)
    if depfile:
        full += ["-MD", "-MF", headerdeps.depfile(path)]
    ran = run_tool(full, cwd)
    if not ran.ok:
        return ran
    if depfile:
        headerdeps.record(path, cwd, generated)
    if rename is not None:
        from rumpbuild.elf.rename import rename_object
        from rumpbuild.errors import UserError

        try:
            rename_object(path, target, rename.get("norename") or None)
        except UserError as exc:
            return Ran(ran.argv, cwd, 1, ran.output + exc.render() + "\n")
    return ran
