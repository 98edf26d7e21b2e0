"""`rumpbuild kmod inspect|build`: read and make NetBSD kernel modules."""

from __future__ import annotations

import json
import os
import shlex
import sys

from rumpbuild.commands import Command

DESCRIPTION = """\
Kernel modules (.kmod) on x86 use the same ABI as rump kernels, so they can
be reused unchanged (`rumpbuild component NAME --kmod FILE.kmod` converts
one; `rumpbuild test NAME --kmod FILE.kmod` runs the smoke test with it).

  inspect FILE.kmod   ELF class and machine; the modinfo (name, class,
                      required modules) read through the link_set_modules
                      relocation; defined and undefined symbols; relocation
                      types; memory model (R_X86_64_32S = -mcmodel=kernel);
                      stack-protector use
  build NAME          compile sys/modules/NAME as NetBSD would (the
                      evaluated bsd.kmodule.mk flags and the tree's
                      sys/arch/<cpu>/include/Makefile.inc) and link
                      cc -nostdlib -r [-Wl,-T,sys/modules/xldscripts/kmodule]

examples:
  rumpbuild kmod build msdos --arch amd64         example tree -> rumpbuild-out/x86_64/kmods/msdos.kmod
  rumpbuild kmod build ext2fs --src ~/netbsd/src --arch i386 --toolchain zig
  rumpbuild kmod inspect msdos.kmod --json
"""


def add_arguments(p):
    from rumpbuild.commands.component import add_build_arguments

    sub = p.add_subparsers(dest="kmod_command", metavar="ACTION")
    sub.required = True
    i = sub.add_parser("inspect", help="show what a .kmod holds", description="Show what a kernel module holds.")
    i.add_argument("file", metavar="FILE.kmod")
    i.add_argument("--json", action="store_true", help="machine-readable result")
    b = sub.add_parser("build", help="compile and link NAME.kmod from the tree's sys/modules/NAME",
                       description="Compile and link a kernel module as NetBSD's bsd.kmodule.mk does.")
    b.add_argument("name", metavar="NAME", help="module folder or KMOD name (msdos, tmpfs, ext2fs, …)")
    add_build_arguments(b)
    b.add_argument("-o", "--output", metavar="DIR", help="folder for NAME.kmod (default: <out>/kmods)")


def run(args) -> int:
    if args.kmod_command == "inspect":
        from rumpbuild.kmod.inspect import inspect_kmod, render_text

        info = inspect_kmod(args.file)
        if args.json:
            json.dump({"format": 1, **info.to_dict()}, sys.stdout, indent=1)
            print()
        else:
            print(render_text(info))
        return 0
    from rumpbuild.session import BuildSession
    from rumpbuild.kmod.build import build_kmod

    session = BuildSession.from_args(args)
    res = build_kmod(session, args.name, args.output or os.path.join(session.outdir, "kmods"))
    if args.json:
        json.dump({"format": 1, "name": res.name, "kmod": res.kmod, "arch": session.target.name,
                   "toolchain": session.toolchain.name, "objects": res.objects, "link": res.link_argv},
                  sys.stdout, indent=1)
        print()
    else:
        if not args.quiet:
            print(shlex.join(res.link_argv))
        print(f"built {res.kmod} ({len(res.objects)} objects, {session.toolchain.name}, {session.target.name})")
    return 0


COMMAND = Command("kmod", "inspect or build NetBSD kernel modules (.kmod)", DESCRIPTION, add_arguments, run)
