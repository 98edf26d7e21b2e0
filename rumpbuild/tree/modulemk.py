"""A component Makefile transformed from a kernel module's Makefile, as a NetBSD developer would.

The module Makefile's text, line by line: `KMOD=` becomes `LIB=rumpfs_<name>`,
`<bsd.kmodule.mk>` becomes `<bsd.lib.mk>` + `<bsd.klinks.mk>`, the modules'
common Makefile.inc gives way to a definition of `${S}` (as the tree's libzfs
does), and `${.CURDIR}`/`${.PARSEDIR}` are rewritten from the module's folder
to the new one (the tree's module Makefiles name every `.PATH` folder through a
variable).  Fragments the module includes (Makefile.zfsmod) are included by
path when they read the same from the new folder, and inlined (transformed)
when they do not.  rumpbuild.tree.generate writes it; `rules --format make`
(rumpbuild.rules.makefile) hands it out.  No absolute path of this machine.
"""

from __future__ import annotations

import os
import re

from rumpbuild.errors import UserError
from rumpbuild.mk.lines import split_lines
from rumpbuild.templates import render

_INCLUDE = re.compile(r'^\.\s*(?P<kw>[-sd]?include)\s+(?P<open>[<"])(?P<path>[^>"]+)[>"]\s*$')
_KMOD = re.compile(r"^KMOD\s*[?:]?=")
# read by bsd.kmodule.mk only (the module's link script, install folders)
_KMOD_ONLY = re.compile(r"^KMOD(SCRIPT|ULEDIR|ULEARCHDIR)\s*[?:+]?=")
_ASSIGNS = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)\s*(?P<op>[?:!+]?=)")
_DIRVAR = re.compile(r"\$[{(]\.(CURDIR|PARSEDIR)[})]")
_USES_S = re.compile(r"\$(S\b|\{S[}:]|\(S[):])")
# What `.include "../Makefile.inc"` gave the module (WARNS, USE_FORT, bsd.own.mk,
# -I common/include) Makefile.rump gives a component; only ${S} must be kept.
_S_PLACEHOLDER = "\0S\0"


def module_makefile(module, tree, lib: str, newdir: str, comment: str) -> str:
    """A component Makefile for *newdir* transformed from kernel module *module*'s Makefile."""
    return _ModuleTransform(module, tree, lib, newdir, comment).run()


