"""`rumpbuild rules NAME`: write NetBSD-style Makefile and SCons rules for a component."""

from __future__ import annotations

import os
import sys

from rumpbuild.commands import Command
from rumpbuild.errors import UserError

DESCRIPTION = """\
Write the build rules of a component:

  make    a NetBSD-style Makefile, a drop-in for sys/rump/<cat>/lib/lib<name>/,
          with the component's own sources, .PATH and flags (what it inherits
          from Makefile.rump is left to Makefile.rump), readable by NetBSD's make
  scons   the SConscript rumpbuild builds it with, plus rumpbuild-scons.json;
          `scons -f <rumpbuild>/rumpbuild/backends/SConstruct -C DIR` then builds it

Without -o the Makefile goes to standard output (and the SCons rules to
rumpbuild-rules/<MACHINE_ARCH>/).  Nothing in the source tree changes, except
with --write-tree for a kernel module that has no component yet (a new
file system): its generated Makefile goes to sys/rump/fs/lib/lib<name>/ and
the name is added to sys/rump/fs/Makefile.rumpfscomp.

examples:
  rumpbuild rules msdos
  rumpbuild rules adosfs --src ~/netbsd/src --write-tree     a new file system's component
  rumpbuild rules ffs --src ~/netbsd/src --format scons -o /tmp/ffs-rules --arch evbarm
"""


def add_arguments(p):
    p.add_argument("name", metavar="NAME", help="component (folder name or LIB)")
    p.add_argument("--src", metavar="DIR", help="NetBSD source tree (default: the bundled example tree)")
    p.add_argument("--arch", metavar="ARCH", help="NetBSD MACHINE or MACHINE_ARCH (SCons rules are per arch)")
    p.add_argument("--toolchain", default="auto", metavar="NAME", help="zig, gcc, clang or auto (SCons rules)")
    p.add_argument("--format", choices=["make", "scons", "both"], default="make")
    p.add_argument("-o", "--output", metavar="DIR", help="folder to write the rules into")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="VAR=VALUE")
    p.add_argument("--write-tree", action="store_true",
                   help="for a kernel module without a component: write the generated Makefile into "
                        "sys/rump/fs/lib/lib<name>/ and add it to sys/rump/fs/Makefile.rumpfscomp, "
                        "as a NetBSD developer would commit it")


def makefile_for(session, entry) -> tuple[str, str]:
    """(file name, text) of the NetBSD Makefile for a component (existing or generated)."""
    from rumpbuild.rules.makefile import component_makefile

    generated = getattr(entry, "generated_makefile", None)
    if generated:
        with open(generated) as f:
            return "Makefile", f.read()
    newdir = os.path.dirname(entry.makefile)
    text = component_makefile(entry, session.tree, entry.category, entry.lib, newdir,
                              origin=session.tree.rel(entry.makefile))
    return "Makefile", text


def run(args) -> int:
    from rumpbuild.backends.scons import write_compile_commands, write_outdir
    from rumpbuild.model.session import BuildSession
    from rumpbuild.fsutil import write_atomic

    session = BuildSession.from_args(args)
    if args.format in ("scons", "both"):  # before the scan: object folders lie under it
        session.outdir = os.path.abspath(args.output or os.path.join("rumpbuild-rules", session.target.machine_arch))
    entry = session.find_component(args.name)
    if entry.kind != "component":
        raise UserError(f"'{args.name}' is a {entry.kind}, not a component; rules are written for components")
    written = []
    if args.write_tree:
        from rumpbuild.tree.generate import from_module, write_tree

        if not getattr(entry, "generated_makefile", None):
            raise UserError(f"'{args.name}' has a component in the tree already ({session.tree.rel(entry.makefile)})",
                            ["--write-tree is for kernel modules without one: `rumpbuild scan --kind candidate`"])
        # the component and every component generated for the modules it requires (chfs → flash)
        for e in session.closure(entry):
            if getattr(e, "generated_makefile", None):
                for w in write_tree(session, from_module(session, session.find_module(e.name))):
                    print(f"wrote {w}", file=sys.stderr)
        return 0
    if args.format in ("make", "both"):
        name, text = makefile_for(session, entry)
        if args.output:
            path = os.path.join(args.output, name)
            write_atomic(path, text)
            written.append(path)
        else:
            sys.stdout.write(text)
    if args.format in ("scons", "both"):
        plan = session.plan([entry])
        written += write_outdir(plan, shared=True)
        write_compile_commands(plan)
        written += [os.path.join(session.outdir, f) for f in ("rumpbuild-scons.json", "compile_commands.json")]
    for w in written:
        print(f"wrote {w}", file=sys.stderr)
    return 0


COMMAND = Command("rules", "write NetBSD Makefile / SCons rules for a component", DESCRIPTION, add_arguments, run)
