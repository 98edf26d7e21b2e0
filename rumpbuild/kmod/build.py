"""Build a kernel module (NAME.kmod) from the tree's ``sys/modules/NAME/Makefile``.

Flags are the evaluated ``${CFLAGS} ${CPPFLAGS}`` of that Makefile under
rumpbuild's model of bsd.kmodule.mk, which ``.-include``s the tree's
``sys/arch/<cpu>/include/Makefile.inc`` (amd64: ``-mcmodel=kernel`` …) as
NetBSD's does.  No mk.conf is read: a kmod is built as for a NetBSD kernel,
not with buildrump's additions.  Per source: ``cc ${CFLAGS} ${CPPFLAGS} -c
${COPTS.x} ${CPUFLAGS.x} ${CPPFLAGS.x} x.c -o x.o`` in the object folder
(which holds bsd.klinks.mk's ``machine``/``x86`` links); then
``cc -nostdlib -r [-Wl,-T,sys/modules/xldscripts/kmodule] -o NAME.kmod objs``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rumpbuild.backends.targets import run_in_session
from rumpbuild.errors import UnknownNameError, UserError
from rumpbuild.fsutil import inside
from rumpbuild.model.targets import ObjectTarget, ProgramPlan
from rumpbuild.steps.klinks import make_klinks


@dataclass
class KmodBuild:
    name: str
    kmod: str  # path of NAME.kmod
    objects: list[str]
    link_argv: list[str]
    compile_argvs: list[list[str]] = field(default_factory=list)


def find_module(session, name: str):
    from rumpbuild.tree.scan import scan

    res = scan(session.tree, session.target.make_vars(), session.make_overrides(), recipes=True,
               objroot=os.path.join(session.outdir, "kmod-obj"), kinds=("module",))
    mods = res.of_kind("module")
    for m in mods:
        if name in (m.name, m.kmod):
            if m.error:
                raise UserError(m.error["message"], ["`rumpbuild scan` lists all errors"])
            return m
    raise UnknownNameError("kernel module", name, sorted({n for m in mods for n in (m.name, m.kmod) if n}),
                           ["`rumpbuild scan` lists every module (kind \"module\")"])


def kmod_script(tree) -> str | None:
    p = tree.sys / "modules" / "xldscripts" / "kmodule"
    return str(p) if p.is_file() else None


def compile_argv(session, entry, source: str, obj: str) -> list[str]:
    recipe = entry.recipe.check()
    tc = session.toolchain
    per_file = list(recipe.kmod_per_file.get(os.path.basename(source), ()))
    flags = entry.cflags + list(recipe.kmod_cflags) + entry.cppflags
    if source.endswith((".S", ".s")):
        flags = entry.aflags + entry.cppflags + ["-x", "assembler-with-cpp"]
    flags = tc.drop_flags(flags + ["-c"] + per_file, source=source)
    return kmod_cc(tc) + host_default_undo(tc) + flags + [source, "-o", obj]


def kmod_cc(tc) -> list[str]:
    """The toolchain's cc for kernel code.

    zig cc puts its C library's headers ahead of ``-isystem`` folders even
    with ``-nostdinc`` (zig 0.17: ``<sys/errno.h>`` resolves to musl's), and
    kmods include the tree through ``-isystem $S``.  ``<cpu>-linux-none``
    has no C library headers and keeps the Linux ABI's 16-byte stack
    alignment; ``<cpu>-freestanding`` would not on i386 (its code then calls
    into the host C library with a misaligned stack: musl's SSE
    ``movaps`` faults).
    """
    cc = list(tc.cc)
    if tc.name == "zig" and "-target" in cc:
        k = cc.index("-target") + 1
        cc[k] = cc[k].split("-")[0] + "-linux-none"
    return cc


def host_default_undo(tc) -> list[str]:
    """NetBSD's compiler does not default to PIE; Debian's gcc does, which -mcmodel=kernel rejects."""
    macros = tc.predefined or {}
    return ["-fno-pie"] if "__PIE__" in macros or "__pie__" in macros else []


def kmod_plan(session, entry, outdir: str) -> ProgramPlan:
    """NAME.kmod as a target of the model: one ObjectTarget per C/assembler source (compiled in the
    object folder), linked `-nostdlib -r` (kind "relocatable") with the tree's kmodule link script."""
    missing = [s.name for s in entry.sources if s.status != "found"]
    if missing:
        raise UserError(f"module {entry.name}: sources not found or generated: {', '.join(missing[:6])} "
                        f"({entry.makefile})", ["rumpbuild builds modules whose sources are all in the tree"])
    objdir = entry.recipe.objdir or os.path.join(session.outdir, "kmod-obj", entry.name)
    objects = []
    for s in entry.sources:
        stem, suffix = os.path.splitext(os.path.basename(s.name))
        if suffix not in (".c", ".S", ".s"):
            continue
        obj = os.path.join(objdir, stem + ".o")
        objects.append(ObjectTarget(s.path, obj, tuple(compile_argv(session, entry, s.path, obj)), objdir,
                                    what=f"{stem}.o for module {entry.name}",
                                    hints=("try another compiler with --toolchain gcc|clang|zig",)))
    if not objects:
        raise UserError(f"module {entry.name}: its Makefile lists no C or assembler sources ({entry.makefile})")
    kname = (entry.kmod or entry.name) + ".kmod"
    script = kmod_script(session.tree)
    return ProgramPlan(inside(os.path.join(outdir, kname), outdir), "relocatable", tuple(kmod_cc(session.toolchain)),
                       tuple(objects), flags=(f"-Wl,-T,{script}",) if script else (), what=kname)


def build_kmod(session, name: str, outdir: str | None = None) -> KmodBuild:
    """Compile and link NAME.kmod (kmod_plan, run by the session's backend); where it is, the commands."""
    entry = find_module(session, name)
    out = os.path.abspath(outdir or session.outdir)
    plan = kmod_plan(session, entry, out)
    objdir = plan.objects[0].cwd
    os.makedirs(objdir, exist_ok=True)
    if entry.klinks:
        make_klinks(objdir, session.target.klinks(session.tree.sys))
    os.makedirs(out, exist_ok=True)
    ran = run_in_session(session, [plan], builddir=objdir)
    objs = [o.out for o in plan.objects]
    return KmodBuild(entry.kmod or entry.name, plan.out, objs, list(ran[plan.out].argv),
                     [list(o.argv) for o in plan.objects])
