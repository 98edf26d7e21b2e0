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
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from rumpbuild.errors import UnknownNameError, UserError
from rumpbuild.fsutil import inside


@dataclass
class KmodBuild:
    name: str
    kmod: str  # path of NAME.kmod
    objects: list[str]
    link_argv: list[str]
    compile_argvs: list[list[str]] = field(default_factory=list)


def find_module(session, name: str):
    from rumpbuild.tree.scan import scan

    res = scan(session.tree, session.target.make_vars(), session.make_overrides(), keep_evaluator=True,
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


def _make_klinks(session, entry, objdir: str) -> None:
    if not entry.klinks:
        return
    for name, dst in session.target.klinks(session.tree.sys):
        link = os.path.join(objdir, name)
        if os.path.islink(link) and os.readlink(link) == str(dst):
            continue
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(str(dst), link)


def compile_argv(session, entry, source: str, obj: str) -> list[str]:
    ev = entry.evaluator
    base = os.path.basename(source)
    tc = session.toolchain
    per_file = []
    for var in ("COPTS.", "CPUFLAGS.", "CPPFLAGS."):
        per_file += ev.words(var + base) if ev.lookup(var + base) is not None else []
    flags = entry.cflags + ev.words("RUMPBUILD_CFLAGS") + entry.cppflags
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
    objdir = entry.evaluator.objdir or os.path.join(session.outdir, "kmod-obj", entry.name)
    os.makedirs(objdir, exist_ok=True)
    _make_klinks(session, entry, objdir)
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
        argv, _obj = job
        if session.verbose:
            print(" ".join(argv))
        return subprocess.run(argv, cwd=objdir, capture_output=True, text=True)

    with ThreadPoolExecutor(max_workers=session.jobs or os.cpu_count() or 2) as pool:
        results = list(pool.map(run, jobs))
    for (argv, obj), p in zip(jobs, results):
        if p.returncode != 0:
            raise UserError(f"compiling {os.path.basename(obj)} for module {entry.name} failed:\n"
                            f"{p.stderr.strip()[-2500:]}",
                            [f"the command was: {' '.join(argv)}",
                             "try another compiler with --toolchain gcc|clang|zig"])
    out = outdir or session.outdir
    os.makedirs(out, exist_ok=True)
    kname = (entry.kmod or entry.name) + ".kmod"
    kmod = inside(os.path.join(out, kname), out)
    tmp = os.path.join(out, f".{kname}.tmp")
    objs = [o for _a, o in jobs]
    link = kmod_cc(session.toolchain) + ["-nostdlib", "-r"]
    script = kmod_script(session.tree)
    if script:
        link += [f"-Wl,-T,{script}"]
    link += ["-o", tmp] + objs
    p = subprocess.run(link, capture_output=True, text=True)
    if p.returncode != 0:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise UserError(f"linking {kname} failed:\n{p.stderr.strip()[-2500:]}",
                        [f"the command was: {' '.join(link)}"])
    os.replace(tmp, kmod)
    link[link.index(tmp)] = kmod
    return KmodBuild(entry.kmod or entry.name, kmod, objs, link, [a for a, _o in jobs])
