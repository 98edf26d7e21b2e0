"""Find the NetBSD source tree a command works on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rumpbuild.errors import UserError

_MARKER = Path("rump") / "Makefile.rump"


def example_tree_path() -> Path:
    """The example tree shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "exampletree"


@dataclass(frozen=True)
class Tree:
    """A source tree: *root* is NETBSDSRCDIR, *sys* its kernel folder."""

    root: Path
    sys: Path
    is_example: bool = False

    @property
    def rump(self) -> Path:
        return self.sys / "rump"

    @property
    def modules(self) -> Path:
        return self.sys / "modules"

    def rel(self, path) -> str:
        """*path* relative to the tree root, for messages and reports."""
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return str(path)


def find_tree(src: str | os.PathLike | None = None) -> Tree:
    """The tree at *src* (a NetBSD root or its sys/ folder), or the example tree.

    `RUMPBUILD_SRC` in the environment stands in for a missing *src*.
    """
    if src is None:
        src = os.environ.get("RUMPBUILD_SRC") or None
    if src is None:
        ex = example_tree_path()
        return Tree(root=ex, sys=ex / "sys", is_example=True)
    p = Path(src).expanduser()
    if not p.is_dir():
        raise UserError(f"--src '{src}' is not a directory",
                        ["pass the top of a NetBSD source tree (the folder holding sys/)"])
    p = p.resolve()
    if (p / "sys" / _MARKER).is_file():
        return Tree(root=p, sys=p / "sys")
    if (p / _MARKER).is_file():
        return Tree(root=p.parent, sys=p)
    raise UserError(
        f"'{src}' is not a NetBSD source tree: neither {p / 'sys' / _MARKER} nor {p / _MARKER} exists",
        [
            "pass the top of a NetBSD source tree (holding sys/rump/Makefile.rump), or its sys/ folder",
            "leave out --src to use rumpbuild's bundled example tree",
        ],
    )
