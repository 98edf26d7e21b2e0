"""`rumpbuild scan`: list a tree's rump components, factions and kernel modules."""

from __future__ import annotations

import json
import sys

from rumpbuild.commands import Command
from rumpbuild.errors import UnknownNameError, UserError

DESCRIPTION = """\
Evaluate every rump component (sys/rump/{fs,dev,net,kern}/lib/lib*/Makefile),
every faction (librump, librumpvfs, librumpdev, librumpnet), the hypercall
library librumpuser and every kernel module (sys/modules/*/Makefile) of a
NetBSD source tree with rumpbuild's bmake evaluator, for one NetBSD machine.

Modules that register a file system (MODULE_CLASS_VFS) but have no rump
component are marked as candidates: `rumpbuild component NAME` can generate
their rump component.  A Makefile that cannot be evaluated is shown as an
error row (file:line: reason) and the scan goes on; the exit status is 1 only
when a NAME you asked for has an error.

Evaluating a Makefile runs its `!=` shell commands, as make does (under
/bin/sh in the Makefile's folder; each gets 20 s and 64 MiB of output, then
it is killed with everything it started): scan only trees you would run make
in.  scan runs those of every Makefile it lists; `rumpbuild component` runs
only those of the Makefiles the libraries it builds need.  A command that
fails, and `.warning`, are warnings: -v and --json show them here, builds
print them.

examples:
  rumpbuild scan                               the bundled example tree
  rumpbuild scan --src ~/netbsd/src --arch evbarm
  rumpbuild scan --src ~/netbsd/src ffs msdos -v   flags and sources of two
  rumpbuild scan --json > scan.json            the stable JSON format (README)
"""

JSON_FORMAT_VERSION = 1


def add_arguments(p):
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="only these components/modules (directory name, LIB or KMOD)")
    p.add_argument("--src", metavar="DIR", help="NetBSD source tree (default: the bundled example tree)")
    p.add_argument("--arch", default="amd64", metavar="ARCH",
                   help="NetBSD MACHINE or MACHINE_ARCH to evaluate for (default: amd64; see `rumpbuild arches`)")
    p.add_argument("--kind", choices=["component", "faction", "hypercall", "module", "candidate"], action="append",
                   help="show only entries of this kind (repeatable)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="VAR=VALUE",
                   help="set a make variable on the command line, e.g. -D MKZFS=yes")
    p.add_argument("--toolchain", default="auto", metavar="NAME",
                   help="compiler the tree's Makefiles may probe (arm's features.mk does); zig, gcc, clang, "
                        "auto or none (host cc)")
    p.add_argument("--json", action="store_true", help="print the stable JSON document instead of a table")
    p.add_argument("-v", "--verbose", action="store_true", help="show sources and flags of each entry")


def parse_defines(defines):
    out = {}
    for d in defines:
        name, sep, value = d.partition("=")
        if not sep or not name:
            raise UserError(f"-D '{d}' is not VAR=VALUE", ["write it as -D MKZFS=yes"])
        out[name] = value
    return out


