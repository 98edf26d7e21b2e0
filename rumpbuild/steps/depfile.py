"""Depfiles whose prerequisites hold when read from another folder.

A compile runs in its object folder, so the compiler writes the headers it
found through that folder's include links (`machine/types.h`) as relative
paths.  make and SCons read them from the same folder; ninja reads every
depfile from its build folder, where those paths name nothing, and would
rebuild the object on every run.  absolute_depfile() writes them absolute,
or, given the build folder *root*, those under it relative to it (ninja's
build folder): the depfiles, and ninja's record of them, still hold after
the folder is moved or copied.
"""

from __future__ import annotations

import os
import re

# a prerequisite word: backslash-escaped characters (spaces in names) belong to the word
_WORD = re.compile(r"(?:\\.|[^\s\\])+")


def _absolute(word: str, base: str, root: str | None = None) -> str:
    if word.endswith(":") or word.startswith("$"):
        return word
    path = os.path.normpath(os.path.join(base, word.replace("\\ ", " ")))  # join keeps an absolute word
    if root and (path == root or path.startswith(root + os.sep)):
        path = os.path.relpath(path, root)
    elif word.startswith("/"):
        return word
    return path.replace(" ", "\\ ")


def absolute_depfile(path: str, base: str, root: str | None = None) -> None:
    """Rewrite the relative prerequisites of depfile *path* as paths under *base* (in place);
    with *root*, every prerequisite under *root* relative to it."""
    root = os.path.abspath(root) if root else None
    with open(path) as f:
        text = f.read()
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#"):
            out.append(line)
            continue
        head, sep, deps = line.partition(": ")
        if sep:  # `target: prereq…`: the target stays as the compiler named it
            out.append(head + sep + _WORD.sub(lambda m: _absolute(m.group(0), base, root), deps))
        else:  # a continuation line of prerequisites
            out.append(_WORD.sub(lambda m: _absolute(m.group(0), base, root), line))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(out))
    os.replace(tmp, path)
