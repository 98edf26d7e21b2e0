"""`rumpbuild test NAME --arch ARCH`: prove a file-system component works."""

from __future__ import annotations

import json
import sys

from rumpbuild.commands import Command

DESCRIPTION = """\
Build a file-system component, its link closure and the rump kernel base,
link rumpbuild's smoke-test program against them (static; also shared when
the program can run dynamically), and run it — natively, or under
qemu-<arch> for other machines.  One line per step, PASS or FAIL:

  build, image (made with makefs / mkfs.vfat+mcopy / mke2fs / cpio unless
  --image is given), link, rump_init, etfs, mount, read (a file known to be
  in the image), write + readback (a new file), unmount, hostimage (after
  unmount the host image file holds the new data).

Images may name a partition in the rump kernel's own syntax,
`disk.img%DISKLABEL:f%`.  The exit status is 1 when any step fails.

examples:
  rumpbuild test msdos                           example tree, host arch
  rumpbuild test ffs --src ~/netbsd/src --arch evbarm64 --toolchain zig
  rumpbuild test ffs --src ~/netbsd/src --image disk.img%DISKLABEL:a%
  rumpbuild test msdos --arch amd64 --kmod msdos.kmod   a converted kernel module instead (x86)
"""


def add_arguments(p):
    from rumpbuild.commands.component import add_build_arguments

    p.add_argument("name", metavar="NAME", help="file-system component (ffs, msdos, tmpfs, …)")
    add_build_arguments(p)
    p.add_argument("--image", metavar="FILE", help="test image (default: made with the host's tools)")
    p.add_argument("--partition", metavar="LETTER",
                   help="put the made image into partition LETTER of a disk with a NetBSD disklabel and "
                        "mount it as disk.img%%DISKLABEL:LETTER%% (the rump kernel must support that syntax)")
    p.add_argument("--stubs", action="store_true",
                   help="stub the kernel functions no rump library defines (as `component --stubs`) and link them")
    p.add_argument("--shared", choices=["auto", "yes", "no"], default="auto",
                   help="also link and run against the shared libraries (default: where they can run)")
    p.add_argument("--kmod", metavar="FILE.kmod", help="x86: test this kernel module, converted (see `rumpbuild "
                   "component --kmod`), instead of the component built from source; linked -no-pie (variant no-pie)")


def _stub_archives(session, entry) -> list[str]:
    """Build the component with its closure and base, stub what nothing defines."""
    from rumpbuild.model.missing import analyze
    from rumpbuild.stubs import generate_stubs

    closure = session.closure(entry)
    for base in ("rumpvfs", "rumpkern", "rumpuser"):
        b = session.find_base(base)
        if b is not None and b not in closure:
            closure.append(b)
    plan = session.build(closure, shared=True)
    truly = [m.name for m in analyze(session, plan, entry.lib) if m.defined_in is None]
    if not truly:
        return []
    return [str(generate_stubs(session, entry.lib, truly, session.outdir).archive)]


def run(args) -> int:
    from rumpbuild.model.session import BuildSession
    from rumpbuild.smoke.runner import run_smoke

    if args.kmod:
        res, session = _run_kmod(args)
    else:
        session = BuildSession.from_args(args)
        entry = session.find_component(args.name)
        shared = None if args.shared == "auto" else args.shared == "yes"
        extra = []
        if args.stubs:
            extra = _stub_archives(session, entry)
            shared = False if extra else shared  # stubs are kernel (non-PIC) code: static program only
        res = run_smoke(session, entry, args.image, shared, extra_archives=extra, partition=args.partition)
    if args.json:
        json.dump({"component": res.component, "arch": res.arch, "toolchain": session.toolchain.name,
                   "ok": res.ok, "steps": [s.__dict__ for s in res.steps]}, sys.stdout, indent=1)
        print()
    else:
        print(f"smoke test of {res.component} on {res.arch} ({session.toolchain.name})")
        for s in res.steps:
            v = f"[{s.variant}] " if s.variant else ""
            print(f"  {s.status:4}  {v}{s.name:10} {s.detail}")
        print("PASSED" if res.ok else "FAILED")
    return 0 if res.ok else 1


def _run_kmod(args):
    from rumpbuild.arch import resolve
    from rumpbuild.model.session import BuildSession
    from rumpbuild.arch import host_arch
    from rumpbuild.errors import UserError
    from rumpbuild.kmod.convert import check_arch, check_kmod, check_kmod_file, convert_kmod
    from rumpbuild.kmod.inspect import inspect_kmod
    from rumpbuild.smoke.runner import Prebuilt, run_smoke

    target = resolve(args.arch or host_arch())
    check_arch(target, args.name)
    check_kmod_file(args.kmod)
    check_kmod(inspect_kmod(args.kmod), target, args.name)
    if args.shared == "yes":
        raise UserError("--shared yes: a kernel module cannot be linked into a shared library or PIE",
                        ["drop --shared; the kmod test links the rump libraries statically, -no-pie"])
    session = BuildSession.from_args(args)
    conv = convert_kmod(session, args.name, args.kmod)
    pre = Prebuilt(conv.lib, conv.modinfo["name"] or args.name, conv.archive,
                   [conv.stubs.archive] if conv.stubs else [], conv.entries, no_pie=True)
    return run_smoke(session, None, args.image, False, prebuilt=pre), session


COMMAND = Command("test", "build, link and run a smoke test of a file-system component", DESCRIPTION,
                  add_arguments, run)
