"""What building an evaluated Makefile needs, taken out of the evaluator as plain data.

The build model never holds a live evaluator: while the evaluator of a
library's Makefile is still here, :func:`library_recipe` expands everything
the plan, the kmod builder and the generated-source steps will ask for —
bsd.lib.mk's compile rules (``_RUMPBUILD_RULE.*``, expanded once with
placeholder file names that the plan replaces per source), the rules of
sources with per-file flags (``COPTS.x`` …, expanded with their real names),
the tree's own recipes for ``RUMPCOMP_USER_SRCS``, the recipes that make
generated sources, and a few values — into a frozen :class:`Recipe`.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field

from rumpbuild.errors import MakefileError, UserError

# Object suffix per flavour, as bsd.lib.mk names them.
FLAVOUR_SUFFIX = {"static": ".o", "pic": ".pico"}
LANG_BY_SUFFIX = {".c": "c", ".S": "S", ".s": "S"}
CC_TOKEN = "__rumpbuild_cc__"  # stands for ${CC} in a tree's own recipe: the toolchain's argv goes there
PER_FILE_PREFIXES = ("COPTS.", "CPUFLAGS.", "CPPFLAGS.", "AFLAGS.", "OBJCOPTS.", "CWARNFLAGS.")

SENTINEL_DIR = "/__rumpbuild_dir__"
SENTINEL_SRC = "__rumpbuild_src__.c"
SENTINEL_OBJ = "__rumpbuild_obj__.o"
_SENTINEL_LOCALS = {".IMPSRC": f"{SENTINEL_DIR}/{SENTINEL_SRC}", "<": f"{SENTINEL_DIR}/{SENTINEL_SRC}",
                    ".TARGET": SENTINEL_OBJ, "@": SENTINEL_OBJ, ".ALLSRC": f"{SENTINEL_DIR}/{SENTINEL_SRC}"}


def rule_var(user: bool, lang: str, flavour: str) -> str:
    """The bsd.lib.mk model's variable holding the compile rule for this kind of source."""
    src_suffix = "c" if lang == "c" else "S"
    return ("_RUMPBUILD_USERRULE" if user else "_RUMPBUILD_RULE") + f".{src_suffix}.{FLAVOUR_SUFFIX[flavour][1:]}"


@dataclass(frozen=True)
class Recipe:
    """The build facts of one evaluated Makefile (see the module docstring)."""

    curdir: str
    netbsdsrcdir: str
    objdir: str | None = None
    shlib_major: str = "0"
    ioconfdir: str = ""
    rules: dict = field(default_factory=dict)  # rule var -> words, with the SENTINEL_* names
    per_file: dict = field(default_factory=dict)  # (rule var, source path) -> words, for per-file flags
    user_rules: dict = field(default_factory=dict)  # object name -> words of the tree's recipe (CC_TOKEN for ${CC})
    kmod_cflags: tuple = ()  # ${RUMPBUILD_CFLAGS}: what rumpbuild adds for the toolchain (kmods)
    kmod_per_file: dict = field(default_factory=dict)  # source basename -> COPTS/CPUFLAGS/CPPFLAGS words
    generated: tuple = ()  # rumpbuild.mk.generated.GenStep, in order
    # what went wrong expanding these (an expansion error, a generated source no rule makes):
    # raised when something is built from this Makefile, not when it is only scanned
    problem: UserError | None = field(default=None, compare=False)

    def check(self) -> "Recipe":
        if self.problem is not None:
            raise self.problem
        return self

    def compile_words(self, user: bool, lang: str, flavour: str, path: str, obj: str) -> list[str] | None:
        """The compile flags of *path* → *obj* (without the compiler); None when the Makefile
        has no such rule (it does not include <bsd.lib.mk>)."""
        var = rule_var(user, lang, flavour)
        words = self.per_file.get((var, path))
        if words is not None:
            return list(words)
        words = self.rules.get(var)
        if words is None:
            return None
        return [_unsentinel(w, path, obj) for w in words]


def library_recipe(ev, entry, with_rules: bool = True) -> Recipe:
    """Expand, from *ev* (the evaluator of *entry*'s Makefile), what building *entry* needs.

    *with_rules*: the compile rules and generated sources too (libraries); kernel
    modules need only their flags.  A failure is kept in ``problem``.
    """
    try:
        return _library_recipe(ev, entry, with_rules)
    except UserError as exc:
        return Recipe(curdir=ev.curdir, netbsdsrcdir=ev.value("NETBSDSRCDIR"), objdir=ev.objdir, problem=exc)


