"""Missing kernel functions of a built component, and what provides them.

The undefined symbols of the component's library that neither the rump
kernel base nor the libraries of its link closure define.  For each one the
report names a library that does define it (so the user learns "add
rumpdev_disk", not "stub it"): first among the libraries already built in the
output folder, then — for the ones not built — the tree's components whose
sources define the function at the start of a line (NetBSD's KNF puts the
function name in column 0).  What is left is truly missing: `--stubs` makes
stubs for those (rumpbuild.stubs).
"""

from __future__ import annotations

import glob
import os
import re

from rumpbuild.symbols import Missing, missing_symbols


def _definers_in_sources(result, names: list[str]) -> dict[str, str]:
    """{function: LIB} for functions some component of the tree defines (by its sources)."""
    wanted = {n: re.compile(rb"^" + re.escape(n.encode()) + rb"\s*\(", re.M) for n in names}
    found: dict[str, str] = {}
    for e in result.entries:
        if e.kind not in ("component", "faction") or e.error or not e.lib:
            continue
        for _path, text in e.c_source_texts():
            for n, rx in wanted.items():
                if n not in found and rx.search(text):
                    found[n] = e.lib
        if len(found) == len(wanted):
            break
    return found


def analyze(session, plan, lib: str) -> list[Missing]:
    by_lib = {l.lib: l for l in plan.libraries}
    mine = by_lib[lib].archive
    provided = [l.archive for l in plan.libraries if l.lib != lib]
    candidates = {}
    for a in sorted(glob.glob(os.path.join(session.outdir, "lib*.a"))):
        name = os.path.basename(a)[3:-2]
        if not name.endswith(("_pic", "_stubs")) and name not in by_lib:
            candidates[name] = a
    missing = missing_symbols([mine], provided, candidates)
    unknown = [m.name for m in missing if m.defined_in is None]
    if unknown:
        plain = {m: m[len("rumpns_"):] if m.startswith("rumpns_") else m for m in unknown}
        by_src = _definers_in_sources(session.scan(), list(set(plain.values())))
        for m in missing:
            if m.defined_in is None and plain[m.name] in by_src and by_src[plain[m.name]] != lib:
                m.defined_in = by_src[plain[m.name]] + " (by its sources; not built)"
    return missing