def run(args) -> int:
    from rumpbuild.arch import resolve
    from rumpbuild.tree import find_tree
    from rumpbuild.tree.scan import scan

    tree = find_tree(args.src)
    target = resolve(args.arch)
    overrides = {}
    if args.toolchain != "none":
        import shlex

        from rumpbuild.toolchain import find_toolchain

        try:
            overrides["CC"] = shlex.join(find_toolchain(target, args.toolchain).cc)
        except UserError:
            if args.toolchain != "auto":
                raise
            # scanning needs no compiler: without one, probes (arm's features.mk) see the host cc
    overrides.update(parse_defines(args.defines))
    result = scan(tree, target.make_vars(), overrides)
    entries = result.entries
    status = 0
    if args.names:
        chosen = []
        for name in args.names:
            hits = result.find(name)
            if not hits:
                known = sorted({n for e in entries for n in (e.name, e.lib, e.kmod) if n})
                raise UnknownNameError("component or module", name, known,
                                       ["`rumpbuild scan` lists every name"])
            chosen.extend(h for h in hits if h not in chosen)
        entries = chosen
        if any(e.error for e in entries):
            status = 1
    if args.kind:
        kinds = set(args.kind)
        entries = [e for e in entries if e.kind in kinds or ("candidate" in kinds and e.candidate)]
    if args.json:
        json.dump(to_json(result, target, entries), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print_table(result, target, entries, args.verbose)
    if status:
        for e in entries:
            if e.error:
                print(f"rumpbuild: error: {e.error['message']}", file=sys.stderr)
        print("Things to try:\n  - fix the Makefile at that line, or report a rumpbuild bug if make reads it fine",
              file=sys.stderr)
    return status


def entry_json(tree, e) -> dict:
    def rel(p):
        return tree.rel(p) if p else None

    return {
        "kind": e.kind,
        "name": e.name,
        "makefile": rel(e.makefile),
        "category": e.category,
        "lib": e.lib,
        "kmod": e.kmod,
        "comment": e.comment,
        "sources": [{"name": s.name, "path": rel(s.path), "status": s.status} for s in e.sources],
        "cppflags": e.cppflags,
        "cflags": e.cflags,
        "cwarnflags": e.cwarnflags,
        "aflags": e.aflags,
        "per_file": e.per_file,
        "ioconf": e.ioconf,
        "rumpcomp_user_srcs": e.rumpcomp_user_srcs,
        "rumpcomp_user_cppflags": e.rumpcomp_user_cppflags,
        "rumpcomp_user_cflags": e.rumpcomp_user_cflags,
        "rump_sym_norename": e.rump_sym_norename,
        "libdplibs": e.libdplibs,
        "module": e.module,
        "component": e.component,
        "vfs": e.is_vfs,
        "candidate": e.candidate,
        "error": e.error and {**e.error, "file": rel(e.error["file"])},
        "warnings": e.warnings,
    }


def summary(result) -> dict:
    comps = result.of_kind("component")
    by_cat = {}
    for c in comps:
        by_cat[c.category] = by_cat.get(c.category, 0) + 1
    mods = result.of_kind("module")
    return {
        "components": len(comps),
        "components_by_category": by_cat,
        "factions": len(result.of_kind("faction")),
        "hypercall": len(result.of_kind("hypercall")),
        "modules": len(mods),
        "candidates": sorted((m.kmod or m.name) for m in mods if m.candidate),
        "errors": sum(1 for e in result.entries if e.error),
        "missing_sources": sum(1 for e in result.entries for s in e.sources if s.status == "missing"),
    }


def to_json(result, target, entries) -> dict:
    return {
        "format": JSON_FORMAT_VERSION,
        "src": str(result.tree.root),
        "example_tree": result.tree.is_example,
        "arch": target.make_vars(),
        "summary": summary(result),
        "entries": [entry_json(result.tree, e) for e in entries],
    }


def _status(e) -> str:
    if e.error:
        return "error"
    if e.candidate:
        return "candidate"
    missing = sum(1 for s in e.sources if s.status == "missing")
    return f"{missing} missing src" if missing else "ok"


def table_console():
    """A rich Console for tables on stdout: the terminal's width on a terminal; piped, plain
    columns of any width (rich would cut cells to 80 columns: `rumpfs_f…`), no colour."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(width=100_000, soft_wrap=True, highlight=False, color_system=None, force_terminal=False)


def print_table(result, target, entries, verbose):
    from rich.table import Table

    console = table_console()
    tree = result.tree
    where = "bundled example tree" if tree.is_example else str(tree.root)
    v = target.make_vars()
    table = Table(title=f"{where} — {v['MACHINE']} ({v['MACHINE_ARCH']})", box=None, pad_edge=False)
    for col in ("kind", "name", "library / kmod", "cat", "srcs", "ioconf", "pairs with", "status"):
        table.add_column(col)
    for e in entries:
        pair = e.module if e.kind == "component" else e.component
        table.add_row(
            "candidate" if e.candidate else e.kind,
            e.name,
            e.lib or e.kmod or "",
            e.category or "",
            str(len(e.sources)),
            e.ioconf or "",
            pair or "",
            _status(e),
        )
    console.print(table)
    for e in entries:
        if e.error:
            console.print(f"[red]error[/red] {e.kind} {e.name}: {tree.rel(e.error['file'])}:{e.error['line']}: "
                          f"{e.error['reason']}", markup=True)
    if verbose:
        for e in entries:
            if e.error:
                continue
            console.print(f"\n[bold]{e.kind} {e.name}[/bold] ({tree.rel(e.makefile)})", markup=True)
            for s in e.sources:
                console.print(f"  {s.name:28} {s.status:9} {tree.rel(s.path) if s.path else ''}")
            console.print("  CPPFLAGS " + " ".join(e.cppflags))
            console.print("  CFLAGS   " + " ".join(e.cflags))
            for f, flags in e.per_file.items():
                console.print(f"  {f}: " + ", ".join(f"{k}={v}" for k, v in flags.items()))
            for w in e.warnings:
                console.print(f"  warning: {w}")
    s = summary(result)
    cats = ", ".join(f"{k} {v}" for k, v in sorted(s["components_by_category"].items()))
    console.print(
        f"\n{s['components']} components ({cats}), {s['factions']} factions, {s['modules']} modules, "
        f"{len(s['candidates'])} candidates ({', '.join(s['candidates'])}), {s['errors']} errors"
    )


COMMAND = Command("scan", "list rump components, factions and kernel modules of a tree", DESCRIPTION,
                  add_arguments, run)
