"""`rumpbuild component NAME --arch ARCH`: build a rump component library."""

from __future__ import annotations

import json
import os
import sys

from rumpbuild.commands import Command
from rumpbuild.errors import UserError
from rumpbuild.model.linkflags import MODES

DESCRIPTION = """\
Build one rump component (and the components its link closure needs) for a
NetBSD machine, cross-compiled, with the flags the tree's own Makefiles give
and every kernel symbol renamed into the rumpns_ namespace, exactly as
Makefile.rump does.  Output, one folder per arch (default
rumpbuild-out/<MACHINE_ARCH>):

  lib<LIB>.a        static archive of renamed objects
  lib<LIB>_pic.a    the same, compiled -fPIC (as NetBSD's .pico objects)
  lib<LIB>.so.0     shared library linked from the PIC archive, and lib<LIB>.so
  compile_commands.json, SConscript.<LIB> (the SCons rules used)

The build runs on SCons with content signatures: a second run rebuilds only
what changed.  --deps builds whatever the component's link closure and the
rump kernel base still lack, then prints on stdout one line of compiler and
linker flags for a program (progress goes to stderr), and writes pkg-config
files (OUT/lib/pkgconfig/<LIB>.pc and <LIB>-static.pc) saying the same:

  cc prog.c $(rumpbuild component msdos --deps) -o prog
  cc prog.c $(rumpbuild component msdos --deps=static) -o prog
  PKG_CONFIG_PATH=rumpbuild-out/x86_64/lib/pkgconfig pkg-config --cflags --libs rumpfs_msdos

examples:
  rumpbuild component msdos                      example tree, host arch
  rumpbuild component ffs --src ~/netbsd/src --arch evbarm --toolchain zig
  rumpbuild component ext2fs --src ~/netbsd/src --deps=static
  rumpbuild component msdos --arch amd64 --kmod msdos.kmod --print-link   (x86: reuse a kernel module)
"""


def add_build_arguments(p):
    """Options every building command shares."""
    p.add_argument("--src", metavar="DIR", help="NetBSD source tree (default: the bundled example tree)")
    p.add_argument("--arch", default=None, metavar="ARCH",
                   help="NetBSD MACHINE or MACHINE_ARCH (default: the host's; see `rumpbuild arches`)")
    p.add_argument("--toolchain", default="auto", metavar="NAME",
                   help="zig, gcc, clang or auto (default); CC/AR in the environment override")
    p.add_argument("--out", metavar="DIR", help="output folder (default: rumpbuild-out/<MACHINE_ARCH>)")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel compiles (default: CPUs)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="VAR=VALUE",
                   help="make variable on the command line, e.g. -D DBG='-O2 -g'")
    p.add_argument("--werror", action="store_true", help="keep -Werror (NetBSD's default; off because new "
                   "compilers warn about old trees)")
    p.add_argument("--no-shared", action="store_true", help="do not link lib<LIB>.so")
    p.add_argument("--c-string", metavar="LIST",
                   help="libkern routines to build from common/lib/libc/string C instead of the arch's assembler "
                        "(e.g. memset,strlen; 'none'; default: the arch's c_string_routines)")
    p.add_argument("--launcher", metavar="NAME",
                   help="compiler launcher wrapping each compile: ccache, sccache or distcc (default: "
                        "$RUMPBUILD_LAUNCHER); compile_commands.json keeps the plain compiler")
    p.add_argument("--backend", default="scons", metavar="NAME",
                   help="the engine that builds (libraries, and the programs and kmods of test, util, kmod build): scons (default) or ninja (needs the ninja program: "
                        "pip install ninja, or apt-get install ninja-build)")
    p.add_argument("--no-wait", action="store_true",
                   help="when another rumpbuild run is using the output folder, stop (exit 1) instead of waiting")
    p.add_argument("--json", action="store_true", help="machine-readable result")
    p.add_argument("-v", "--verbose", action="store_true", help="print every compile command")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def add_arguments(p):
    p.add_argument("names", nargs="+", metavar="NAME",
                   help="component: folder name (ffs), LIB (rumpfs_ffs) or file system; several build in one run")
    add_build_arguments(p)
    p.add_argument("--deps", nargs="?", const="shared", choices=MODES, metavar="shared|static",
                   help="build what is missing, then print the flags a program needs (-I, -L, rpath, the link "
                        "closure in order, -lrumpuser -lpthread -ldl) on one line: shared libraries (default) "
                        "or, with --deps=static, the archives whole; also writes OUT/lib/pkgconfig/*.pc")
    p.add_argument("-n", "--dry-run", action="store_true",
                   help="print the commands the build would run (compiles, generators, links) and build nothing")
    p.add_argument("--missing", action="store_true",
                   help="also build the base and report the component's undefined kernel functions that "
                        "nothing it links defines, with the library that does define each one")
    p.add_argument("--stubs", action="store_true",
                   help="like --missing, and make lib<LIB>_stubs.a for the truly missing functions "
                        "(documented harmless values, else a panic naming the function)")
    p.add_argument("--kmod", metavar="FILE.kmod", help="x86: convert this NetBSD kernel module instead of compiling "
                   "(static lib<LIB>.a in <out>/kmod; see `rumpbuild kmod --help`)")
    p.add_argument("--rump-libs", metavar="DIR", help="with --kmod: link against the lib*.a in DIR (a NetBSD or "
                   "buildrump installation) instead of rumpbuild's own build")
    p.add_argument("--print-link", action="store_true", help="with --kmod: print the program link line")


