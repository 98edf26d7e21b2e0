"""The include links bsd.klinks.mk makes in an object folder (machine → sys/arch/<m>/include, …)."""

from __future__ import annotations

import os

from rumpbuild.errors import UserError


def make_klinks(objdir: str, links) -> None:
    """Make each (name, destination) link in *objdir*; an existing right link is kept."""
    os.makedirs(objdir, exist_ok=True)
    for name, dst in links:
        dst = str(dst)
        link = os.path.join(objdir, name)
        if os.path.islink(link):
            if os.readlink(link) == dst:
                continue
            os.unlink(link)
        elif os.path.lexists(link):
            raise UserError(f"{link} exists and is not a symbolic link; rumpbuild needs it for <{name}/…> includes",
                            ["remove it, or use another --out folder"])
        try:
            os.symlink(dst, link)
        except FileExistsError:  # made meanwhile by another thread of this build: same link or an error
            if not (os.path.islink(link) and os.readlink(link) == dst):
                raise UserError(f"{link} changed while rumpbuild made it", ["run the command again"]) from None
