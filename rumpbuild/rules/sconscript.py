"""`rumpbuild rules NAME --format scons`: an ordinary SConscript a SCons user can keep.

Written into the -o folder D::

    D/SConscript                    an Environment (CC, CCFLAGS, CPPPATH, CPPDEFINES)
                                    per library, StaticObject/SharedObject per source,
                                    StaticLibrary (lib.a, lib_pic.a) and SharedLibrary
    D/SConstruct                    SConscript("SConscript"): `scons -C D` builds it
    D/site_scons/site_tools/rump.py the `rump` tool: renaming into rumpns_, include links

The compile flags are the plan's argv split into SCons' variables; the tree
root is the variable NETBSDSRC (`scons -C D NETBSDSRC=/other/src`), paths
under D are relative to it, and every object goes under D/obj/.
"""

from __future__ import annotations

import os
import re
from collections import Counter

from rumpbuild.fsutil import write_atomic
from rumpbuild.steps.archive import archiver
from rumpbuild.templates import pyrepr, render

NAME = "scons"
CAN_BUILD = False
TOOL_PATH = os.path.join("site_scons", "site_tools", "rump.py")
_FILE_OPTIONS = ("-include", "-imacros", "-isystem", "-iquote", "-idirafter")
_DEFINE = re.compile(r"-D([A-Za-z_]\w*)(?:=(.*))?$", re.S)


class _Spell:
    """Paths and words as the SConscript writes them."""

    def __init__(self, tree_root: str, outdir: str):
        self.tree = os.path.abspath(tree_root) if tree_root else ""
        self.outdir = os.path.abspath(outdir)
        roots = sorted(((r, v) for r, v in ((self.tree, "$NETBSDSRC"), (self.outdir, "$RUMP_OUT")) if r),
                       key=lambda rv: -len(rv[0]))
        self._vars = dict(roots)
        # a root ends a word, a folder name, or an option's value (-ffile-prefix-map=OUT=.)
        self._pattern = re.compile("|".join(re.escape(r) + "(?=[/=]|$)" for r, _ in roots))

    def word(self, w: str) -> str:
        """An argv word: `$` escaped for SCons, the tree root and D as variables."""
        return self._pattern.sub(lambda m: self._vars[m.group(0)], w.replace("$", "$$"))

    def path(self, p: str) -> str:
        """A file or folder SCons looks up: under D relative to the SConscript, under the tree $NETBSDSRC/…."""
        p = os.path.abspath(p)
        if p == self.outdir or p.startswith(self.outdir + os.sep):
            return os.path.relpath(p, self.outdir).replace("$", "$$")
        return self.word(p)


def _split(argv: list[str], cc_len: int, source: str, obj: str, objdir: str, spell: _Spell) -> dict:
    """One compile argv as SCons' variables: {"flags": [...], "CPPPATH": [...], "CPPDEFINES": [...]}."""
    words, rest = [], list(argv[cc_len:])
    while rest:  # SCons adds `-c SOURCE -o TARGET` itself, wherever the Makefile's rule put them
        w = rest.pop(0)
        if w == "-o" and rest[:1] == [obj]:
            rest.pop(0)
        elif w not in ("-c", source):
            words.append(w)
    undefined = {w[2:] or nxt for w, nxt in zip(words, words[1:] + [""]) if w.startswith("-U")}
    flags, cpppath, defines = [], [], []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-I", "-D") and i + 1 < len(words):
            w, i = w + words[i + 1], i + 1
        elif w in _FILE_OPTIONS and i + 1 < len(words) and not os.path.isabs(words[i + 1]):
            # SCons compiles from its top folder, not the object folder the plan's argv runs in
            flags += [w, spell.path(os.path.join(objdir, words[i + 1]))]
            i += 2
            continue
        i += 1
        if w.startswith("-I"):
            d = w[2:]
            cpppath.append(spell.path(d if os.path.isabs(d) else os.path.join(objdir, d)))
            continue
        m = _DEFINE.match(w)
        # a macro also undefined keeps its place among the -U flags; values with blanks or quotes stay whole
        if m and m.group(1) not in undefined and not re.search(r"[\s'\"\\$]", m.group(2) or ""):
            defines.append(m.group(1) if m.group(2) is None else [m.group(1), m.group(2)])
            continue
        flags.append(spell.word(w))
    return {"flags": flags, "CPPPATH": cpppath, "CPPDEFINES": defines}


def _expr(name: str, base: list, value: list) -> str:
    """Python source for a per-object value: `env["NAME"] + [...]` when it only adds words."""
    if base and value[:len(base)] == base:
        return f'env["{name}"] + {pyrepr(value[len(base):])}'
    return pyrepr(value)


