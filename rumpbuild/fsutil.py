"""Writing files without leaving partial output behind."""

from __future__ import annotations

import os
import tempfile


def write_atomic(path, text: str | bytes) -> bool:
    """Write *path* via a temporary name and rename; False if unchanged."""
    path = os.fspath(path)
    data = text.encode() if isinstance(text, str) else text
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except OSError:
        pass
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


def mtimes(paths) -> dict[str, int]:
    """``{path: st_mtime_ns}``, -1 for a path that does not exist (records of what a result came from)."""
    out = {}
    for p in paths:
        try:
            out[p] = os.stat(p).st_mtime_ns
        except OSError:
            out[p] = -1
    return out
