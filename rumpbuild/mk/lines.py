"""Split a Makefile into logical lines, as bmake's line reader does.

A logical line joins backslash-continued physical lines (the backslash, the
newline and the next line's leading blanks become one space) and drops
`#` comments (`\\#` is a literal `#`).  Lines that start with a tab are kept
raw and flagged: after a dependency line they are shell commands, which
rumpbuild never runs.  Parsed files are cached by path and mtime because
every component re-reads the same Makefile.rump.
"""

from __future__ import annotations

import os
import stat
from typing import NamedTuple


class Line(NamedTuple):  # a tuple: .for bodies make one per line and iteration
    lineno: int  # first physical line of the logical line
    text: str  # comment-stripped, continuation-joined, right-stripped
    tab: bool  # the physical line started with a tab (a possible recipe)
    end: int = 0  # last physical line; bmake blames this one in messages
    raw: str = ""  # tab lines: the text with comments kept (a shell command)


def _strip_comment(text: str) -> str:
    if "#" not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            if text[i + 1] == "#":
                out.append("#")
            else:
                out.append(text[i : i + 2])
            i += 2
            continue
        if c == "#" and not (text[i - 1 : i] == "[" and text[i + 1 : i + 2] == "]"):
            break  # `:[#]` (the word count) is no comment, as in bmake
        out.append(c)
        i += 1
    return "".join(out)


def split_lines(source: str) -> list[Line]:
    physical = source.split("\n")
    lines: list[Line] = []
    i = 0
    n = len(physical)
    while i < n:
        start = i
        raw = physical[i]
        tab = raw.startswith("\t")
        parts = []
        # A line ending in an odd number of backslashes continues.
        while True:
            stripped = raw.rstrip("\r")
            k = len(stripped) - len(stripped.rstrip("\\"))
            if k % 2 == 1 and i + 1 < n:
                parts.append(stripped[:-1])
                i += 1
                raw = physical[i].lstrip(" \t")
                continue
            if k % 2 == 1:
                stripped = stripped[:-1]
            parts.append(stripped)
            break
        i += 1
        joined = " ".join(parts)
        text = _strip_comment(joined).rstrip()
        if text.strip() or (tab and joined.strip()):
            lines.append(Line(start + 1, text, tab, i, joined.strip() if tab else ""))
    return lines


_cache: dict[str, tuple[float, list[Line]]] = {}


def read_lines(path: str) -> list[Line]:
    """Logical lines of the file at *path* (cached).  Raises OSError."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block the read forever
        raise OSError(0, "not a regular file", path)
    hit = _cache.get(path)
    if hit and hit[0] == st.st_mtime_ns:
        return hit[1]
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = split_lines(f.read())
    _cache[path] = (st.st_mtime_ns, lines)
    return lines
