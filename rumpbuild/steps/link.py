"""The one link function: shared libraries, programs and relocatable kernel modules.

Every link rumpbuild runs goes through link(): lib<LIB>.so from the PIC
archive (as bsd.lib.mk does), the smoke-test and utility programs, and
`NAME.kmod` (`cc -nostdlib -r`).  The output is written under a temporary
name and renamed, so a failed link never leaves a half-written file.
"""

from __future__ import annotations

import os

from rumpbuild.steps.tools import Ran, run_tool


def link(cc, out: str, inputs=(), *, kind: str = "program", soname: str | None = None,
         whole_archives=(), flags=(), libs=(), cwd: str | None = None) -> Ran:
    """Link *out* from *inputs* (objects, archives) with the compiler driver *cc* (a list).

    *kind*: "program", "shared" (needs *soname*) or "relocatable" (`-nostdlib -r`, a kmod).
    *whole_archives* are linked in whole (every object, as rump components must be: nothing
    references their constructors); *flags* come before the inputs' libraries, *libs*
    (e.g. -lpthread) last.
    """
    tmp = os.path.join(os.path.dirname(out) or ".", "." + os.path.basename(out) + ".tmp")
    argv = link_argv(cc, tmp, inputs, kind=kind, soname=soname, whole_archives=whole_archives, flags=flags,
                     libs=libs)
    if os.path.lexists(tmp):
        os.unlink(tmp)
    ran = run_tool(argv, cwd)
    shown = tuple(out if a == tmp else a for a in ran.argv)  # the command as the user would run it
    if ran.ok:
        os.replace(tmp, out)
    elif os.path.lexists(tmp):
        os.unlink(tmp)
    return Ran(shown, ran.cwd, ran.status, ran.output)


def link_argv(cc, out: str, inputs=(), *, kind: str = "program", soname: str | None = None,
              whole_archives=(), flags=(), libs=()) -> list[str]:
    """The command link() runs (writing *out* directly)."""
    argv = list(cc)
    if kind == "shared":
        if not soname:
            raise ValueError("a shared link needs a soname")
        argv += ["-shared", f"-Wl,-soname,{soname}"]
    elif kind == "relocatable":
        argv += ["-nostdlib", "-r"]
    elif kind != "program":
        raise ValueError(f"unknown link kind {kind!r}")
    argv += ["-o", out, *inputs]
    if whole_archives:
        argv += ["-Wl,--whole-archive", *whole_archives, "-Wl,--no-whole-archive"]
    return argv + list(flags) + list(libs)
