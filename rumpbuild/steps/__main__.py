"""`python -m rumpbuild.steps NAME …`: rumpbuild's build steps as commands any backend can run.

Each subcommand is a thin wrapper over a plain function that rumpbuild's own
SCons engine calls in-process:

  rename  --arch ARCH [--norename REGEX] [--depfile FILE --cwd DIR] OBJ…
                                 Makefile.rump's symbol rename, in place (rumpbuild.elf.rename)
  archive OUT OBJ…               lib.a with a symbol index, members in order (rumpbuild.elf.archive)
  ioconf  SYSDIR IOCONF OUTDIR   ioconf.c, ioconf.h, locators.h from an .ioconf (rumpbuild.ioconf)
  depfile [--root ROOT] FILE DIR the relative prerequisites of FILE made absolute under DIR
                                 (those under ROOT relative to ROOT)
  shared  --soname NAME [--link NAME] [--ldflags=FLAG…] OUT PIC_ARCHIVE -- CC…
                                 lib.so linked from the PIC archive (bsd.lib.mk's link)
  link    --kind KIND [--soname NAME] [--input=F…] [--whole=A…] [--flag=F…] [--lib=L…] OUT -- CC…
                                 a program, shared library or NAME.kmod (rumpbuild.steps.link)

Errors print one message and exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from rumpbuild.errors import UserError


def _rename(args) -> None:
    from rumpbuild.arch import resolve
    from rumpbuild.elf.rename import rename_object

    target = resolve(args.arch)
    if args.depfile:
        _depfile_args(args.depfile, args.cwd or os.getcwd(), args.root)
    for obj in args.objects:
        rename_object(obj, target, args.norename or None)


def _depfile_args(path: str, base: str, root: str | None = None) -> None:
    from rumpbuild.steps.depfile import absolute_depfile

    if not os.path.isfile(path):
        raise UserError(f"no depfile {path}", ["compile with -MD -MF FILE first"])
    absolute_depfile(path, os.path.abspath(base), root)


def _archive(args) -> None:
    from rumpbuild.steps.archive import write_library

    write_library(None, args.out, args.objects)


def _ioconf(args) -> None:
    from pathlib import Path

    from rumpbuild.ioconf import generate_ioconf

    outdir = os.path.abspath(args.outdir)  # config(1) runs in another folder
    os.makedirs(outdir, exist_ok=True)
    generate_ioconf(Path(os.path.abspath(args.sysdir)), Path(os.path.abspath(args.ioconf)), Path(outdir))


def _shared(args) -> None:
    """bsd.lib.mk's link: `cc -shared -Wl,-soname,… --whole-archive lib_pic.a` (and the lib.so link)."""
    from rumpbuild.steps.link import link

    cc = args.cc[1:] if args.cc[:1] == ["--"] else args.cc
    if not cc:
        raise UserError("shared: no compiler given", ["end the command with -- CC [FLAGS…]"])
    ran = link(cc, args.out, kind="shared", soname=args.soname, whole_archives=[args.pic_archive],
               flags=args.ldflags)
    if not ran.ok:
        raise UserError(f"linking {os.path.basename(args.out)} failed:\n{ran.output}".rstrip(),
                        [f"rerun by hand: {' '.join(ran.argv)}"])
    if args.link:
        link_path = os.path.join(os.path.dirname(os.path.abspath(args.out)), args.link)
        if os.path.lexists(link_path):
            os.remove(link_path)
        os.symlink(os.path.basename(args.out), link_path)


def _link(args) -> None:
    """A ProgramPlan's link (rumpbuild.model.targets), as the in-process runner does it."""
    from rumpbuild.steps.link import link

    cc = args.cc[1:] if args.cc[:1] == ["--"] else args.cc
    if not cc:
        raise UserError("link: no compiler given", ["end the command with -- CC [FLAGS…]"])
    ran = link(cc, args.out, args.input, kind=args.kind, soname=args.soname, whole_archives=args.whole,
               flags=args.flag, libs=args.lib)
    if not ran.ok:
        raise UserError(f"linking {os.path.basename(args.out)} failed:\n{ran.output}".rstrip(),
                        [f"rerun by hand: {' '.join(ran.argv)}"])


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rumpbuild.steps", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="step", required=True, metavar="NAME")
    r = sub.add_parser("rename", help="rename an object's global symbols into the rump namespace (in place)")
    r.add_argument("--arch", required=True, help="MACHINE_ARCH (or MACHINE/MACHINE_ARCH) the object is for")
    r.add_argument("--norename", metavar="REGEX", help="RUMP_SYM_NORENAME: more names to keep")
    r.add_argument("--depfile", metavar="FILE", help="also make this depfile's relative paths absolute")
    r.add_argument("--cwd", metavar="DIR", help="the folder the compiler ran in (default: this one)")
    r.add_argument("--root", metavar="DIR", help="write the depfile's paths under DIR relative to DIR")
    r.add_argument("objects", nargs="+", metavar="OBJ")
    r.set_defaults(run=_rename)
    a = sub.add_parser("archive", help="write OUT from the objects, in order, with a symbol index")
    a.add_argument("out", metavar="OUT")
    a.add_argument("objects", nargs="+", metavar="OBJ")
    a.set_defaults(run=_archive)
    i = sub.add_parser("ioconf", help="ioconf.c, ioconf.h, locators.h for an .ioconf file")
    i.add_argument("sysdir", metavar="SYSDIR", help="the tree's sys folder")
    i.add_argument("ioconf", metavar="IOCONF")
    i.add_argument("outdir", metavar="OUTDIR")
    i.set_defaults(run=_ioconf)
    d = sub.add_parser("depfile", help="make a depfile's relative prerequisites absolute")
    d.add_argument("depfile", metavar="FILE")
    d.add_argument("cwd", metavar="DIR", help="the folder the compiler ran in")
    d.add_argument("--root", metavar="DIR", help="write the paths under DIR (ninja's build folder) relative to DIR")
    d.set_defaults(run=lambda args: _depfile_args(args.depfile, args.cwd, args.root))
    s = sub.add_parser("shared", help="link a shared library from a PIC archive (options first, -- CC… at the end)")
    s.add_argument("out", metavar="OUT")
    s.add_argument("pic_archive", metavar="PIC_ARCHIVE")
    s.add_argument("--soname", required=True)
    s.add_argument("--link", metavar="NAME", help="also make the symbolic link NAME (lib<LIB>.so) to OUT")
    s.add_argument("--ldflags", action="append", default=[], metavar="FLAG", help="put after the archive")
    s.add_argument("cc", nargs=argparse.REMAINDER, metavar="CC")
    s.set_defaults(run=_shared)
    k = sub.add_parser("link", help="link a program, shared library or kmod (options first, -- CC… at the end)")
    k.add_argument("out", metavar="OUT")
    k.add_argument("--kind", choices=("program", "shared", "relocatable"), default="program")
    k.add_argument("--soname")
    for opt, what in (("input", "an object or archive, in order"), ("whole", "an archive linked in whole"),
                      ("flag", "a flag after the inputs"), ("lib", "a library flag, last")):
        k.add_argument(f"--{opt}", action="append", default=[], metavar="X", help=f"{what} (--{opt}=X)")
    k.add_argument("cc", nargs=argparse.REMAINDER, metavar="CC")
    k.set_defaults(run=_link)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except OSError as exc:  # a missing or unwritable file named on the command line
        print(f"rumpbuild.steps {args.step}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