def run(args) -> int:
    if getattr(args, "kmod", None):
        from rumpbuild.kmod.convert import run_convert

        return run_convert(args)
    from rumpbuild.commands import announce_toolchain
    from rumpbuild.session import BuildSession

    session = BuildSession.from_args(args)
    announce_toolchain(session)
    key, report = (None, None)
    if args.dry_run:
        return _dry_run(args, session)
    if not (args.deps or args.missing or args.stubs):  # the analysis always runs
        key, report = session.fast_path("component", args.names, shared=not args.no_shared)
    if report is not None:  # nothing changed since the same request last succeeded
        _print_report(report, args)
        return 0
    if not (args.json and args.deps or args.missing or args.stubs):
        session.start_engine()
    try:
        return _run(args, session, key)
    finally:
        session.stop_engine()


def _dry_run(args, session) -> int:
    from rumpbuild.commands import print_dry_run

    entries = [session.find_component(n) for n in args.names]
    built = []
    for e in entries:
        built += [c for c in session.closure(e) if c.kind == "component" and c not in built]
    shared = not args.no_shared and not session.toolchain.link_problem
    print_dry_run(session.plan(built, shared), shared)
    return 0


def _run(args, session, key) -> int:
    from rumpbuild.model import plancache

    analyse = args.missing or args.stubs
    cached = plancache.load(key, session.outdir) if key else None
    if cached is not None:  # the same request on an unchanged tree: its plan, without evaluating
        from rumpbuild.tree.hostconf import write_mkconf

        plan, links, files = cached
        write_mkconf(session.outdir, session.tree)  # what the scan would have written
        plan = session.build(None, shared=not args.no_shared, plan=plan)
        report = _report(session, plan, links)
        session.record(key, plan, report, files=files)
        _print_report(report, args)
        return 0
    entries = [session.find_component(n) for n in args.names]
    closures = {e.lib: session.closure(e) for e in entries}
    if args.deps:
        return _deps(args, session, closures)
    built = []
    for c in closures.values():
        # the missing-symbol analysis needs everything the component links, base included
        built += [e for e in c if (analyse or e.kind == "component") and e not in built]
    plan = session.build(built, shared=not args.no_shared)
    links = {lib: [e.lib for e in c] for lib, c in closures.items()}
    report = _report(session, plan, links)
    if key and not any(e.generated_makefile for e in built):
        plancache.store(key, session.outdir, plan, links, session.plan_inputs())
    if analyse:
        report["missing"], report["stubs"] = _missing_and_stubs(session, plan, closures, args.stubs)
        for lib, stub in report["stubs"].items():
            report["link"][lib].insert(1, stub["lib"])
    else:
        session.record(key, plan, report)
    _print_report(report, args)
    return 0


