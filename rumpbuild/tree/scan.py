"""Discover and evaluate every rump component, faction and kernel module.

Components are `sys/rump/{fs,dev,net,kern}/lib/lib*/Makefile`; factions the
librump fragments (preferring `lib/librump*`, which is what gets built, over
`sys/rump/librump/*`); modules `sys/modules/*/Makefile`.  Each Makefile is
evaluated on its own; one that fails becomes an error entry and the scan
goes on.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field


from rumpbuild.errors import MakefileError, shown
from rumpbuild.fsutil import unsafe_name_reason
from rumpbuild.mk import Evaluator, SystemMakefiles
from rumpbuild.mk.recipe import Recipe, library_recipe
from rumpbuild.tree.options import make_vars

CATEGORIES = ("fs", "dev", "net", "kern")
# faction name -> (LIB, lib/ folder, sys/rump/librump folder)
FACTIONS = {
    "rumpkern": ("rump", "librump", "rumpkern"),
    "rumpvfs": ("rumpvfs", "librumpvfs", "rumpvfs"),
    "rumpdev": ("rumpdev", "librumpdev", "rumpdev"),
    "rumpnet": ("rumpnet", "librumpnet", "rumpnet"),
}
HYPERCALL = "rumpuser"
# Sources a build generates; they are not expected to exist in the tree.
GENERATED_SOURCES = {"ioconf.c", "vers.c", "linksyms_sun.c"}
_PER_FILE = re.compile(r"^(COPTS|CPPFLAGS|CPUFLAGS|CWARNFLAGS|AFLAGS|OBJCOPTS)\.(.+)$")
_LIB_PREFIX = re.compile(r"^rump(fs|vfs|dev|net|kern)?_")
_VFS_MODULE = re.compile(rb"MODULE\s*\(\s*MODULE_CLASS_VFS\b")


@dataclass
class Source:
    name: str
    path: str | None  # resolved file, or None
    status: str  # found | generated | missing


@dataclass
class Entry:
    """One evaluated Makefile: a component, faction, hypercall lib or module."""

    kind: str  # component | faction | hypercall | module
    name: str
    makefile: str
    category: str | None = None
    lib: str | None = None
    kmod: str | None = None
    comment: str = ""
    sources: list[Source] = field(default_factory=list)
    cppflags: list[str] = field(default_factory=list)
    cflags: list[str] = field(default_factory=list)
    cwarnflags: list[str] = field(default_factory=list)
    aflags: list[str] = field(default_factory=list)
    per_file: dict[str, dict[str, str]] = field(default_factory=dict)
    ioconf: str | None = None
    rumpcomp_user_srcs: list[str] = field(default_factory=list)
    rumpcomp_user_cppflags: list[str] = field(default_factory=list)
    rumpcomp_user_cflags: list[str] = field(default_factory=list)
    rump_sym_norename: str | None = None
    rumpobj_norename: list[str] = field(default_factory=list)
    libdplibs: list[str] = field(default_factory=list)
    warns: str | None = None
    klinks: bool = False
    is_vfs: bool = False  # modules: registers with MODULE_CLASS_VFS
    component: str | None = None  # modules: the component building the same fs
    module: str | None = None  # components: the module of the same fs
    candidate: bool = False  # modules: a file system with no rump component
    error: dict | None = None
    warnings: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    # what building it needs (scan(..., recipes=True)); the evaluator itself stays in rumpbuild/mk
    recipe: Recipe | None = field(default=None, repr=False, compare=False)
    # components generated from a kernel module (rumpbuild.tree.generate): where the
    # generated Makefile was written under the output folder; None for the tree's own
    generated_makefile: str | None = None

    @property
    def fs_names(self) -> set[str]:
        names = {self.name}
        if self.lib:
            names.add(_LIB_PREFIX.sub("", self.lib))
        return names

    def c_source_texts(self):
        """(path, bytes) of every C source that exists; unreadable ones are skipped."""
        for s in self.sources:
            if s.path and s.path.endswith(".c"):
                try:
                    with open(s.path, "rb") as f:
                        yield s.path, f.read()
                except OSError:
                    continue

    def resolved_paths(self) -> set[str]:
        return {os.path.realpath(s.path) for s in self.sources if s.path}


class _EntryQueries:
    """Lookups over ``self.entries`` (a list, or a property that evaluates what is left)."""

    entries: list[Entry]

    def of_kind(self, *kinds):
        return [e for e in self.entries if e.kind in kinds]

    def find(self, name: str) -> list[Entry]:
        return [e for e in self.entries if name in (e.name, e.lib, e.kmod) or (e.lib and name == "lib" + e.lib)]


@dataclass
class ScanResult(_EntryQueries):
    tree: object
    target_vars: dict
    entries: list[Entry]


def name_bases(name: str) -> set[str]:
    """Folder names a library called *name* may live in: ffs, rumpfs_ffs, librumpfs_ffs -> ffs."""
    bare = name[3:] if name.startswith("lib") else name
    return {name, bare, _LIB_PREFIX.sub("", bare)}


_LIB_LINE = re.compile(r"^LIB\s*[:?!]?=\s*(\S+)\s*$", re.M)
_LIB_ANY = re.compile(r"^\s*LIB\s*[+:?!]?=", re.M)


def lib_hint(makefile: str) -> str | None:
    """LIB as the Makefile spells it, when it is one plain assignment; else None (evaluate to know)."""
    if unusable_makefile(makefile):
        return None  # never open a FIFO or a folder; evaluating it reports the problem
    try:
        with open(makefile, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    m = _LIB_LINE.search(text)
    if m is None or "$" in m.group(1) or len(_LIB_ANY.findall(text)) != 1:
        return None
    return m.group(1)


class LazyScan(_EntryQueries):
    """A scan whose Makefiles are evaluated when first asked for.

    Same interface as ScanResult (``entries``, ``of_kind``, ``find``), plus
    ``named(name)``: every entry that may answer to *name* — its folder or
    its literal ``LIB =`` line fits (fs_names are exactly those two), or its
    LIB is computed — evaluating only those.  A build of one component
    evaluates a handful of Makefiles, not the tree's hundred.
    """

    def __init__(self, tree, target_vars: dict, items, evaluate_item, warn=None):
        self.tree = tree
        self.target_vars = target_vars
        self._items = items
        self._evaluate_item = evaluate_item
        # builds show what `.warning` and failed `!=` commands said, once each
        self._warn = warn or print_warning
        self._warned: set[str] = set()
        self._done: dict[int, Entry] = {}
        self._extra: list[Entry] = []
        self._hints: list[set[str] | None] = []
        for _kind, name, makefile, _cat in items:
            lib = lib_hint(makefile)
            self._hints.append(None if lib is None else name_bases(lib) | {name})

    def _entry(self, i: int) -> Entry:
        e = self._done.get(i)
        if e is None:
            e = self._done[i] = self._evaluate_item(*self._items[i])
            for w in e.warnings:
                if w not in self._warned:
                    self._warned.add(w)
                    self._warn(w)
        return e

    @property
    def entries(self) -> list[Entry]:
        return [self._entry(i) for i in range(len(self._items))] + self._extra

    def iter_entries(self):
        """Every entry in discovery order, each evaluated only when reached (stop early, save work)."""
        for i in range(len(self._items)):
            yield self._entry(i)
        yield from list(self._extra)

    def evaluated(self) -> list[Entry]:
        """The entries evaluated so far (what this run's result depends on)."""
        return [self._done[i] for i in sorted(self._done)] + self._extra

    def named(self, name: str) -> list[Entry]:
        bases = name_bases(name)
        found = [self._entry(i) for i, hint in enumerate(self._hints)
                 if self._items[i][1] in bases or hint is None or hint & bases]
        return found + [e for e in self._extra if bases & ({e.name, e.lib} | e.fs_names)]

    def of_kind_only(self, *kinds) -> list[Entry]:
        """Entries of *kinds* (as discovered), evaluating only those."""
        return [self._entry(i) for i, item in enumerate(self._items) if item[0] in kinds] + [
            e for e in self._extra if e.kind in kinds]

    def add(self, entry: Entry) -> None:
        """An entry made outside the tree's Makefiles (a component generated from a module)."""
        self._extra.append(entry)


def print_warning(text: str) -> None:
    print(f"rumpbuild: warning: {text}", file=sys.stderr)


def unusable_makefile(path: str) -> str | None:
    """Why *path* cannot be read as a Makefile (missing, a folder, a FIFO…), or None if it can."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "is a dangling symbolic link" if os.path.islink(path) else "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(st.st_mode):
        return "is a FIFO, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if not os.access(path, os.R_OK):
        return "is not readable"
    return None


def discover(tree) -> list[tuple[str, str, str, str | None]]:
    """(kind, name, makefile, category) for every Makefile of interest."""
    found = []
    for cat in CATEGORIES:
        libdir = tree.rump / cat / "lib"
        if not libdir.is_dir():
            continue
        for d in sorted(libdir.iterdir()):
            # a component folder with a broken Makefile is listed too: its error then
            # says so, instead of a library generated from sys/modules/NAME
            if d.name.startswith("lib") and d.is_dir():
                found.append(("component", d.name[3:], str(d / "Makefile"), cat))
    for name, (lib, libdirname, sysdirname) in FACTIONS.items():
        top = tree.root / "lib" / libdirname / "Makefile"
        inner = tree.rump / "librump" / sysdirname / "Makefile"
        if top.is_file():
            found.append(("faction", name, str(top), None))
        elif inner.is_file():
            found.append(("faction", name, str(inner), None))
    ru = tree.root / "lib" / "librumpuser" / "Makefile"
    if ru.is_file():
        found.append(("hypercall", HYPERCALL, str(ru), None))
    if tree.modules.is_dir():
        for d in sorted(tree.modules.iterdir()):
            mf = d / "Makefile"
            if mf.is_file() and d.is_dir():
                found.append(("module", d.name, str(mf), None))
    return found


def objdir_for(tree, makefile: str, objroot: str) -> str:
    """NetBSD-style object folder: OBJROOT/<folder of the Makefile, relative to the tree>."""
    return os.path.join(objroot, os.path.relpath(os.path.dirname(makefile), tree.root))


def evaluate(tree, kind, name, makefile, category, target_vars, overrides=None, recipes=False,
             objroot=None) -> Entry:
    entry = Entry(kind=kind, name=name, makefile=makefile, category=category)
    problem = unusable_makefile(makefile)
    if problem:
        reason = (f"the {kind} folder's Makefile {problem}; restore {os.path.basename(makefile)} "
                  f"(a readable regular file) or remove the folder")
        entry.error = {"file": makefile, "line": 0, "reason": reason, "message": f"{makefile}: {reason}"}
        return entry
    objdir = objdir_for(tree, makefile, objroot) if objroot else None
    ev = Evaluator(make_vars(tree, target_vars, overrides), SystemMakefiles(), objdir=objdir)
    try:
        ev.evaluate_file(makefile)
    except MakefileError as exc:
        entry.error = {"file": exc.filename, "line": exc.lineno, "reason": exc.reason, "message": str(exc)}
        return entry
    _fill(entry, ev)
    if recipes and entry.error is None:
        entry.recipe = library_recipe(ev, entry, with_rules=kind != "module")
    return entry


def _fill(entry: Entry, ev: Evaluator) -> None:
    try:
        entry.lib = ev.value("LIB") or None
        entry.kmod = ev.value("KMOD") or None
        entry.comment = ev.value("COMMENT")
        srcs = ev.words("SRCS")
        entry.cppflags = ev.words("CPPFLAGS")
        entry.cflags = ev.words("CFLAGS")
        entry.cwarnflags = ev.words("CWARNFLAGS")
        entry.aflags = ev.words("AFLAGS")
        entry.ioconf = ev.value("IOCONF") or None
        entry.rumpcomp_user_srcs = ev.words("RUMPCOMP_USER_SRCS")
        entry.rumpcomp_user_cppflags = ev.words("RUMPCOMP_USER_CPPFLAGS")
        entry.rumpcomp_user_cflags = ev.words("RUMPCOMP_USER_CFLAGS")
        entry.rump_sym_norename = ev.value("RUMP_SYM_NORENAME") or None
        entry.rumpobj_norename = ev.words("RUMPOBJ_NORENAME")
        entry.libdplibs = ev.words("LIBDPLIBS")
        entry.warns = ev.value("WARNS") or None
        entry.klinks = ev.defined("_RUMPBUILD_KLINKS")
        _check_names(entry, ev, srcs)
        basenames = {os.path.basename(s) for s in srcs}
        for var in list(ev.vars):
            m = _PER_FILE.match(var)
            if m and m.group(2) in basenames:
                entry.per_file.setdefault(m.group(2), {})[m.group(1)] = ev.value(var)
    except MakefileError as exc:
        entry.error = {"file": exc.filename, "line": exc.lineno, "reason": exc.reason, "message": str(exc)}
        return
    seen = set()
    for s in srcs:
        if s in seen:
            continue
        seen.add(s)
        path = ev.resolve_source(s)
        if path:
            entry.sources.append(Source(s, path, "found"))
        elif os.path.basename(s) in GENERATED_SOURCES or s in ev.targets or s in ev.rules:
            entry.sources.append(Source(s, None, "generated"))
        else:
            entry.sources.append(Source(s, None, "missing"))
    entry.warnings = [f"{f}:{l}: {m}" for f, l, m in ev.warnings]
    entry.includes = list(dict.fromkeys(ev.files_read))


# Variables whose words become file names in the output folder (or, generated, in the tree).
_NAME_VARS = ("LIB", "KMOD", "IOCONF", "SRCS", "RUMPCOMP_USER_SRCS")


def _check_names(entry: Entry, ev: Evaluator, srcs: list[str]) -> None:
    """Every name that becomes a file name must be one safe path component (LIB=../x would write outside)."""
    values = {"LIB": [entry.lib] if entry.lib else [], "KMOD": [entry.kmod] if entry.kmod else [],
              "IOCONF": [entry.ioconf] if entry.ioconf else [], "SRCS": srcs,
              "RUMPCOMP_USER_SRCS": entry.rumpcomp_user_srcs}
    for var in _NAME_VARS:
        for word in values[var]:
            reason = unsafe_name_reason(word)
            if reason is not None:
                filename, lineno = assigned_at(ev, var, word, entry.makefile)
                raise MakefileError(filename, lineno, f"{var} word {shown(word)} is not a plain file name: {reason}",
                                    [f"{var} names files in the component's folder or .PATH: letters, digits, "
                                     "'.', '_', '+' and '-' only"])


def assigned_at(ev: Evaluator, var: str, word: str, makefile: str) -> tuple[str, int]:
    """Where *var* got *word*: the last assignment whose text holds it, else the last one of *var*."""
    lines = [(f, l, raw) for name, _op, raw, f, l in ev.history if name == var]
    for f, l, raw in reversed(lines):
        if word in raw:
            return f, l
    return (lines[-1][0], lines[-1][1]) if lines else (makefile, 0)


def _is_vfs_module(entry: Entry) -> bool:
    return any(_VFS_MODULE.search(text) for _path, text in entry.c_source_texts())


def link_modules(entries: list[Entry]) -> None:
    """Pair each module with the component building the same file system."""
    comps = [e for e in entries if e.kind == "component" and not e.error]
    by_name = {}
    for c in comps:
        for n in c.fs_names:
            by_name.setdefault(n, c)
    # Factions count for source overlap too: wapbl is built into librumpvfs.
    comp_paths = [(c, c.resolved_paths()) for c in entries if c.kind in ("component", "faction") and not c.error]
    for m in entries:
        if m.kind != "module" or m.error:
            continue
        name = m.kmod or m.name
        match = by_name.get(name)
        if match is None:
            mine = m.resolved_paths()
            if mine:
                best, share = None, 0.0
                for c, paths in comp_paths:
                    k = len(mine & paths) / len(mine)
                    if k > share:
                        best, share = c, k
                if share >= 0.5:
                    match = best
        m.is_vfs = _is_vfs_module(m)
        if match is not None:
            m.component = match.lib or match.name
            if match.module is None:
                match.module = name
        elif m.is_vfs:
            m.candidate = True


def scan(tree, target_vars: dict, overrides=None, names=None, recipes=False, objroot=None,
         kinds=None, lazy=False) -> ScanResult | LazyScan:
    """Evaluate the tree's Makefiles; *objroot* sets .OBJDIR as a build would.

    *kinds* limits the scan (builds need no module Makefiles); *lazy* returns a
    LazyScan (libraries only: pairing modules with components needs them all).
    """
    items = [i for i in discover(tree) if kinds is None or i[0] in kinds]
    if lazy:
        if kinds is None or "module" in kinds:
            raise ValueError("a lazy scan covers libraries only")
        return LazyScan(tree, target_vars, items, lambda k, n, mf, cat: evaluate(
            tree, k, n, mf, cat, target_vars, overrides, recipes, objroot))
    entries = [evaluate(tree, k, n, mf, cat, target_vars, overrides, recipes, objroot)
               for k, n, mf, cat in items]
    if kinds is None or "module" in kinds:
        link_modules(entries)
    return ScanResult(tree, target_vars, entries)