def _library_recipe(ev, entry, with_rules: bool) -> Recipe:
    from rumpbuild.mk.generated import generation_steps

    netbsdsrcdir = ev.value("NETBSDSRCDIR")
    rules, per_file, user_rules = {}, {}, {}
    if with_rules:
        user_stems = {os.path.splitext(os.path.basename(s))[0] for s in entry.rumpcomp_user_srcs}
        for user in (False, True):
            for lang in ("c", "S"):
                for flavour in FLAVOUR_SUFFIX:
                    var = rule_var(user, lang, flavour)
                    if ev.defined(var):
                        rules[var] = tuple(shell_words(ev.expand(ev.lookup(var), _SENTINEL_LOCALS), entry.makefile))
        c_dir = os.path.join(netbsdsrcdir, "common", "lib", "libc", "string")
        for s in entry.sources:
            stem, suffix = os.path.splitext(s.name)
            stem = os.path.basename(stem)
            lang = LANG_BY_SUFFIX.get(suffix)
            if lang is None:
                continue
            user = stem in user_stems
            path = s.path or os.path.join(ev.objdir or "", s.name)
            # the arch's assembler routine may be replaced by the MI C one (plan: c_string)
            candidates = [(lang, path)]
            if lang == "S" and os.path.isfile(os.path.join(c_dir, stem + ".c")):
                candidates.append(("c", os.path.join(c_dir, stem + ".c")))
            for flavour, osuf in FLAVOUR_SUFFIX.items():
                obj = stem + osuf
                if user:
                    recipe = ev.rules.get(obj, ((), ()))[1]
                    if recipe:
                        locals_ = {".IMPSRC": path, ".TARGET": obj, "<": path, "@": obj, ".ALLSRC": path,
                                   "CC": CC_TOKEN}
                        user_rules[obj] = tuple(shell_words(ev.expand(recipe[-1], locals_), entry.makefile))
                        continue
                for cand_lang, cand_path in candidates:
                    if not _has_per_file_vars(ev, os.path.basename(cand_path)):
                        continue
                    var = rule_var(user, cand_lang, flavour)
                    if var in rules:
                        locals_ = {".IMPSRC": cand_path, ".TARGET": obj, "<": cand_path, "@": obj,
                                   ".ALLSRC": cand_path}
                        per_file[(var, cand_path)] = tuple(
                            shell_words(ev.expand(ev.lookup(var), locals_), entry.makefile))
    kmod_per_file = {}
    for s in entry.sources:
        base = os.path.basename(s.name)
        words = []
        for var in ("COPTS.", "CPUFLAGS.", "CPPFLAGS."):
            words += ev.words(var + base) if ev.lookup(var + base) is not None else []
        if words:
            kmod_per_file[base] = tuple(words)
    return Recipe(
        curdir=ev.curdir, netbsdsrcdir=netbsdsrcdir, objdir=ev.objdir,
        shlib_major=ev.value("SHLIB_MAJOR") or "0", ioconfdir=ev.value("IOCONFDIR") or "",
        rules=rules, per_file=per_file, user_rules=user_rules,
        kmod_cflags=tuple(ev.words("RUMPBUILD_CFLAGS")), kmod_per_file=kmod_per_file,
        generated=tuple(generation_steps(ev, entry)) if with_rules else (),
    )


def _has_per_file_vars(ev, basename: str) -> bool:
    return any(ev.lookup(p + basename) is not None for p in PER_FILE_PREFIXES)


def _unsentinel(word: str, path: str, obj: str) -> str:
    if "__rumpbuild_" not in word:
        return word
    return (word.replace(f"{SENTINEL_DIR}/{SENTINEL_SRC}", path)
            .replace(SENTINEL_SRC, os.path.basename(path)).replace(SENTINEL_OBJ, obj))


_SH_BLANKS = re.compile(r"[ \t\r\n]+")


def shell_words(text: str, where: str) -> list[str]:
    """Split a command line as /bin/sh would (make hands its commands to the shell)."""
    if not any(c in text for c in "'\"\\"):  # nothing quoted: shlex's answer, without its cost
        return [w for w in _SH_BLANKS.split(text) if w]
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UserError(f"{where}: cannot split the compile flags ({exc}): {text[:200]}") from None


__all__ = ["Recipe", "library_recipe", "shell_words", "MakefileError"]
