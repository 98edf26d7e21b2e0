"""Link closure: the libraries a program needs with a component, in link order.

Built from the tree's own data:
  * `MODULE(class, name, "req1,req2")` in the component's sources: each
    required module maps to the component named after it, else to the
    library whose sources declare `MODULE(…, req, …)` (wapbl: librumpvfs);
  * the component's category: fs/vfs → librumpvfs, dev → librumpdev,
    net → librumpnet, every kernel library → librump → librumpuser;
  * needs no Makefile states, as data in model/needs.toml: kernel
    functions whose callers need a given component (getdisksize →
    rumpdev_disk).
Order: components, rumpnet_*, rumpdev_* (dependents before what they use),
then the factions rumpdev, rumpnet, rumpvfs, rump, then rumpuser.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from rumpbuild.errors import UserError

_MODULE = re.compile(rb'MODULE\s*\(\s*MODULE_CLASS_\w+\s*,\s*(\w+)\s*,\s*(?:"([^"]*)"|NULL)\s*\)')
NEEDS_FILE = Path(__file__).resolve().parent / "needs.toml"
FACTION_BY_CATEGORY = {"fs": "rumpvfs", "dev": "rumpdev", "net": "rumpnet", "kern": "rumpkern"}
FACTION_NEEDS = {"rumpvfs": ["rumpkern"], "rumpdev": ["rumpkern"], "rumpnet": ["rumpkern"], "rumpkern": ["rumpuser"]}
FACTION_ORDER = ["rumpdev", "rumpnet", "rumpvfs", "rumpkern"]
COMPONENT_GROUP = {"fs": 0, "kern": 0, "net": 1, "dev": 2}


@functools.lru_cache(maxsize=1)
def _needs() -> dict[str, str]:
    with open(NEEDS_FILE, "rb") as f:
        data = tomllib.load(f)
    return dict(data.get("provides", {}))


_module_info_cache: dict[int, tuple[set[str], set[str]]] = {}


def module_info(entry) -> tuple[set[str], set[str]]:
    """(module names declared, required module names) from the entry's sources."""
    hit = _module_info_cache.get(id(entry))
    if hit is not None and hit[0] is entry:
        return hit[1]
    names, required = set(), set()
    for _path, text in entry.c_source_texts():
        for m in _MODULE.finditer(text):
            names.add(m.group(1).decode())
            if m.group(2):
                required.update(r.strip() for r in m.group(2).decode().split(",") if r.strip())
    _module_info_cache[id(entry)] = (entry, (names, required))
    return names, required


@functools.lru_cache(maxsize=8)
def _call_regex(symbols: frozenset) -> re.Pattern:
    # one alternation, one pass per source file (a pattern per symbol cost 0.3 s on the 2016 tree)
    names = "|".join(re.escape(s.encode()).decode() for s in sorted(symbols, key=len, reverse=True))
    return re.compile(rb"\b(" + names.encode() + rb")\s*\(")


def _calls(entry, symbols) -> set[str]:
    """Which of *symbols* the entry's C sources call."""
    if not symbols:
        return set()
    rx = _call_regex(frozenset(symbols))
    found = set()
    for _path, text in entry.c_source_texts():
        found.update(m.group(1).decode() for m in rx.finditer(text))
    return found


def link_closure(result, entry, generate=None) -> list:
    """Entries to link with *entry* (itself first), in link order.

    *generate(module_name)*, when given, makes a component for a required
    module that no library builds (chfs requires the flash driver module).
    """
    def is_library(e) -> bool:
        return e.kind in ("component", "faction", "hypercall") and not e.error

    def usable(entries):
        return [e for e in entries if is_library(e)]

    # result.named(name) holds every library that may answer to a name (a lazy scan evaluates
    # only those); result.entries is every library of the tree.
    by_decl = {}  # module name -> library whose sources declare MODULE(…, name, …)

    def named(name):
        return usable(result.named(name))

    def by_lib(lib):
        for e in named(lib):
            if e.lib == lib:
                return e
        return None

    def faction(name):
        for e in named(name):
            if e.kind != "component" and e.name == name:
                return e
        return None

    def provider(module: str):
        """The library building *module*: by name, else by its MODULE() in the sources."""
        for e in named(module):
            if e.kind == "component" and module in e.fs_names:
                return e
        if module in by_decl:
            return by_decl[module]
        # A module is declared by one library of a tree (checked on the 2016 and 2015 trees:
        # the kernel refuses duplicate module names), so where to look first is only a matter
        # of speed: what is evaluated already, the factions (wapbl is part of librumpvfs), all.
        for group in (lambda: usable(result.evaluated()), lambda: usable(result.of_kind_only("faction")),
                      lambda: filter(is_library, result.iter_entries())):
            for e in group():
                for n in module_info(e)[0]:
                    by_decl.setdefault(n, e)
                if module in by_decl:
                    return by_decl[module]
        return None

    needs = _needs()

    def deps_of(e) -> list:
        out = []
        if e.kind == "component":
            _names, required = module_info(e)
            for r in sorted(required):
                p = provider(r)
                if p is None and generate is not None:
                    p = generate(r)
                    if p is not None:
                        by_decl[r] = p
                if p is None:
                    raise UserError(f"{e.lib}: its MODULE() requires module '{r}', which no component or "
                                    "faction of this tree builds",
                                    [f"`rumpbuild scan {r}` shows whether the module exists",
                                     "build and link the missing module's component yourself"])
                out.append(p)
            for sym in sorted(_calls(e, needs)):
                lib = by_lib(needs[sym])
                if lib is not None and lib is not e:
                    out.append(lib)
            for name in (FACTION_BY_CATEGORY.get(e.category or ""), "rumpkern"):
                f = faction(name) if name else None
                if f is not None:
                    out.append(f)
        elif e.kind == "faction":
            out.extend(f for f in (faction(n) for n in FACTION_NEEDS.get(e.name, [])) if f is not None)
        return out

    seen, order = set(), []

    def visit(e):
        if id(e) in seen:
            return
        seen.add(id(e))
        order.append(e)
        for d in deps_of(e):
            visit(d)

    visit(entry)

    def key(e):
        if e is entry:
            return (-1, 0)
        if e.kind == "component":
            return (COMPONENT_GROUP.get(e.category, 0), order.index(e))
        if e.kind == "faction":
            return (10 + FACTION_ORDER.index(e.name), 0)
        return (20, 0)

    return sorted(order, key=key)


def ldadd(entries) -> list[str]:
    return [f"-l{e.lib}" for e in entries if e.lib]
