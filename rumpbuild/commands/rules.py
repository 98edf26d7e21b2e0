"""`rumpbuild rules NAME`: write NetBSD-style Makefile and SCons rules for a component."""

from __future__ import annotations

import os
import sys
import tempfile

from rumpbuild.commands import Command
from rumpbuild.errors import UserError

DESCRIPTION = """\
Write the build rules of a component:

  make    a NetBSD-style Makefile, a drop-in for sys/rump/<cat>/lib/lib<name>/,
          with the component's own sources, .PATH and flags (what it inherits
          from Makefile.rump is left to Makefile.rump), readable by NetBSD's make
  scons   an ordinary SConscript (with an SConstruct and the small `rump` SCons
          tool beside it): `scons -C DIR` builds lib<LIB>.a, lib<LIB>_pic.a and
          lib<LIB>.so.N under DIR; `scons -C DIR NETBSDSRC=…` uses another tree;
          a bigger SCons build can SConscript('DIR/SConscript')
  ninja   build.ninja: `ninja -C DIR` builds the same libraries as `rumpbuild component`
  compdb  compile_commands.json

scons, ninja and compdb rules are per arch and toolchain; the objects go under
DIR.  Without -o the Makefile goes to standard output (and the other rules to
rumpbuild-rules/<MACHINE_ARCH>/).  Nothing in the source tree changes, except
with --write-tree for a kernel module that has no component yet (a new
file system): its generated Makefile goes to sys/rump/fs/lib/lib<name>/ and
the name is added to sys/rump/fs/Makefile.rumpfscomp.

examples:
  rumpbuild rules msdos
  rumpbuild rules adosfs --src ~/netbsd/src --write-tree     a new file system's component
  rumpbuild rules ffs --src ~/netbsd/src --format scons -o /tmp/ffs-rules --arch evbarm
  rumpbuild rules msdos --format ninja -o /tmp/msdos && ninja -C /tmp/msdos
"""


FORMATS = ["make", "scons", "ninja", "compdb", "both"]


def add_arguments(p):
    p.add_argument("name", metavar="NAME", help="component (folder name or LIB)")
    p.add_argument("--src", metavar="DIR", help="NetBSD source tree (default: the bundled example tree)")
    p.add_argument("--arch", metavar="ARCH", help="NetBSD MACHINE or MACHINE_ARCH (scons, ninja and compdb rules are per arch)")
    p.add_argument("--toolchain", default="auto", metavar="NAME", help="zig, gcc, clang or auto (scons, ninja and compdb rules)")
    p.add_argument("--format", choices=FORMATS, default="make",
                   help="make (default), scons, ninja, compdb, or both (make and scons)")
    p.add_argument("-o", "--output", metavar="DIR", help="folder to write the rules into")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="VAR=VALUE")
    p.add_argument("--write-tree", action="store_true",
                   help="for a kernel module without a component: write the generated Makefile into "
                        "sys/rump/fs/lib/lib<name>/ and add it to sys/rump/fs/Makefile.rumpfscomp, "
                        "as a NetBSD developer would commit it")


def _writer(fmt: str):
    """write(plan, outdir, *, verbose) for a --format: the backend of that name, except scons,
    whose rules for users are an ordinary SConscript (the engine's files are rumpbuild's own)."""
    if fmt == "scons":
        from rumpbuild.rules import sconscript

        return sconscript.write
    from rumpbuild.backends import get_backend

    return get_backend(fmt).write


def run(args) -> int:
    from rumpbuild.backends import get_backend
    from rumpbuild.session import BuildSession

    formats = ["make", "scons"] if args.format == "both" else [args.format]
    planned = [f for f in formats if f != "make"]
    scratch = None
    if planned:
        # the objects (and the folders the scan writes: compat headers) go under -o, so the
        # session's output folder is that folder from the start, before anything is scanned
        outdir = args.output or os.path.join("rumpbuild-rules", _arch_name(args))
    else:
        # a generated component is evaluated in an output folder; a Makefile alone leaves none behind
        scratch = tempfile.TemporaryDirectory(prefix="rumpbuild-rules-")
        outdir = scratch.name
    session = BuildSession.from_args(args, outdir=outdir)
    entry = session.find_component(args.name)
    if entry.kind != "component":
        raise UserError(f"'{args.name}' is a {entry.kind}, not a component; rules are written for components")
    written = []
    if args.write_tree:
        from rumpbuild.tree.generate import from_module, write_tree

        if not entry.generated_makefile:
            raise UserError(f"'{args.name}' has a component in the tree already ({session.tree.rel(entry.makefile)})",
                            ["--write-tree is for kernel modules without one: `rumpbuild scan --kind candidate`"])
        # the component and every component generated for the modules it requires (chfs → flash)
        for e in session.closure(entry):
            if e.generated_makefile:
                for w in write_tree(session, from_module(session, session.find_module(e.name))):
                    print(f"wrote {w}", file=sys.stderr)
        return 0
    if "make" in formats:
        if args.output:
            written += get_backend("make").write(None, args.output, session=session, entries=[entry])
        else:
            from rumpbuild.rules.makefile import makefile_for

            sys.stdout.write(makefile_for(session, entry)[1])
    if planned:
        plan = session.plan([entry])  # no lib.so rule where the toolchain cannot link for the target
        for fmt in planned:
            written += _writer(fmt)(plan, session.outdir, verbose=getattr(args, "verbose", False))
    for w in written:
        print(f"wrote {w}", file=sys.stderr)
    return 0


def _arch_name(args) -> str:
    from rumpbuild.arch import host_arch, resolve

    return resolve(getattr(args, "arch", None) or host_arch()).machine_arch


COMMAND = Command("rules", "write NetBSD Makefile / SCons rules for a component", DESCRIPTION, add_arguments, run)
