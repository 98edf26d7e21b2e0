"""`rumpbuild util NAME`: build rump_<NAME>, the userland utility for a file-system component."""

from __future__ import annotations

import json
import os
import shlex
import sys

from rumpbuild.commands import Command

DESCRIPTION = """\
Build a file-system component, its link closure and the rump kernel base,
and link <out>/bin/rump_<NAME>: one program with two faces.

  rump_<NAME> [-o ro] IMAGE[%DISKLABEL:a%|%MBR:1%] ls|cat|get|put|mkdir|rm|mv|stat|df ...
      scriptable commands on an image, no mount and no FUSE needed
  rump_<NAME> [-o ro,...] [-f] IMAGE[%...%] MOUNTPOINT
      serve the file system through FUSE (native glibc builds with libfuse3:
      apt-get install libfuse3-dev fuse3); musl (zig) and cross builds have the
      commands only, and say so

The file system runs in a rump kernel inside the program.  Partition suffixes
are read on the host, so they work with every tree.  A cross-built utility
runs under qemu-user; rumpbuild prints the command.  See README "rump_<fs>".

rump_zfs (`rumpbuild util zfs`, a tree built with -D MKZFS=yes) takes the pool's
images and POOL[/DATASET] instead of IMAGE, and has zpool/zfs commands:
  rump_zfs zpool create [-s SIZE] POOL [mirror] IMAGE...
  rump_zfs IMAGE... POOL[/DATASET] ls|get|put|...      rump_zfs IMAGE... POOL/DATASET MOUNTPOINT
  rump_zfs IMAGE... zpool import|status|scrub|export    rump_zfs IMAGE... zfs create|list|destroy|snapshot
The pool is imported at start and exported at the end.  See README "rump_zfs".

--state FILE bakes a state file (README, "Kernel state before the mount") into
<out>/bin/rump_<NAME>-<FILE's stem>: it takes no IMAGE, configures the cgd/RAID
devices before the mount and unconfigures them after the unmount (both faces),
reads the keys from the key files at run time, and takes --init-from PLAIN.img.

examples:
  rumpbuild util msdos                        example tree, host arch
  rumpbuild util ffs --src ~/netbsd/src --arch evbarm --toolchain zig
  rumpbuild util msdos --arch amd64 --kmod msdos.kmod   a converted kernel module (x86)
  rumpbuild util ffs --src ~/netbsd/src --state cgd.toml  then: rump_ffs-cgd --init-from plain.img ls /
  rumpbuild util zfs --src ~/netbsd/src -D MKZFS=yes  then: rump_zfs zpool create tank a.img
"""


def add_arguments(p):
    from rumpbuild.commands.component import add_build_arguments

    p.add_argument("name", metavar="NAME", help="file-system component (ffs, msdos, ext2fs, cd9660, tmpfs, …)")
    add_build_arguments(p)
    p.add_argument("--stubs", action="store_true",
                   help="stub the kernel functions no rump library defines (as `component --stubs`) and link them")
    p.add_argument("--kmod", metavar="FILE.kmod", help="x86: link this NetBSD kernel module, converted (see "
                   "`rumpbuild component --kmod`), instead of the component built from source")
    p.add_argument("--state", metavar="FILE", help="bake this TOML state file (cgd/RAID devices set up before "
                   "the mount) into rump_NAME-STEM; keys are read from the key files at run time")


def _prebuilt(args, session):
    from rumpbuild.errors import UserError
    from rumpbuild.kmod.convert import check_arch, check_kmod, convert_kmod
    from rumpbuild.kmod.inspect import inspect_kmod
    from rumpbuild.smoke.runner import Prebuilt

    check_arch(session.target, args.name)
    if not os.path.isfile(args.kmod):
        raise UserError(f"--kmod {args.kmod}: no such file", ["`rumpbuild kmod build NAME` makes one"])
    check_kmod(inspect_kmod(args.kmod), session.target, args.name)
    conv = convert_kmod(session, args.name, args.kmod)
    return Prebuilt(conv.lib, conv.modinfo["name"] or args.name, conv.archive,
                    [conv.stubs.archive] if conv.stubs else [], conv.entries, no_pie=True)


def run(args) -> int:
    from rumpbuild.session import BuildSession
    from rumpbuild.util.build import build_util, refuse_layered

    refuse_layered(args.name)  # before the tree is read: true of every tree
    session = BuildSession.from_args(args)
    state = _load_state(args, session)
    if args.kmod:
        res = build_util(session, prebuilt=_prebuilt(args, session), state=state)
    else:
        entry = session.find_component(args.name)
        extra = []
        if args.stubs:
            from rumpbuild.commands.test import _stub_archives

            extra = _stub_archives(session, entry)
        res = build_util(session, entry, extra_archives=extra, state=state)
    run_line = shlex.join(res.run_prefix + [res.program])
    if args.json:
        json.dump({"program": res.program, "fs": res.fs_name, "arch": session.target.name,
                   "toolchain": session.toolchain.name, "fuse": res.fuse, "fuse_why_not": res.fuse_why_not,
                   "run": res.run_prefix + [res.program], "libraries": res.libraries,
                   "missing_calls": res.missing_calls, "state": res.state_file or None}, sys.stdout, indent=1)
        print()
        return 0
    print(f"built {res.program}")
    print(f"  {res.fs_name} on {session.target.name} ({session.toolchain.name}), linked with "
          + " ".join(res.libraries))
    print("  faces: commands" + (", FUSE mount" if res.fuse else f" only — no FUSE face: {res.fuse_why_not}"))
    if res.missing_calls:
        print("  this tree's rump kernel lacks " + ", ".join(res.missing_calls)
              + ": commands that need them fail with a message")
    if res.state_file:
        print(f"  state {res.state_file} built in: the devices are set up before the mount and torn down "
              "after it; keys are read from the key files at run time")
        print(f"run it:  {run_line} [--init-from PLAIN.img] ls -l /")
    elif res.fs_name == "zfs":
        print(f"run it:  {run_line} zpool create -s 1G tank disk.img")
        print(f"         {run_line} disk.img tank ls -l /     (IMAGE... POOL[/DATASET] COMMAND; --help)")
    else:
        print(f"run it:  {run_line} {'IMAGE ' if res.needs_image else ''}ls -l /")
    if res.run_prefix:
        print("  (a cross-built program: qemu-user runs it"
              + (", with -L for the target's dynamic C library)" if "-L" in res.run_prefix else
                 ", static, no sysroot needed)"))
    return 0


def _load_state(args, session):
    """The validated --state file for this file system (its images may not exist yet: --init-from makes them)."""
    if not args.state:
        return None
    from rumpbuild.errors import UserError
    from rumpbuild.state import load_state
    from rumpbuild.state.kernel import check_tree

    state = load_state(args.state, creating=True)
    if state.mount is None:
        raise UserError(f"{args.state}: rump_{args.name} mounts a device and the state file has no [mount] table",
                        [f"add [mount] with fs = \"{args.name}\" and device = \"{state.steps[-1].device}\""
                         if state.steps else "see README, \"Kernel state before the mount\""])
    if state.mount.fs != args.name:
        raise UserError(f"{args.state}:{state.mount.line}: [mount] fs = \"{state.mount.fs}\", but the utility is "
                        f"rump_{args.name}", [f"rumpbuild util {state.mount.fs} --state {args.state}"])
    check_tree(state, session.tree.sys)
    return state


COMMAND = Command("util", "build rump_<fs>, the userland utility for a file system (FUSE mount or commands)",
                  DESCRIPTION, add_arguments, run)