class _ModuleTransform:
    def __init__(self, module, tree, lib, newdir, comment):
        self.makefile = module.makefile
        self.moddir = os.path.dirname(os.path.abspath(module.makefile))
        self.tree = tree
        self.lib = lib
        self.newdir = newdir
        self.comment = comment
        self.modules_inc = os.path.realpath(os.path.join(str(tree.sys), "modules", "Makefile.inc"))
        self.kept_fragments: list[str] = []  # included by path: their ${S} counts too

    def run(self) -> str:
        body = self.transform(self._read(self.makefile), self.moddir, top=True)
        text = "\n".join(body).strip("\n") + "\n"
        uses_s = _USES_S.search(text.replace(_S_PLACEHOLDER, "")) or any(
            _USES_S.search(self._read(f)) for f in self.kept_fragments)
        s_line = "S!=\t\tcd ${.CURDIR}/" + os.path.relpath(str(self.tree.sys), self.newdir) + ";pwd"
        text = re.sub(re.escape(_S_PLACEHOLDER) + r"\n(\n?)",
                      (lambda m: s_line + "\n" + m.group(1)) if uses_s else "", text, count=1)
        text = text.replace(_S_PLACEHOLDER + "\n", "")
        text = re.sub(r"\n{3,}", "\n\n", text)  # a dropped line leaves at most one blank
        return render("Makefile.component.j2", origin=self.tree.rel(self.makefile) + " (a kernel module)",
                      body=text.rstrip("\n"))

    def _read(self, path: str) -> str:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                return f.read().replace("\r\n", "\n")
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror}", ["check the tree is complete"]) from None

    def _dir(self, path: str) -> str:
        """*path* (a folder) as make sees it from the new folder."""
        return "${.CURDIR}/" + os.path.relpath(path, self.newdir)

    def transform(self, text: str, parsedir: str, top: bool) -> list[str]:
        physical = text.split("\n")
        logical = split_lines(text)
        sets_ioconfdir = any(_ASSIGNS.match(ln.text) and _ASSIGNS.match(ln.text)["name"] == "IOCONFDIR"
                             for ln in logical)
        out: list[str] = []
        done = 0  # physical lines copied or replaced so far
        if top:  # the module's header comment gives way to the template's
            while done < len(physical) and (not physical[done].strip() or physical[done].startswith("#")):
                done += 1
        for line in logical:
            start, end = line.lineno - 1, line.end
            if end <= done:
                continue
            out += physical[done:start]
            raw = physical[start:end]
            done = end
            if line.tab:
                out += raw
                continue
            stmt = line.text.strip()
            m = _INCLUDE.match(stmt)
            if m:
                out += self._include(m, raw, parsedir)
            elif top and _KMOD.match(stmt):
                out += [f"LIB=\t{self.lib}", f"COMMENT={self.comment}", ""]
            elif _KMOD_ONLY.match(stmt):
                continue
            else:
                a = _ASSIGNS.match(stmt)
                if a and a["name"] == "IOCONF" and not sets_ioconfdir:
                    # bsd.ioconf.mk finds the module's .ioconf in ${.CURDIR}, which moved
                    out.append(f"IOCONFDIR=\t{self._dir(self.moddir)}")
                    sets_ioconfdir = True
                out += self._rewrite(raw, parsedir)
        out += physical[done:]
        return out

    def _include(self, m, raw: list[str], parsedir: str) -> list[str]:
        if m["open"] == "<":
            if m["path"] == "bsd.kmodule.mk":
                return [".include <bsd.lib.mk>", ".include <bsd.klinks.mk>"]
            return raw
        path = self._resolve(m["path"], parsedir)
        if path is None:  # names a variable we cannot place: keep, with the folders moved
            return self._rewrite(raw, parsedir)
        if os.path.realpath(path) == self.modules_inc:
            return [_S_PLACEHOLDER]
        if not os.path.isfile(path) or self._portable(path):  # a missing one: only .-include gets here
            self.kept_fragments.append(path)
            return [f'.{m["kw"]} "{self._dir(os.path.dirname(path))}/{os.path.basename(path)}"']
        rel = self.tree.rel(path)
        body = self.transform(self._read(path), os.path.dirname(path), top=False)
        while body and not body[-1].strip():
            body.pop()
        return [f"# from {rel}:"] + body + [f"# end of {rel}"]

    def _resolve(self, spec: str, parsedir: str) -> str | None:
        """The file `.include "spec"` reads, or None if it names a variable we cannot place."""
        known = {".CURDIR": self.moddir, ".PARSEDIR": parsedir, "S": str(self.tree.sys),
                 "NETBSDSRCDIR": str(self.tree.root)}
        spec = re.sub(r"\$[{(]([\w.]+)[})]", lambda v: known.get(v.group(1), v.group(0)), spec)
        if "$" in spec:
            return None
        if os.path.isabs(spec):
            return spec
        # bmake looks beside the including file first, then in .CURDIR
        for d in (parsedir, self.moddir):
            if os.path.exists(os.path.join(d, spec)):
                return os.path.normpath(os.path.join(d, spec))
        return os.path.normpath(os.path.join(parsedir, spec))

    def _portable(self, path: str) -> bool:
        """True if the fragment at *path* reads the same when included from the new folder."""
        d = os.path.dirname(path)
        for line in split_lines(self._read(path)):
            t = line.text.strip()
            if line.tab:
                continue
            if _KMOD.match(t) or "bsd.kmodule.mk" in t or re.search(r"\$[{(]\.CURDIR[})]", t):
                return False
            m = _INCLUDE.match(t)
            if m and m["open"] == '"':
                inner = self._resolve(m["path"], d)
                if inner is None or os.path.realpath(inner) == self.modules_inc or not self._portable(inner):
                    return False
        return True

    def _rewrite(self, raw: list[str], parsedir: str) -> list[str]:
        """*raw* lines with the module's ${.CURDIR} and ${.PARSEDIR} as seen from the new folder."""
        def dirvar(v):
            return self._dir(self.moddir if v.group(1) == "CURDIR" else parsedir)

        return [_DIRVAR.sub(dirvar, phys) for phys in raw]
