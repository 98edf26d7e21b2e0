"""Programs, kernel modules and extra objects as typed targets of the build model.

Libraries are planned from the tree's Makefiles (rumpbuild.model.plan).  The
rest of what rumpbuild compiles and links is planned here, as plain frozen
data, by small functions:

- :class:`ObjectTarget`: one object, one compile argv run in one folder, and
  optionally Makefile.rump's rename (a kernel C helper compiled with a
  library's flags: :func:`kernel_object`; a host program's object:
  :func:`host_object`; a kernel module's source);
- :class:`ProgramPlan`: a link of objects and archives — ``program`` (smoke
  test, rump_<fs>, the zfs tool), ``shared`` or ``relocatable`` (NAME.kmod):
  :func:`program_plan` for the programs linked with rump libraries.

Nothing here runs a compiler: rumpbuild.backends.targets.run_targets hands
the targets to a backend (in-process by default, or ninja).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rumpbuild.errors import UserError

LINK_KINDS = ("program", "shared", "relocatable")


@dataclass(frozen=True)
class ObjectTarget:
    """An object compiled by running *argv* in *cwd* (the argv names *out*, relative or absolute)."""

    source: str
    out: str  # absolute path of the object
    argv: tuple[str, ...]
    cwd: str
    rename: dict | None = None  # the rename spec ({"norename": …}) or None: keep the names
    what: str = ""  # named in a failure message: "compiling <what> failed" ("the zfs helper")
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgramPlan:
    """A link: *objects* (compiled for it), then *inputs*, *whole_archives* in whole, *flags*, *libs*."""

    out: str  # absolute path of the program, shared library or NAME.kmod
    kind: str  # program | shared | relocatable
    cc: tuple[str, ...]  # the compiler driver that links
    objects: tuple[ObjectTarget, ...]
    inputs: tuple[str, ...] = ()  # objects or archives made elsewhere
    whole_archives: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    libs: tuple[str, ...] = ()
    soname: str | None = None
    what: str = ""
    hints: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in LINK_KINDS:
            raise ValueError(f"unknown link kind {self.kind!r}")

    def link_inputs(self) -> list[str]:
        return [o.out for o in self.objects] + list(self.inputs)


def kernel_object(lib_plan, src: str, out: str, what: str, hints=()) -> ObjectTarget:
    """*src* compiled as rump kernel code: the argv of a C object of *lib_plan* (its flags, include
    links, object folder as cwd), renamed with Makefile.rump's rule (keeping rumpbuild_* names)."""
    model = next((o for o in lib_plan.objects if o.lang == "c" and not o.user), None)
    if model is None:
        raise UserError(f"{lib_plan.lib} has no C object whose flags rumpbuild could use for {what}",
                        ["rumpbuild compiles its own kernel C files with the flags of the library's C objects"])
    argv = list(model.argv["static"])
    k = argv.index(model.source)
    return ObjectTarget(src, os.path.abspath(out), tuple(argv[:k] + [src, "-o", out]), lib_plan.objdir,
                        rename={}, what=what, hints=tuple(hints))


def host_object(toolchain, src: str, out: str, include_dirs=(), flags=(), opt: str = "-O1",
                what: str = "", hints=()) -> ObjectTarget:
    """*src* compiled as a host program's object (large-file, GNU source), in *out*'s folder."""
    argv = (list(toolchain.cc) + [opt, "-D_FILE_OFFSET_BITS=64", "-D_GNU_SOURCE"] + list(flags)
            + [f"-I{d}" for d in include_dirs] + ["-c", src, "-o", out])
    return ObjectTarget(src, os.path.abspath(out), tuple(argv), os.path.dirname(os.path.abspath(out)),
                        what=what or os.path.basename(src), hints=tuple(hints))


def prebuilt_link_flags(tc) -> list[str]:
    """How a program with a converted kmod links: non-PIE, so the kmod's code lies below 2 GB.

    With glibc the C library stays dynamic (the rump libraries are still
    linked in whole): in a static glibc program the link map also lists the
    vDSO, so librumpuser's "static?" test in rumpuser_dl_bootstrap() fails
    and it crashes reading the map.  musl programs link fully static.
    """
    return ["-no-pie"] if tc.libc == "glibc" else ["-static", "-no-pie"]


def program_plan(tc, out: str, objects, libraries, *, shared: bool = False, libdir: str = "",
                 pre_archives=(), no_pie: bool = False, extra_libs=(), what: str = "", hints=()) -> ProgramPlan:
    """A program linked with rump *libraries* (LibraryPlans, link order).

    Static (default): the libraries' archives in whole after *pre_archives*
    (a converted kmod, stubs); libc too with musl, while with glibc it stays
    dynamic (a static glibc link map lists the vDSO and rumpuser_dl_bootstrap
    crashes reading it), which is how buildrump.sh's own tests link.
    *no_pie*: a converted kmod's code (:func:`prebuilt_link_flags`).
    *shared*: against lib<LIB>.so in *libdir*, found there at run time.
    """
    libs = list(extra_libs) + ["-lpthread"] + (["-ldl", "-lrt"] if tc.libc == "glibc" else [])
    what = what or os.path.basename(out)
    if shared:
        flags = ["-L" + libdir, "-Wl,-rpath," + libdir, "-Wl,--no-as-needed"] + [f"-l{l.lib}" for l in libraries]
        return ProgramPlan(os.path.abspath(out), "program", tuple(tc.cc), tuple(objects), flags=tuple(flags),
                           libs=tuple(libs), what=what, hints=tuple(hints))
    flags = prebuilt_link_flags(tc) if no_pie else (["-static"] if tc.libc != "glibc" else [])
    return ProgramPlan(os.path.abspath(out), "program", tuple(tc.cc), tuple(objects),
                       whole_archives=tuple(list(pre_archives) + [l.archive for l in libraries]),
                       flags=tuple(flags), libs=tuple(libs), what=what, hints=tuple(hints))
