"""Component Makefiles as NetBSD would commit them: one text for every arch.

NetBSD's component Makefiles (``sys/rump/<cat>/lib/lib<name>/Makefile``)
keep their `.if ${MACHINE_ARCH} …` blocks, `.PATH`, `SRCS`, `CPPFLAGS+=`
and end in `.include <bsd.lib.mk>` / `<bsd.klinks.mk>`; Makefile.rump (via
the category's Makefile.inc) adds the rest.  So the text is never
re-derived from one arch's evaluation:

- an existing component's Makefile is the tree's own file, normalised;
- a component generated from a kernel module is the module Makefile's
  text, transformed line by line the way a NetBSD developer would
  (rumpbuild.tree.modulemk), as rumpbuild.tree.generate wrote it.

Neither holds an absolute path of this machine.
"""

from __future__ import annotations

import os


def tree_makefile(path: str, tree) -> str:
    """The tree's own Makefile at *path*, normalised (LF, no trailing blanks, no machine path)."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = [line.rstrip() for line in f.read().replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    text = "\n".join(lines) + "\n"
    for root in dict.fromkeys((str(tree.root), os.path.realpath(tree.root))):
        text = text.replace(root, "${NETBSDSRCDIR}")
    return text


def makefile_for(session, entry) -> tuple[str, str]:
    """(file name, text) of the NetBSD Makefile for a component, the same for every arch.

    An existing component's is the tree's own; a generated one's is the text
    rumpbuild wrote from the kernel module's Makefile (rumpbuild.tree.generate).
    """
    generated = entry.generated_makefile
    if generated:
        with open(generated) as f:
            return "Makefile", f.read()
    return "Makefile", tree_makefile(entry.makefile, session.tree)
