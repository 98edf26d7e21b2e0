"""Header dependencies of objects, from the compiler's own depfiles.

Every compile writes `obj.d` (`cc -MD -MF obj.d`: the source and every header
it read) and, after it succeeds, rumpbuild appends a digest of those files'
contents to it as a make comment (`# rumpbuild-headers <digest>`; appending
to the file the compiler just wrote is cheaper than making one more file).  On the next run an object whose headers no longer match its
digest is rebuilt; one whose headers only moved in time is not (content, not
timestamps, decides, as for SCons' own dependencies).

Why not SCons' C scanner: scanning ~250 kernel headers per object, then
checking each of them per object on every run, cost seconds of CPU on a
2-core machine — more than the whole build's other bookkeeping.  And why not
hand the depfile's headers to SCons as dependencies: SCons decides a target
changed when its list of dependencies grows, so the first run after a clean
build would rebuild everything.  A clean build needs no header dependencies
at all (every object is built); the digest is what the next run needs.
"""

from __future__ import annotations

import hashlib
import os
import re

_WORD_BREAK = re.compile(r"(?<!\\)\s+")
# Per process.  A header appears in every object of a library under one spelling
# (`…/libffs/../../../../sys/param.h`, `machine/types.h` from the object folder), and
# in every library under another: spellings resolve once, files are read once.
_paths: dict[tuple[str, str], str] = {}  # (word, folder it is relative to) -> normalised path
_digests: dict[str, str] = {}  # normalised path -> content digest
deps_seen: set[str] = set()  # every normalised path a record() or is_current() read


def depfile(obj: str) -> str:
    return obj + ".d"


SIGNATURE = "# rumpbuild-headers "


def _words_of(text: str) -> list[str]:
    """The prerequisites in depfile text as the compiler spelled them."""
    text = text.replace("\\\n", " ")
    out = []
    for rule in text.splitlines():
        if rule.startswith("#"):
            continue
        _, sep, deps = rule.partition(": ")
        if not sep:
            continue
        if "\\ " in deps:  # escaped spaces in a name: rare, so the slower split only then
            out += [w.replace("\\ ", " ") for w in _WORD_BREAK.split(deps.strip()) if w]
        else:
            out += deps.split()
    return out


def _words(path: str) -> list[str] | None:
    """The prerequisites of a depfile as the compiler spelled them; None if there is none."""
    try:
        with open(path) as f:
            return _words_of(f.read())
    except OSError:
        return None


def _path(word: str, cwd: str) -> str:
    key = (word, "" if word.startswith("/") else cwd)
    p = _paths.get(key)
    if p is None:
        p = _paths[key] = os.path.normpath(os.path.join(cwd, word))
    return p


def read_depfile(path: str, cwd: str) -> list[str]:
    """The prerequisites in a make-style dependency file, absolute (relative to *cwd*); [] if absent."""
    return [_path(w, cwd) for w in _words(path) or ()]


def _file_digest(path: str) -> str:
    d = _digests.get(path)
    if d is None:
        try:
            with open(path, "rb") as f:
                d = hashlib.blake2b(f.read(), digest_size=16).hexdigest()
        except OSError:
            d = "missing"
        _digests[path] = d
    return d


def _digest(words, cwd: str, generated) -> str:
    """One digest of the names and contents of the depfile's files (generated ones left out:
    they are SCons targets the object depends on directly)."""
    seen = []
    lines = []
    for w in words:
        p = _path(w, cwd)
        if p in generated:
            continue
        seen.append(p)
        lines.append(f"{p}\0{_file_digest(p)}")
    deps_seen.update(seen)
    return hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def record(obj: str, cwd: str, generated=frozenset()) -> None:
    """After a successful compile: remember the digest of what it read (in its depfile).

    A depfile that lacks the line (an interrupted build) cannot match, so its
    object is rebuilt, which is the safe answer.
    """
    try:
        f = open(depfile(obj), "r+")
    except FileNotFoundError:  # a compiler (or launcher) that wrote none: rebuilt next time
        return
    with f:
        text = f.read()
        if not text.endswith("\n"):
            text += "\n"
            f.write("\n")
        f.write(f"{SIGNATURE}{_digest(_words_of(text), cwd, generated)}\n")


def _recorded(text: str) -> str | None:
    _, _, last = text.rstrip("\n").rpartition("\n")
    return last[len(SIGNATURE):].strip() if last.startswith(SIGNATURE) else None


def is_current(obj: str, cwd: str, generated=frozenset()) -> bool:
    """Whether an existing *obj* was compiled from the headers as they are now.

    False when the object has no depfile or digest (built by something else,
    or interrupted): the safe answer is to rebuild it.
    """
    try:
        with open(depfile(obj)) as f:
            text = f.read()
    except OSError:
        return False
    recorded = _recorded(text)
    words = _words_of(text)
    return bool(recorded and words) and _digest(words, cwd, generated) == recorded
