"""NetBSD's system makefiles (`<bsd.lib.mk>`, `<bsd.own.mk>`, …), modelled.

rumpbuild never reads a tree's share/mk: those 16 files are full of rules,
`:@` loops and host-tool logic that have nothing to do with flags.  Instead
each `<name>` resolves to rumpbuild's own short model in `sysmk/`, written in
the same bmake subset and read by the same evaluator, so what a model does is
visible as text.  A system makefile rumpbuild has no model of is a warning
when the tree's share/mk has it (bmake would read it), an error otherwise.
"""

from __future__ import annotations

import os

MODEL_DIR = os.path.join(os.path.dirname(__file__), "sysmk")


class SystemMakefiles:
    """Resolves `.include <name>` to rumpbuild's models."""

    def __init__(self, model_dir: str = MODEL_DIR):
        self.model_dir = model_dir
        self.known = {f for f in os.listdir(model_dir) if f.endswith(".mk")}

    def begin(self, ev) -> None:
        """What make reads before the Makefile itself (sys.mk)."""
        ev.include(os.path.join(self.model_dir, "sys.mk"))

    def include(self, ev, name: str) -> bool:
        if name not in self.known:
            return False
        ev.include(os.path.join(self.model_dir, name))
        return True

    def in_tree(self, ev, name: str) -> bool:
        """True if the tree's own share/mk (under NETBSDSRCDIR) holds *name*."""
        src = ev.lookup("NETBSDSRCDIR")
        if not src:
            return False
        return os.path.isfile(os.path.join(ev.expand(src), "share", "mk", name))