def _common(splits: list[dict]) -> dict:
    """The split most objects share (the library's Environment)."""
    if not splits:
        return {"flags": [], "CPPPATH": [], "CPPDEFINES": []}
    counts = Counter(repr(s) for s in splits)
    best = counts.most_common(1)[0][0]
    return next(s for s in splits if repr(s) == best)


def _library(lib, plan, spell: _Spell, shared: bool) -> dict:
    cc_len = len(plan.toolchain.cc)
    split = {}
    for o in lib.objects:
        for flavour, argv in o.argv.items():
            split[o.stem, flavour] = _split(argv, cc_len, o.source, o.obj(flavour), lib.objdir, spell)
    c_objects = [o for o in lib.objects if o.lang == "c"] or lib.objects
    static = _common([split[o.stem, "static"] for o in c_objects if (o.stem, "static") in split])
    pic = _common([split[o.stem, "pic"] for o in c_objects if (o.stem, "pic") in split])
    ccflags = static["flags"]
    # SCons' own convention: SHCCFLAGS is $CCFLAGS and the PIC words, so a per-object CCFLAGS serves both
    pic_tail = pic["flags"][len(ccflags):] if pic["flags"][:len(ccflags)] == ccflags else None
    env = {"CPPPATH": static["CPPPATH"], "CPPDEFINES": static["CPPDEFINES"], "CCFLAGS": ccflags,
           "SHCCFLAGS": ["$CCFLAGS", *pic_tail] if pic_tail is not None else pic["flags"]}
    objects = []
    for o in lib.objects:
        entry = {"source": spell.path(o.source), "rename": o.rename and lib.rename is not None, "flavours": []}
        own_static = split.get((o.stem, "static"), {}).get("flags")
        for flavour in o.argv:
            s = split[o.stem, flavour]
            overrides = {k: _expr(k, env[k], s[k]) for k in ("CPPPATH", "CPPDEFINES") if s[k] != env[k]}
            if o.lang == "S":  # SCons' .S command ($ASPPCOM) serves both object kinds
                overrides["ASPPFLAGS"] = _expr("CCFLAGS", ccflags, s["flags"])
            elif flavour == "static" or (pic_tail is not None and own_static is not None
                                         and s["flags"] == own_static + pic_tail):
                flags = own_static if flavour == "pic" else s["flags"]
                if flags != ccflags:
                    overrides["CCFLAGS"] = _expr("CCFLAGS", ccflags, flags)
            elif s["flags"] != env["SHCCFLAGS"]:
                overrides["SHCCFLAGS"] = pyrepr(s["flags"])
            target = spell.path(os.path.join(lib.objdir, o.obj(flavour)))
            entry["flavours"].append({"flavour": flavour, "target": target, "overrides": overrides})
        objects.append(entry)
    generated = []
    for g in lib.generated:
        targets = [spell.path(os.path.join(lib.objdir, t)) for t in g.targets]
        generated.append({"targets": targets, "deps": [spell.path(d) for d in g.deps], "ioconf": bool(g.ioconf),
                          "commands": [spell.word(c) for c in g.commands]})
    return {
        "lib": lib.lib, "kind": lib.kind, "makefile": spell.path(lib.makefile), "objdir": spell.path(lib.objdir),
        "links": {name: spell.path(dest) for name, dest in lib.klinks},
        "env": env, "objects": objects, "generated": generated,
        "norename": (lib.rename or {}).get("norename") or "",
        "imacros": [spell.path(f) for f in lib.imacros],
        "shared": shared, "shlib_major": lib.shlib_major, "linkflags": [spell.word(f) for f in lib.link_ldflags],
        "archive": spell.path(lib.archive), "pic_archive": spell.path(lib.pic_archive),
    }


def render_sconscript(plan, outdir: str) -> str:
    tree_root = os.path.dirname(os.path.abspath(plan.sysdir)) if plan.sysdir else ""
    spell = _Spell(tree_root, outdir)
    shared = getattr(plan, "shared", True)
    libs = [_library(lib, plan, spell, shared and lib.kind != "kmod") for lib in plan.libraries]
    tc = plan.toolchain
    ar = archiver(tc) or list(tc.ar)
    return render("SConscript.rules.j2", libs=libs, target=plan.target, toolchain=tc, tree_root=tree_root,
                  cc=[spell.word(w) for w in tc.cc], ar=[spell.word(w) for w in ar])


def write(plan, outdir: str, *, verbose: bool = False) -> list[str]:
    """Write D/SConscript, D/SConstruct and the rump tool; returns their paths."""
    files = {
        "SConscript": render_sconscript(plan, outdir),
        "SConstruct": render("SConstruct.rules.j2"),
        TOOL_PATH: render("rump-scons-tool.py.j2"),
    }
    written = []
    for name, text in files.items():
        path = os.path.join(outdir, name)
        write_atomic(path, text)
        written.append(path)
    return written
