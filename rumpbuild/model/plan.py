"""The build model: what to compile, with which command, into which library.

One :class:`LibraryPlan` per library, made from an evaluated Makefile (a
scan Entry with its :class:`rumpbuild.mk.recipe.Recipe`).  Compile commands are bsd.lib.mk's rules
as modelled in ``rumpbuild/mk/sysmk/bsd.lib.mk`` (``_RUMPBUILD_RULE.*``),
expanded per source with ``.IMPSRC``/``.TARGET`` set, behind the
toolchain's compiler.  The same model feeds the SCons backend, the
NetBSD-Makefile emitter and compile_commands.json.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from rumpbuild.errors import UserError
from rumpbuild.mk.recipe import CC_TOKEN, FLAVOUR_SUFFIX, LANG_BY_SUFFIX, shell_words  # noqa: F401 (shell_words: API)


@dataclass(frozen=True)
class ObjectPlan:
    source: str  # absolute path of the source
    stem: str  # object basename without suffix
    lang: str  # "c" | "S"
    argv: dict[str, list[str]]  # flavour -> full compile argv (cwd = objdir)
    rename: bool  # renamed into rumpns_ after compiling
    user: bool = False  # RUMPCOMP_USER_SRCS: host headers, no rename

    def obj(self, flavour: str) -> str:
        return self.stem + FLAVOUR_SUFFIX[flavour]


@dataclass(frozen=True)
class LibraryPlan:
    lib: str  # LIB, e.g. rumpfs_ffs
    name: str  # scan name, e.g. ffs
    kind: str  # component | faction | hypercall | kmod
    category: str | None
    makefile: str
    objdir: str
    outdir: str
    objects: list[ObjectPlan]
    klinks: list[tuple[str, str]]
    rename: dict | None  # {"pq":…, "quirk":…, "norename":…} or None (no renaming at all)
    shlib_major: str = "0"
    imacros: list[str] = field(default_factory=list)
    link_ldflags: list[str] = field(default_factory=list)
    generated: list = field(default_factory=list)  # rumpbuild.mk.generated.GenStep

    def argv_prefixes(self) -> dict[str, list[str]]:
        """Per flavour, the compile argv words every object of this library starts with.

        Generated SConscripts write them once per library, not once per object:
        smaller files, faster for SCons to read, and the flags are easy to see.
        Stops before ``-c`` so that each object keeps its own source and output.
        """
        out: dict[str, list[str]] = {}
        for o in self.objects:
            for flavour, argv in o.argv.items():
                prefix = out.get(flavour)
                if prefix is None:
                    out[flavour] = argv[:argv.index("-c")] if "-c" in argv else list(argv)
                    continue
                n = 0
                for a, b in zip(prefix, argv):
                    if a != b:
                        break
                    n += 1
                del prefix[n:]
        return out

    @property
    def archive(self) -> str:
        return os.path.join(self.outdir, f"lib{self.lib}.a")

    @property
    def pic_archive(self) -> str:
        return os.path.join(self.outdir, f"lib{self.lib}_pic.a")

    @property
    def shared(self) -> str:
        return os.path.join(self.outdir, f"lib{self.lib}.so.{self.shlib_major}")

    @property
    def shared_link(self) -> str:
        return os.path.join(self.outdir, f"lib{self.lib}.so")


@dataclass(frozen=True)
class BuildPlan:
    target: object  # rumpbuild.arch.Target
    toolchain: object  # rumpbuild.toolchain.Toolchain
    outdir: str
    libraries: tuple[LibraryPlan, ...]
    sysdir: str = ""
    launcher: tuple[str, ...] = ()  # compile argv prefix (ccache, distcc); not in compile_commands
    shared: bool = True  # lib*.so made too (session.plan decides)
    no_shared_reason: str = ""  # why not, when the toolchain cannot link for the target
    # SConscript texts already rendered, by (lib, shared, verbose): stored with the plan
    # (plancache), so a clean rebuild from a stored plan skips the templates
    rendered: dict = field(default_factory=dict, repr=False, compare=False)

    def output_files(self) -> list[str]:
        """The libraries this plan makes (regular files; lib<LIB>.so is a link to the .so.N)."""
        out = []
        for lib in self.libraries:
            out += [lib.archive, lib.pic_archive] + ([lib.shared] if self.shared and lib.kind != "kmod" else [])
        return out

    def compile_commands(self) -> list[dict]:
        out = []
        for lib in self.libraries:
            for o in lib.objects:
                for flavour, argv in o.argv.items():
                    out.append({"directory": lib.objdir, "file": o.source, "arguments": argv,
                                "output": os.path.join(lib.objdir, o.obj(flavour))})
        return out


def _forced_includes(argv: list[str]) -> list[str]:
    """The -imacros/-include files of a compile argv (every object depends on them)."""
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-imacros", "-include")]


def _through_missing(word: str, curdir: str) -> str:
    if curdir + "/.." not in word:
        return word
    return re.sub(r"/[^\s:=,]*", lambda m: os.path.normpath(m.group(0)) if m.group(0).startswith(curdir + "/..")
                  else m.group(0), word)


def plan_library(entry, toolchain, target, outdir: str, kind: str | None = None,
                 c_string: tuple[str, ...] | None = None) -> LibraryPlan:
    """Plan one library from a scan Entry that carries its :class:`rumpbuild.mk.recipe.Recipe`.

    *c_string*: libkern routines to build from C instead of the arch's
    assembler (default: the arch's c_string_routines).
    """
    c_string = set(target.c_string_routines if c_string is None else c_string)
    if entry.recipe is None:
        raise AssertionError("plan_library needs an entry scanned with its recipe (scan(..., recipes=True))")
    recipe = entry.recipe.check()
    lib = entry.lib or entry.kmod or entry.name
    kind = kind or entry.kind
    objdir = recipe.objdir or os.path.join(outdir, "obj", lib)
    missing = [s.name for s in entry.sources if s.status == "missing"]
    if missing:
        raise UserError(
            f"{lib}: sources not found in the tree: {', '.join(missing[:6])}"
            + (" …" if len(missing) > 6 else "")
            + f" (Makefile {entry.makefile})",
            ["check that the tree is complete (a sys/-only tree lacks common/ and external/)",
             f"`rumpbuild scan -v {entry.name}` shows where each source was looked for"],
        )
    user_stems = {os.path.splitext(os.path.basename(s))[0] for s in entry.rumpcomp_user_srcs}
    cc = list(toolchain.cc) + toolchain.path_map_flags(outdir)  # no output path in objects: reproducible
    objects = []
    c_dir = os.path.join(recipe.netbsdsrcdir, "common", "lib", "libc", "string")
    # A generated component's folder does not exist in the tree (nothing is written there
    # without --write-tree), so compilers cannot walk "${.CURDIR}/../..": normalise those paths.
    fix_curdir = not os.path.isdir(recipe.curdir)
    for s in entry.sources:
        stem, suffix = os.path.splitext(s.name)
        stem = os.path.basename(stem)
        lang = LANG_BY_SUFFIX.get(suffix)
        if lang is None:
            continue  # headers and other non-compiled SRCS entries
        user = stem in user_stems
        path = s.path or os.path.join(objdir, s.name)  # generated sources live in the object folder
        if lang == "S" and stem in c_string and os.path.isfile(os.path.join(c_dir, stem + ".c")):
            # the arch's assembler routine is broken in this tree: use the MI C one
            lang, path = "c", os.path.join(c_dir, stem + ".c")
        argv = {}
        for flavour, osuf in FLAVOUR_SUFFIX.items():
            obj = stem + osuf
            words = recipe.user_rules.get(obj) if user else None
            if words:
                # The tree's own rule (Makefile.rump's RUMPCOMP_USER_SRCS .for loop).
                if CC_TOKEN not in words:
                    raise UserError(f"{entry.makefile}: the rule for {obj} does not run ${{CC}}: {' '.join(words)}")
                k = words.index(CC_TOKEN)
                argv[flavour] = cc + toolchain.drop_flags(list(words[k + 1 :]))
                continue
            flags = recipe.compile_words(user, lang, flavour, path, obj)
            if flags is None:
                raise UserError(f"{entry.makefile}: not a library Makefile (no <bsd.lib.mk> include)",
                                ["rumpbuild builds Makefiles that include <bsd.lib.mk> or <bsd.kmodule.mk>"])
            if fix_curdir:
                flags = [_through_missing(w, recipe.curdir) for w in flags]
            flags = toolchain.source_flags(flags, path)
            argv[flavour] = cc + flags + [path, "-o", obj]
        norename = obj_norename(entry, stem)
        objects.append(ObjectPlan(path, stem, lang, argv, rename=not (user or norename) and kind != "hypercall",
                                  user=user))
    if not objects:
        raise UserError(f"{lib}: the Makefile lists no C or assembler sources ({entry.makefile})")
    klinks = []
    if entry.klinks:
        klinks = [(name, str(dst)) for name, dst in target.klinks(Path(recipe.netbsdsrcdir) / "sys")]
    rename = None
    if kind != "hypercall":
        rename = {"pq": target.pq, "quirk": target.symquirk, "norename": entry.rump_sym_norename}
    return LibraryPlan(
        lib=lib, name=entry.name, kind=kind, category=entry.category, makefile=entry.makefile,
        objdir=objdir, outdir=outdir, objects=objects, klinks=klinks, rename=rename,
        shlib_major=recipe.shlib_major, imacros=_forced_includes(objects[0].argv["static"]),
        generated=[dataclasses.replace(g, targets=list(g.targets), deps=list(g.deps), commands=list(g.commands))
                   for g in recipe.generated],
    )


def obj_norename(entry, stem: str) -> bool:
    """RUMPOBJ_NORENAME lists objects (x.o x.pico x.po) Makefile.rump must not rename."""
    return any(os.path.splitext(o)[0] == stem for o in entry.rumpobj_norename)


def quote_argv(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)
