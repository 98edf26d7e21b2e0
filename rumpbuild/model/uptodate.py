"""The no-op fast path: skip scanning, planning and SCons when nothing changed.

After a successful build rumpbuild records, per request (command, names,
arch, toolchain, options), every file the result depends on — the Makefiles
the evaluator read, sources and the headers SCons scanned, the compiler — and
every output, each with its mtime.  The next identical request whose files
and outputs all still have those mtimes is answered from the record.  When
anything moved, the normal path runs and SCons decides by content what to
rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

from rumpbuild import __version__
from rumpbuild.fsutil import mtimes, write_atomic

STATE = ".rumpbuild-uptodate.json"


def request_key(session, command: str, names, **options) -> str:
    tc = session.toolchain
    doc = {
        "v": __version__, "command": command, "names": list(names), "src": str(session.tree.root),
        "arch": session.target.name, "cc": list(tc.cc), "ar": list(tc.ar), "defines": session.defines,
        "werror": session.werror, "c_string": session.c_string, "options": options,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:24]


def _load(outdir: str) -> dict:
    try:
        with open(os.path.join(outdir, STATE)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def check(outdir: str, key: str):
    """The recorded report if the request is up to date, else None."""
    rec = _load(outdir).get(key)
    if not rec:
        return None
    for group in ("files", "outputs"):
        for p, m in rec[group].items():
            try:
                if os.stat(p).st_mtime_ns != m:
                    return None
            except OSError:
                return None
    return rec["report"]


def record(outdir: str, key: str, files, outputs, report) -> None:
    state = _load(outdir)
    deps_file = os.path.join(outdir, "rumpbuild-deps.json")
    try:
        with open(deps_file) as f:
            files = set(files) | set(json.load(f))
    except (OSError, ValueError):
        return  # no dependency list from SCons: never take the fast path
    state[key] = {"files": mtimes(sorted(files)), "outputs": mtimes(sorted(outputs)), "report": report}
    write_atomic(os.path.join(outdir, STATE), json.dumps(state) + "\n")


def compiler_files(toolchain) -> list[str]:
    exe = shutil.which(toolchain.cc[0]) or toolchain.cc[0]
    return [os.path.realpath(exe)]