def _deps(args, session, closures) -> int:
    """Build the closures and the base where missing; print one line of flags, write pkg-config files."""
    from rumpbuild.model.linkflags import link_flags, merge_closures, write_pkgconfig

    mode = args.deps
    if mode == "shared" and args.no_shared:
        raise UserError("--deps=shared links the lib*.so libraries, and --no-shared builds none",
                        ["--deps=static links the archives instead"])
    entries = []
    for c in closures.values():
        entries += [e for e in c if e not in entries]
    bases = [b for b in map(session.find_base, ("rumpkern", "rumpuser")) if b is not None]
    # every program needs librump and librumpuser, whatever the closure says
    links = {lib: [e.lib for e in c] + [b.lib for b in bases if b not in c] for lib, c in closures.items()}
    entries += [b for b in bases if b not in entries]
    if args.json:  # the closure only, as before: nothing is built
        json.dump({"arch": session.target.name,
                   "components": {lib: {"link": names, "ldadd": [f"-l{n}" for n in names]}
                                  for lib, names in links.items()}}, sys.stdout, indent=1)
        print()
        return 0
    tc = session.toolchain
    if tc.link_problem:  # said before building: no program links with this toolchain, shared or static
        from rumpbuild.toolchain.data import fact

        hints = [f"--toolchain gcc (apt-get install gcc-{fact('gcc', session.target, 'triple')})",
                 "`rumpbuild doctor` shows which toolchains link for which arch"]
        if mode == "shared":
            raise UserError(f"{tc.name} builds no lib*.so for {session.target.name}: {tc.link_problem}", hints)
        print(f"rumpbuild: note: {tc.name} cannot link programs for {session.target.name} ({tc.link_problem}); "
              f"link with another compiler, e.g. {hints[0]}", file=sys.stderr)
    plan = session.build(entries, shared=mode == "shared")
    incdirs = [os.path.join(session.outdir, "include"), str(session.tree.rump / "include")]

    def flags(names, m):
        return link_flags(names, session.outdir, incdirs, m, session.target, session.toolchain)

    pcdir = os.path.join(session.outdir, "lib", "pkgconfig")
    modes = MODES if plan.shared else ("static",)  # plan.shared: the toolchain linked lib*.so
    for lib, names in links.items():
        write_pkgconfig(pcdir, lib, {m: flags(names, m) for m in modes}, session.outdir,
                        f"rump kernel component lib{lib} for {session.target.name}, with its link closure")
    line = flags(merge_closures(links.values()), mode).line()
    if not args.quiet:
        print(f"rumpbuild: {mode} link flags for {session.target.name} ({tc.name}; compile with "
              f"{' '.join(tc.cc)}); pkg-config files in {os.path.relpath(pcdir)}", file=sys.stderr)
    print(line)
    return 0


def _report(session, plan, links) -> dict:
    report = {
        "arch": session.target.name,
        "toolchain": session.toolchain.name,
        "out": plan.outdir,
        "libraries": [{"lib": l.lib, "archive": l.archive, "pic_archive": l.pic_archive,
                       "shared": l.shared if plan.shared else None, "objects": len(l.objects)}
                      for l in plan.libraries],
        "link": {lib: list(names) for lib, names in links.items()},
    }
    if plan.no_shared_reason:
        report["notes"] = [f"no lib*.so: {plan.no_shared_reason}"]
    return report


def _missing_and_stubs(session, plan, closures, make_stubs):
    from dataclasses import asdict

    from rumpbuild.model.missing import analyze
    from rumpbuild.stubs import generate_stubs

    missing, stubs = {}, {}
    for lib in closures:
        found = analyze(session, plan, lib)
        missing[lib] = [asdict(m) for m in found]
        truly = [m.name for m in found if m.defined_in is None]
        if make_stubs and truly:
            r = generate_stubs(session, lib, truly, session.outdir)
            stubs[lib] = {"lib": f"{lib}_stubs", "archive": str(r.archive), "c_file": str(r.c_file),
                          "stubs": [{"name": n, "kind": k} for n, k in r.stubs]}
    return missing, stubs


def _print_report(report, args):
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return
    for note in report.get("notes", []):
        print(f"rumpbuild: note: {note}", file=sys.stderr)
    for l in report["libraries"]:
        extra = f", {os.path.basename(l['shared'])}" if l["shared"] else ""
        print(f"built {os.path.relpath(l['archive'])} ({l['objects']} objects), "
              f"{os.path.basename(l['pic_archive'])}{extra}")
    for lib, miss in report.get("missing", {}).items():
        from rumpbuild.symbols import Missing, to_table

        print(f"\nmissing kernel functions of {lib}:")
        print("  " + to_table([Missing(**m) for m in miss]).replace("\n", "\n  "))
        for st in report.get("stubs", {}).get(lib, {}).get("stubs", []):
            print(f"  stub {st['name']}: {st['kind']}")
    for lib, link in report["link"].items():
        print(f"link {lib} with: " + " ".join(f"-l{x}" for x in link))


COMMAND = Command("component", "build a rump component library for a NetBSD machine", DESCRIPTION,
                  add_arguments, run)
