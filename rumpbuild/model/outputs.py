"""Outputs are checked against what was recorded, so a damaged library is rebuilt.

SCons decides rebuilds from the inputs' signatures; a library truncated or
overwritten after the build would be left as it is (and a truncated
``_pic.a`` would then fail the ``.so`` link).  After each successful build
rumpbuild records every output's size, mtime and SHA-256 in
``OUT/.rumpbuild-outputs.json``; before the next build it removes any output
whose size or content no longer matches, and SCons makes it again.  Only
files whose mtime moved are read again, so the check costs a stat per
library on an untouched folder.
"""

from __future__ import annotations

import hashlib
import json
import os

from rumpbuild.fsutil import write_atomic

RECORD = ".rumpbuild-outputs.json"


def _load(outdir: str) -> dict:
    try:
        with open(os.path.join(outdir, RECORD)) as f:
            doc = json.load(f)
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def _digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def discard_damaged(outdir: str) -> list[str]:
    """Remove recorded outputs whose size or content changed; returns their paths."""
    removed = []
    for path, rec in _load(outdir).items():
        try:
            st = os.stat(path)
        except OSError:
            continue  # gone: the build makes it again anyway
        size, mtime_ns, digest = rec
        if st.st_size == size and (st.st_mtime_ns == mtime_ns or _digest(path) == digest):
            continue
        os.unlink(path)
        removed.append(path)
    return removed


def record(outdir: str, paths) -> None:
    """Remember *paths* (the outputs a successful build made or kept) as they are now."""
    doc = _load(outdir)
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            doc.pop(path, None)
            continue
        old = doc.get(path)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
            continue
        doc[path] = [st.st_size, st.st_mtime_ns, _digest(path)]
    write_atomic(os.path.join(outdir, RECORD), json.dumps(doc, sort_keys=True) + "\n")
