"""Stage the tree's installed rump headers (INCS/INCSDIR) into OUT/include.

NetBSD installs <rump/rump.h>, <rump/rumpuser_component.h> … under
/usr/include/rump; buildrump.sh installs them into its staging folder and
passes -I<stage>/usr/include to hypercall code (RUMPCOMP_USER_SRCS) and to
programs.  rumpbuild links them into OUT/include the same way, from the
INCS lists of the tree's own Makefiles.
"""

from __future__ import annotations

import os

from rumpbuild.errors import MakefileError, UserError, shown
from rumpbuild.fsutil import inside, unsafe_name_reason
from rumpbuild.mk import Evaluator, SystemMakefiles
from rumpbuild.tree.options import make_vars

# Makefiles whose INCS are public rump headers (relative to the tree root).
HEADER_MAKEFILES = ("sys/rump/include/rump/Makefile", "lib/librumpuser/Makefile")


def stage_headers(tree, target_vars: dict, include_dir: str) -> list[str]:
    staged = []
    for rel in HEADER_MAKEFILES:
        mf = tree.root / rel
        if not mf.is_file():
            continue
        ev = Evaluator(make_vars(tree, target_vars), SystemMakefiles())
        try:
            ev.evaluate_file(str(mf))
        except MakefileError:
            continue  # scan reports it; headers of that folder are just not staged
        incsdir = ev.value("INCSDIR") or "/usr/include"
        sub = os.path.relpath(incsdir, "/usr/include") if incsdir.startswith("/usr/include") else "."
        dst_dir = _checked_dir(ev, str(mf), incsdir, os.path.join(include_dir, sub), include_dir)
        os.makedirs(dst_dir, exist_ok=True)
        for h in ev.words("INCS"):
            reason = unsafe_name_reason(os.path.basename(h))
            if reason:  # the staged link is named after it
                raise MakefileError(*_where(ev, "INCS", h, str(mf)), f"INCS word {shown(h)} is not a plain file "
                                    f"name: {reason}")
            src = ev.resolve_source(h)
            if not src:
                continue
            dst = os.path.join(dst_dir, os.path.basename(h))
            if os.path.islink(dst) and os.readlink(dst) == src:
                staged.append(dst)
                continue
            if os.path.lexists(dst):
                os.unlink(dst)
            os.symlink(src, dst)
            staged.append(dst)
    return staged


def _where(ev, var, word, makefile):
    from rumpbuild.tree.scan import assigned_at

    return assigned_at(ev, var, word, makefile)


def _checked_dir(ev, makefile: str, incsdir: str, dst_dir: str, include_dir: str) -> str:
    """*dst_dir* if it lies in *include_dir*; INCSDIR=/usr/include/../../x is refused at its line."""
    try:
        return inside(dst_dir, include_dir)
    except UserError:
        raise MakefileError(*_where(ev, "INCSDIR", incsdir, makefile),
                            f"INCSDIR {shown(incsdir)} leads outside /usr/include") from None
