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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from rumpbuild.errors import UnknownNameError, UserError
from rumpbuild.fsutil import inside
from rumpbuild.steps.compile import compile_object
from rumpbuild.steps.klinks import make_klinks
from rumpbuild.steps.link import link


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


def build_kmod(session, name: str, outdir: str | None = None) -> KmodBuild:
    """Compile and link NAME.kmod; returns where it is and the commands used."""
    entry = find_module(session, name)
    missing = [s.name for s in entry.sources if s.status != "found"]
    if missing:
        raise UserError(f"module {entry.name}: sources not found or generated: {', '.join(missing[:6])} "
                        f"({entry.makefile})", ["rumpbuild builds modules whose sources are all in the tree"])
    objdir = entry.recipe.objdir or os.path.join(session.outdir, "kmod-obj", entry.name)
    os.makedirs(objdir, exist_ok=True)
    if entry.klinks:
        make_klinks(objdir, session.target.klinks(session.tree.sys))
    jobs = []
    for s in entry.sources:
        stem, suffix = os.path.splitext(os.path.basename(s.name))
        if suffix not in (".c", ".S", ".s"):
            continue
        obj = os.path.join(objdir, stem + ".o")
        jobs.append((compile_argv(session, entry, s.path, obj), obj))
    if not jobs:
        raise UserError(f"module {entry.name}: its Makefile lists no C or assembler sources ({entry.makefile})")

    def run(job):
        argv, obj = job
        if session.verbose:
            print(" ".join(argv))
        return compile_object(argv, objdir, obj, depfile=False)

    with ThreadPoolExecutor(max_workers=session.jobs or os.cpu_count() or 2) as pool:
        results = list(pool.map(run, jobs))
    for (argv, obj), ran in zip(jobs, results):
        if not ran.ok:
            raise UserError(f"compiling {os.path.basename(obj)} for module {entry.name} failed:\n"
                            f"{ran.output.strip()[-2500:]}",
                            [f"the command was: {' '.join(argv)}",
                             "try another compiler with --toolchain gcc|clang|zig"])
    out = outdir or session.outdir
    os.makedirs(out, exist_ok=True)
    kname = (entry.kmod or entry.name) + ".kmod"
    kmod = inside(os.path.join(out, kname), out)
    objs = [o for _a, o in jobs]
    script = kmod_script(session.tree)
    ran = link(kmod_cc(session.toolchain), kmod, objs, kind="relocatable",
               flags=[f"-Wl,-T,{script}"] if script else [])
    if not ran.ok:
        raise UserError(f"linking {kname} failed:\n{ran.output.strip()[-2500:]}",
                        [f"the command was: {' '.join(ran.argv)}"])
    link_argv = list(ran.argv)
    return KmodBuild(entry.kmod or entry.name, kmod, objs, link_argv, [a for a, _o in jobs])
