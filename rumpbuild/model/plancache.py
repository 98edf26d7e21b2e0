"""Reuse the plan of an identical request when nothing it was made from changed.

A clean rebuild (a fresh output folder, a CI job with a warm cache) of an
unchanged tree would evaluate the same Makefiles, read the same C sources
for the link closure and compute the same compile lines again: about a third
of a second before the first compile on the 2016 tree.  After a build,
rumpbuild stores the plan with the timestamps of everything it was made from:
the Makefiles evaluated, the C sources the closure read, the component
folders (a new library changes what a name finds), the compiler, and
rumpbuild's own files.  An identical request (the no-op record's key plus the
output folder) whose inputs all kept their timestamps takes the stored plan.
Requests that generate components from modules are never stored (their
Makefiles are written during the scan).

Stored in ``plans/`` of rumpbuild's cache folder (:func:`rumpbuild.cache.cache_dir`);
`rm -r` it any time.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import pickle
from pathlib import Path

from rumpbuild.fsutil import mtimes
from rumpbuild.cache import cache_dir

FORMAT = 1
PACKAGE = Path(__file__).resolve().parents[1]
KEEP = 200  # stored plans; older ones go (each output folder has its own)


@functools.lru_cache(maxsize=1)
def package_stamp() -> str:
    """rumpbuild's own files and templates with their timestamps: a changed rumpbuild never
    reuses a plan (plans keep their rendered SConscripts)."""
    from rumpbuild.templates import template_dir

    h = hashlib.sha256()
    for root, dirs, files in itertools.chain(os.walk(PACKAGE), os.walk(template_dir())):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "exampletree"))
        for f in sorted(files):
            if f.endswith((".py", ".mk", ".toml", ".j2")):
                p = os.path.join(root, f)
                h.update(f"{p}\0{os.stat(p).st_mtime_ns}\n".encode())
    return h.hexdigest()


def _path(request_key: str, outdir: str) -> Path:
    k = hashlib.sha256(f"{FORMAT}\0{request_key}\0{os.path.abspath(outdir)}\0{package_stamp()}".encode())
    return cache_dir("plans") / f"{k.hexdigest()[:32]}.pickle"


def load(request_key: str, outdir: str):
    """The stored (plan, closures, files) of this request if all its inputs are unchanged, else None."""
    try:
        with open(_path(request_key, outdir), "rb") as f:
            rec = pickle.load(f)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("format") != FORMAT:
        return None
    if mtimes(rec["files"]) != rec["files"]:
        return None
    return rec["plan"], rec["closures"], set(rec["files"])


def store(request_key: str, outdir: str, plan, closures: dict[str, list[str]], files) -> None:
    """Remember *plan* (no evaluator objects in it) and what it was made from."""
    path = _path(request_key, outdir)
    rec = {"format": FORMAT, "plan": plan, "closures": closures, "files": mtimes(sorted(files))}
    try:
        data = pickle.dumps(rec, protocol=pickle.HIGHEST_PROTOCOL)
        os.makedirs(path.parent, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        _prune(path.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return  # a cache: a plan that cannot be stored is simply made again next time


def _prune(folder: Path) -> None:
    plans = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in plans[:-KEEP]:
        try:
            old.unlink()
        except OSError:
            pass
