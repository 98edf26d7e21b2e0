"""`rumpbuild install --destdir D [NAME…]`: the base and components in buildrump.sh's `-d` layout."""

from __future__ import annotations

import os
import shutil
import sys

from rumpbuild.commands import Command
from rumpbuild.errors import UserError

DESCRIPTION = """\
Build the rump kernel base and the named components with their link
closures (what is missing; progress on stderr), then install them the way
buildrump.sh's -d DESTDIR does:

  D/lib/lib<LIB>.a, lib<LIB>_pic.a, lib<LIB>.so.0 and lib<LIB>.so
  D/include/rump/*.h          the tree's public rump headers (and any other staged ones)
  D/lib/pkgconfig/<LIB>.pc    shared: -I D/include -L D/lib, rpath, --no-as-needed, the closure
  D/lib/pkgconfig/<LIB>-static.pc  the archives between --whole-archive … --no-whole-archive

A program then links with
  cc prog.c $(PKG_CONFIG_PATH=D/lib/pkgconfig pkg-config --cflags --libs rumpfs_msdos) -o prog

Installing again replaces the files of the same names; nothing else in D is touched.

examples:
  rumpbuild install --destdir /tmp/rump                       the base only
  rumpbuild install --destdir /opt/rump msdos tmpfs           two components, their closures, the base
  rumpbuild install --destdir ./rump-arm --src ~/netbsd/src --arch evbarm --toolchain zig ffs
"""


def add_arguments(p):
    from rumpbuild.commands.component import add_build_arguments

    p.add_argument("names", nargs="*", metavar="NAME", help="components to install (default: the base only)")
    p.add_argument("--destdir", required=True, metavar="D", help="install into D/lib and D/include (made if missing)")
    add_build_arguments(p)


def run(args) -> int:
    from rumpbuild.commands.kernel import BASE
    from rumpbuild.session import BuildSession

    destdir = os.path.abspath(args.destdir)
    if os.path.exists(destdir) and not os.path.isdir(destdir):
        raise UserError(f"--destdir {args.destdir} exists and is not a folder", ["name a folder, new or existing"])
    session = BuildSession.from_args(args)
    bases = [b for b in map(session.find_base, BASE) if b is not None]
    closures = {}
    for name in args.names:
        entry = session.find_component(name)
        closures[entry.lib] = session.closure(entry)
    entries = []
    for c in closures.values():
        entries += [e for e in c if e not in entries]
    entries += [b for b in bases if b not in entries]
    plan = session.build(entries, shared=not args.no_shared)
    if plan.no_shared_reason and not args.quiet:
        print(f"rumpbuild: note: no lib*.so: {plan.no_shared_reason}", file=sys.stderr)

    libdir, incdir = os.path.join(destdir, "lib"), os.path.join(destdir, "include")
    installed = [_install_library(l, plan.shared, libdir) for l in plan.libraries]
    headers = _install_headers(session, incdir)
    pcfiles = _write_pkgconfig(session, plan, closures, bases, destdir)
    if not args.quiet:
        print(f"installed {len(installed)} libraries into {libdir}: " + " ".join(installed))
        print(f"installed {headers} headers into {incdir}")
        print(f"wrote {len(pcfiles)} pkg-config files into {os.path.join(libdir, 'pkgconfig')}")
    return 0


def _copy(src: str, dst: str) -> None:
    """Copy replacing *dst* (never write through a link or into a file a running program maps)."""
    tmp = dst + ".rumpbuild-tmp"
    shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def _install_library(lib, shared: bool, libdir: str) -> str:
    os.makedirs(libdir, exist_ok=True)
    for path in (lib.archive, lib.pic_archive):
        _copy(path, os.path.join(libdir, os.path.basename(path)))
    if shared and lib.shared:
        so = os.path.basename(lib.shared)  # lib<LIB>.so.0, its soname
        _copy(lib.shared, os.path.join(libdir, so))
        link = os.path.join(libdir, f"lib{lib.lib}.so")
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(so, link)
    return lib.lib


def _install_headers(session, incdir: str) -> int:
    """OUT/include (the staged INCS, links into the tree) copied as files; the tree's
    sys/rump/include/rump when nothing staged it (trees without its Makefile)."""
    staged = os.path.join(session.outdir, "include")
    sources = [(staged, incdir)]
    if not os.path.isdir(os.path.join(staged, "rump")):
        sources.append((str(session.tree.rump / "include" / "rump"), os.path.join(incdir, "rump")))
    count = 0
    for src_root, dst_root in sources:
        for root, _dirs, files in os.walk(src_root, followlinks=True):
            for f in files:
                if not f.endswith(".h"):
                    continue
                dst = os.path.join(dst_root, os.path.relpath(os.path.join(root, f), src_root))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                _copy(os.path.realpath(os.path.join(root, f)), dst)
                count += 1
    return count


def _write_pkgconfig(session, plan, closures, bases, destdir: str) -> list[str]:
    """<LIB>.pc and <LIB>-static.pc for each component and base library, pointing into destdir."""
    from rumpbuild.model.linkflags import MODES, link_flags, write_pkgconfig

    built = {l.lib for l in plan.libraries}
    core = [b.lib for b in bases if b.name in ("rumpkern", "rumpuser")]  # every program links these
    links = {lib: [e.lib for e in c] + [x for x in core if x not in {e.lib for e in c}]
             for lib, c in closures.items()}
    for b in bases:  # a faction with librump and librumpuser; librump with librumpuser
        links.setdefault(b.lib, core[core.index(b.lib):] if b.lib in core else [b.lib] + core)
    libdir, incdir = os.path.join(destdir, "lib"), os.path.join(destdir, "include")
    pcdir = os.path.join(libdir, "pkgconfig")
    modes = MODES if plan.shared else ("static",)
    written = []
    for lib, names in links.items():
        names = [n for n in names if n in built]
        flags = {m: link_flags(names, libdir, [incdir], m, session.target, session.toolchain) for m in modes}
        written += write_pkgconfig(pcdir, lib, flags, destdir,
                                   f"rump kernel library lib{lib} for {session.target.name}, with what it links")
    return written


COMMAND = Command("install", "install the base and components into DESTDIR/lib, DESTDIR/include/rump, pkgconfig",
                  DESCRIPTION, add_arguments, run)
