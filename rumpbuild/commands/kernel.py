"""`rumpbuild kernel --arch ARCH`: build the rump kernel base libraries."""

from __future__ import annotations

import json
import os
import sys

from rumpbuild.commands import Command

DESCRIPTION = """\
Build the rump kernel base for a NetBSD machine: librump (rumpkern, with
libkern and its per-arch assembler, vers.c from the tree's newvers.sh),
librumpvfs, librumpdev (with config(1)'s ioconf.c for MAINBUS.ioconf),
librumpnet, and librumpuser, the hypercall library, compiled against the
target's libc headers with the tree's configure run for the target.

examples:
  rumpbuild kernel                               example tree, host arch
  rumpbuild kernel --src ~/netbsd/src --arch evbarm64 --toolchain zig
"""

BASE = ("rumpkern", "rumpvfs", "rumpdev", "rumpnet", "rumpuser")


def add_arguments(p):
    from rumpbuild.commands.component import add_build_arguments

    add_build_arguments(p)
    p.add_argument("--only", metavar="LIST", help="comma-separated subset of " + ",".join(BASE))
    p.add_argument("-n", "--dry-run", action="store_true",
                   help="print the commands the build would run and build nothing")


def run(args) -> int:
    from rumpbuild.commands import announce_toolchain
    from rumpbuild.session import BuildSession

    session = BuildSession.from_args(args)
    announce_toolchain(session)
    wanted = args.only.split(",") if args.only else list(BASE)
    entries = [session.find_base(n) for n in wanted]
    entries = [e for e in entries if e is not None]
    if args.dry_run:
        from rumpbuild.commands import print_dry_run

        shared = not args.no_shared and not session.toolchain.link_problem
        print_dry_run(session.plan(entries, shared), shared)
        return 0
    plan = session.build(entries, shared=not args.no_shared)
    libs = [{"lib": l.lib, "archive": l.archive, "objects": len(l.objects)} for l in plan.libraries]
    notes = [f"no lib*.so: {plan.no_shared_reason}"] if plan.no_shared_reason else []
    if args.json:
        json.dump({"arch": session.target.name, "toolchain": session.toolchain.name, "out": plan.outdir,
                   "libraries": libs, "notes": notes}, sys.stdout, indent=1)
        print()
    else:
        for note in notes:
            print(f"rumpbuild: note: {note}", file=sys.stderr)
        for l in plan.libraries:
            print(f"built {os.path.relpath(l.archive)} ({len(l.objects)} objects)")
    return 0


COMMAND = Command("kernel", "build the rump kernel base (librump, librumpvfs, …, librumpuser)", DESCRIPTION,
                  add_arguments, run)
