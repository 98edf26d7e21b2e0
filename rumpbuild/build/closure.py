"""Link closure: the libraries a program needs with a component, in link order.

Built from the tree's own data:
  * `MODULE(class, name, "req1,req2")` in the component's sources: each
    required module maps to the component named after it, else to the
    library whose sources declare `MODULE(…, req, …)` (wapbl: librumpvfs);
  * the component's category: fs/vfs → librumpvfs, dev → librumpdev,
    net → librumpnet, every kernel library → librump → librumpuser;
  * needs no Makefile states, as data in rules/needs.toml: kernel
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
NEEDS_FILE = Path(__file__).resolve().parents[1] / "rules" / "needs.toml"
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


def _calls(entry, symbols) -> set[str]:
    found = set()
    pats = {sym: re.compile(rb"\b" + re.escape(sym.encode()) + rb"\s*\(") for sym in symbols}
    for _path, text in entry.c_source_texts():
        for sym, rx in pats.items():
            if sym not in found and rx.search(text):
                found.add(sym)
    return found


def link_closure(result, entry, generate=None) -> list:
    """Entries to link with *entry* (itself first), in link order.

    *generate(module_name)*, when given, makes a component for a required
    module that no library builds (chfs requires the flash driver module).
    """
    libs = [e for e in result.entries if e.kind in ("component", "faction", "hypercall") and not e.error]
    by_lib = {e.lib: e for e in libs if e.lib}
    by_name = {e.name: e for e in libs if e.kind != "component"}
    providers = {}  # module name -> entry
    for c in libs:
        if c.kind == "component":
            for n in c.fs_names:
                providers.setdefault(n, c)
    def provider(module: str):
        """The library building *module*: by name, else by its MODULE() in the sources."""
        if module in providers:
            return providers[module]
        # factions first (wapbl is part of librumpvfs), then components; stop at the first
        for e in sorted(libs, key=lambda x: x.kind != "faction"):
            for n in module_info(e)[0]:
                providers.setdefault(n, e)
            if module in providers:
                break
        return providers.get(module)

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
                        libs.append(p)
                        providers[r] = p
                if p is None:
                    raise UserError(f"{e.lib}: its MODULE() requires module '{r}', which no component or "
                                    "faction of this tree builds",
                                    [f"`rumpbuild scan {r}` shows whether the module exists",
                                     "build and link the missing module's component yourself"])
                out.append(p)
            for sym in sorted(_calls(e, needs)):
                lib = needs[sym]
                if lib in by_lib and by_lib[lib] is not e:
                    out.append(by_lib[lib])
            faction = FACTION_BY_CATEGORY.get(e.category or "")
            if faction and faction in by_name:
                out.append(by_name[faction])
            if "rumpkern" in by_name:
                out.append(by_name["rumpkern"])
        elif e.kind == "faction":
            out.extend(by_name[n] for n in FACTION_NEEDS.get(e.name, []) if n in by_name)
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
