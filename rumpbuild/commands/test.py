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

--state FILE configures cgd(4) disks and RAIDframe sets before the mount, in
the file's order, through the kernel's own ioctls, mounts the file's [mount]
device, and tears them down after the unmount (format: README, "Kernel state
before the mount").  --init-from [PLAIN.img] first writes a plain file-system
image (default: the one made with the host's tools) through them, so a cgd's
host file holds ciphertext; RAID sets are then created (labels, parity).

examples:
  rumpbuild test msdos                           example tree, host arch
  rumpbuild test ffs --src ~/netbsd/src --arch evbarm64 --toolchain zig
  rumpbuild test ffs --src ~/netbsd/src --image disk.img%DISKLABEL:a%
  rumpbuild test msdos --arch amd64 --kmod msdos.kmod   a converted kernel module instead (x86)
  rumpbuild test ffs --src ~/netbsd/src --state cgd.toml --init-from   make, encrypt, mount, read back
  rumpbuild test zfs --src ~/netbsd/src -D MKZFS=yes --toolchain gcc [--mirror]

zfs has its own steps (rumpbuild/zfs/roundtrip.py): a pool on a fresh sparse
image (--mirror: two, and 1 MB of the first overwritten before the import),
a dataset, a tree of files written, export; a new process imports the pool,
reads the tree back (compared byte for byte), scrubs twice, exports.
--import IMAGE… checks an existing pool instead (--put DIR writes to it first).
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
    p.add_argument("--state", metavar="FILE", help="configure the cgd/RAID devices of this TOML state file "
                   "before the mount and mount its [mount] device")
    p.add_argument("--init-from", metavar="PLAIN.img", nargs="?", const="made",
                   help="with --state: first write this plain image (default: the made one) through the devices")
    p.add_argument("--mirror", action="store_true", help="zfs: a mirror of two images, one damaged before the import")
    p.add_argument("--size", metavar="SIZE", default="256M", help="zfs: size of each sparse image (default 256M)")
    p.add_argument("--import", dest="import_images", metavar="IMAGE", action="append",
                   help="zfs: instead, import the pool on these images (repeat for each vdev), read every "
                        "dataset, scrub, export; errors exit 1 and a failed import leaves the images unchanged")
    p.add_argument("--put", metavar="DIR", help="zfs, with --import: first copy DIR into the pool's root dataset")
    p.add_argument("--kmod", metavar="FILE.kmod", help="x86: test this kernel module, converted (see `rumpbuild "
                   "component --kmod`), instead of the component built from source; linked -no-pie (variant no-pie)")


def _stub_archives(session, entry) -> list[str]:
    """Build the component with its closure and base, stub what nothing defines."""
    from rumpbuild.model.missing import analyze
    from rumpbuild.smoke.runner import closure_with_base
    from rumpbuild.stubs import generate_stubs

    closure = closure_with_base(session, entry)
    plan = session.build(closure, shared=True)
    truly = [m.name for m in analyze(session, plan, entry.lib) if m.defined_in is None]
    if not truly:
        return []
    return [str(generate_stubs(session, entry.lib, truly, session.outdir).archive)]


def run(args) -> int:
    from rumpbuild.session import BuildSession
    from rumpbuild.smoke.runner import run_smoke

    # text output: the header (with the toolchain) before building, then each step as it ends,
    # flushed, so a pipe (CI log, `| tee`) shows progress instead of everything at the end
    text = not args.json
    on_step = _print_step if text else None
    if args.kmod:
        res, session = _run_kmod(args, text, on_step)
    else:
        session = BuildSession.from_args(args)
        entry = session.find_component(args.name)
        if text:
            _print_header(entry.lib, session)
        if entry.lib == "rumpfs_zfs":
            return _report(args, _run_zfs(args, session, entry), session)
        shared = None if args.shared == "auto" else args.shared == "yes"
        extra = []
        if args.stubs:
            extra = _stub_archives(session, entry)
            shared = False if extra else shared  # stubs are kernel (non-PIC) code: static program only
        state = _load_state(args, session)
        res = run_smoke(session, entry, args.image, shared, extra_archives=extra, partition=args.partition,
                        on_step=on_step, state=state, init_from=args.init_from)
    return _report(args, res, session)


def _run_zfs(args, session, entry):
    from rumpbuild.errors import UserError
    from rumpbuild.zfs.names import parse_size
    from rumpbuild.zfs.roundtrip import check_pool, run_zfs_test

    if args.image or args.kmod or args.partition or args.stubs:
        raise UserError("the zfs test makes its own pool images: --image, --partition, --stubs and --kmod do not apply",
                        ["drop them; --mirror and --size choose the pool's layout, --import tests an existing pool"])
    if args.import_images:
        return check_pool(session, entry, args.import_images, args.put)
    if args.put:
        raise UserError("--put copies files into an existing pool and needs --import IMAGE")
    return run_zfs_test(session, entry, parse_size(args.size), args.mirror)


def _report(args, res, session) -> int:
    if args.json:
        json.dump({"component": res.component, "arch": res.arch, "toolchain": session.toolchain.name,
                   "ok": res.ok, "steps": [s.__dict__ for s in res.steps]}, sys.stdout, indent=1)
        print()
    else:
        if res.on_step is None:  # not streamed while it ran (the zfs round trip reports at the end)
            for s in res.steps:
                _print_step(s)
        print("PASSED" if res.ok else "FAILED", flush=True)
    return 0 if res.ok else 1


def _print_header(lib: str, session) -> None:
    from rumpbuild.commands import zig_libc_note

    print(f"smoke test of {lib} on {session.target.name} ({session.toolchain.name})", flush=True)
    zig_libc_note(session)


def _print_step(s) -> None:
    v = f"[{s.variant}] " if s.variant else ""
    print(f"  {s.status:4}  {v}{s.name:10} {s.detail}", flush=True)


def _load_state(args, session):
    """The validated --state file, checked against the tree (ciphers its cgd knows)."""
    from rumpbuild.errors import UserError

    if args.init_from and not args.state:
        raise UserError("--init-from writes through the devices of a state file", ["add --state FILE"])
    if not args.state:
        return None
    import os

    if args.image or args.partition:
        raise UserError("--state names its images itself: --image and --partition do not apply",
                        ["drop --image/--partition; give a plain image with --init-from PLAIN.img"])

    from rumpbuild.state import load_state
    from rumpbuild.state.kernel import check_tree

    if args.init_from not in (None, "made") and not os.path.isfile(args.init_from):
        raise UserError(f"--init-from {args.init_from}: no such file", ["make one with makefs, or give "
                        "--init-from alone for the image rumpbuild makes"])
    state = load_state(args.state, creating=bool(args.init_from))
    if state.mount is not None and state.mount.fs != args.name:
        raise UserError(f"{args.state}:{state.mount.line}: [mount] fs = \"{state.mount.fs}\", but the test is of "
                        f"{args.name}", [f"rumpbuild test {state.mount.fs} --state {args.state}"])
    if state.mount is None:
        raise UserError(f"{args.state}: the smoke test mounts a device and the state file has no [mount] table",
                        ["add [mount] with fs and device"])
    check_tree(state, session.tree.sys)
    return state


def _run_kmod(args, text: bool, on_step):
    import os

    from rumpbuild.arch import resolve
    from rumpbuild.session import BuildSession
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
    if text:
        _print_header(args.name + " (kmod)", session)
    conv = convert_kmod(session, args.name, args.kmod)
    pre = Prebuilt(conv.lib, conv.modinfo["name"] or args.name, conv.archive,
                   [conv.stubs.archive] if conv.stubs else [], conv.entries, no_pie=True)
    return run_smoke(session, None, args.image, False, prebuilt=pre, on_step=on_step), session


COMMAND = Command("test", "build, link and run a smoke test of a file-system component", DESCRIPTION,
                  add_arguments, run)
