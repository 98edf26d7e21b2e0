"""The host folder a whole-image writer puts in (v7fs.py, efs.py): read once, checked against the format.

Folders, regular files and, where the format has them, symbolic links; each
name checked against the format's longest; anything else refused in one
message naming the path.  The folder given may itself be a link to a folder.
"""

from __future__ import annotations

import os
import stat

from rumpbuild.errors import UserError, shown


class Node:
    """A file, folder or link to write: its inode number (the writer sets it), stat, content or children."""

    def __init__(self, path: str, st: os.stat_result):
        self.path = path
        self.st = st
        self.ino = 0
        self.data = b""  # a file's bytes, a link's target
        self.children: list[tuple[bytes, Node]] = []

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    @property
    def nsubdirs(self) -> int:
        return sum(1 for _, c in self.children if c.is_dir)


def walk(path: str, fmt: str, name_max: int, rename_hint: str, other_hint: str, links: bool = False) -> Node:
    """The tree under *path* for format *fmt* (its name in messages); *links*: the format holds symbolic links."""
    if not os.path.isdir(path):  # missing, or not a folder (a link to one is fine)
        raise UserError(f"{shown(path)} is not a folder", ["give the folder whose files go into the image"])
    root = Node(path, os.stat(path))
    kinds = "a regular file, a folder nor a symbolic link" if links else "a regular file nor a folder"

    def fill(node: Node) -> None:
        for name in sorted(os.listdir(node.path)):
            full = os.path.join(node.path, name)
            raw = os.fsencode(name)
            if len(raw) > name_max:
                raise UserError(f"{shown(full)}: {fmt} names hold at most {name_max} bytes, this one has {len(raw)}",
                                [rename_hint])
            child = Node(full, os.lstat(full))
            if child.is_dir:
                fill(child)
            elif stat.S_ISREG(child.st.st_mode):
                with open(full, "rb") as f:
                    child.data = f.read()
            elif links and stat.S_ISLNK(child.st.st_mode):
                child.data = os.fsencode(os.readlink(full))
            else:
                raise UserError(f"{shown(full)} is neither {kinds}", [other_hint])
            node.children.append((raw, child))

    fill(root)
    return root


def breadth_first(root: Node) -> list[Node]:
    """Every node, the root first, each folder's children after it (the order inodes are numbered in)."""
    out, todo = [], [root]
    while todo:
        n = todo.pop(0)
        out.append(n)
        todo += [c for _, c in n.children]
    return out
