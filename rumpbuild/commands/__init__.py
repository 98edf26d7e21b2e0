"""One module per subcommand.

Each module defines ``COMMAND``, an instance of :class:`Command`.  The CLI
imports a module only when its subcommand runs (``--help`` imports all).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass
from typing import Callable

# Subcommand name -> module under rumpbuild.commands; order is --help order.
COMMAND_MODULES = {
    "scan": "scan",
    "component": "component",
    "kmod": "kmod",
    "kernel": "kernel",
    "test": "test",
    "util": "util",
    "install": "install",
    "ci": "ci",
    "rules": "rules",
    "arches": "arches",
    "doctor": "doctor",
    "clean": "clean",
}


@dataclass
class Command:
    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def toolchain_line(session) -> str:
    """What a build says first: the machine and the toolchain rumpbuild picked for it."""
    tc = session.toolchain
    return (f"rumpbuild: {session.target.name} with {tc.name} {tc.version_str} "
            f"({os.path.basename(tc.cc[0])}, {tc.libc})")


def announce_toolchain(session) -> None:
    """The toolchain line on stderr (unless --quiet): first, before any progress."""
    if session.quiet:
        return
    print(toolchain_line(session), file=sys.stderr, flush=True)
    zig_libc_note(session)


def zig_libc_note(session) -> None:
    """On stderr, when zig will first build its C library for the target (minutes of silence else)."""
    if session.toolchain.name == "zig":
        from rumpbuild.toolchain.zig import first_link_note

        note = first_link_note(session.target)
        if note:
            print(f"rumpbuild: note: {note}", file=sys.stderr, flush=True)


def print_dry_run(plan, shared: bool) -> None:
    """--dry-run: the commands a build of *plan* runs, in order, as shell lines; nothing is built.
    Renaming and archiving are rumpbuild's own steps (no command): said in a comment."""
    for lib in plan.libraries:
        print(f"# lib{lib.lib} ({len(lib.objects)} objects) in {lib.objdir}")
        for step in lib.generated:
            what = "ioconf.c, ioconf.h, locators.h from " + step.ioconf if step.ioconf else " ".join(step.targets)
            print(f"# generate {what}")
            for line in step.commands:
                print(f"(cd {shlex.quote(lib.objdir)} && {line})")
        for o in lib.objects:
            for flavour, argv in o.argv.items():
                print(f"(cd {shlex.quote(lib.objdir)} && {shlex.join(list(plan.launcher) + list(argv))})")
        renamed = "rename symbols into rumpns_ (Makefile.rump's rule), then " if lib.rename else ""
        print(f"# {renamed}archive {os.path.basename(lib.archive)} and {os.path.basename(lib.pic_archive)}")
        if shared and lib.kind != "kmod":
            so = os.path.basename(lib.shared)
            print(shlex.join(list(plan.toolchain.cc) + ["-shared", f"-Wl,-soname,{so}", "-o", lib.shared,
                                                        "-Wl,--whole-archive", lib.pic_archive,
                                                        "-Wl,--no-whole-archive", *lib.link_ldflags]))
