"""Stub definitions for kernel symbols no linked rump library provides.

:func:`generate_stubs` writes one C file from ``templates/stubs.c.j2``:
functions listed in ``rumpbuild/harmless_stubs.toml`` return their
documented value (``fstrans_start`` → 0, ``fstrans_done`` → nothing); every
other name becomes a function that calls the kernel's ``panic()`` naming
itself and the component, so a missing symbol fails loudly only if it is
ever called.  The file is compiled as rump kernel code — the argv of a C
object of the rumpkern faction, as ``smoke/runner.py`` compiles its helper —
renamed with the same code as every other object (Makefile.rump's rule) and
archived as ``lib<component>_stubs.a``.

Names may be given renamed (``rumpns_fstrans_start``) or not; data symbols
cannot be stubbed safely and are left to the caller.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rumpbuild.backends.targets import run_in_session
from rumpbuild.model.targets import kernel_object
from rumpbuild.steps.archive import archive_objects
from rumpbuild.elf.rename import NAMESPACE
from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.templates import render

HARMLESS_FILE = Path(__file__).resolve().parent / "harmless_stubs.toml"
_C_IDENT = __import__("re").compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class StubResult:
    c_file: str
    object: str
    archive: str
    stubs: list[tuple[str, str]] = field(default_factory=list)  # (kernel name, "harmless" | "panic")


@functools.lru_cache(maxsize=1)
def harmless_table() -> dict[str, dict]:
    with open(HARMLESS_FILE, "rb") as f:
        data = tomllib.load(f)
    for name, spec in data.items():
        if spec.get("returns", "void") != "void" and "value" not in spec:
            raise UserError(f"{HARMLESS_FILE}: [{name}] returns {spec['returns']} but has no value",
                            ["add value = \"0\" (a C expression)"])
    return data


def kernel_name(name: str, target=None) -> str:
    """``rumpns_foo`` → ``foo`` (after the arch's _PQ prefix, e.g. powerpc64's dot)."""
    pq = ""
    if target is not None and target.pq:
        import re

        m = re.match(target.pq, name)
        pq = name[:m.end()] if m else ""
    rest = name[len(pq):]
    return pq + rest[len(NAMESPACE):] if rest.startswith(NAMESPACE) else name


def _rumpkern_plan(session):
    """librump's plan, whose C objects' flags the stubs are compiled with; its include links made."""
    from rumpbuild.steps.klinks import make_klinks

    lib = session.plan([session.find_base("rumpkern")]).libraries[0]
    make_klinks(lib.objdir, lib.klinks)
    return lib


def generate_stubs(session, component_lib: str, names: list[str], outdir) -> StubResult:
    """Write, compile, rename and archive stubs for *names* as ``lib<component_lib>_stubs.a`` in *outdir*."""
    outdir = str(outdir)
    os.makedirs(outdir, exist_ok=True)
    table = harmless_table()
    harmless, panics, kinds = [], [], []
    for n in dict.fromkeys(kernel_name(n, session.target) for n in names):
        if not _C_IDENT.match(n):
            raise UserError(f"cannot write a C stub for symbol {n!r}", ["link a library that defines it"])
        if n in table:
            spec = table[n]
            harmless.append({"name": n, "returns": spec.get("returns", "void"), "value": spec.get("value", ""),
                             "why": spec.get("why", "").replace("*/", "* /")})
            kinds.append((n, "harmless"))
        else:
            panics.append(n)
            kinds.append((n, "panic"))
    stem = f"{component_lib}_stubs"
    c_file = os.path.join(outdir, stem + ".c")
    obj = os.path.join(outdir, stem + ".o")
    archive = os.path.join(outdir, f"lib{stem}.a")
    write_atomic(c_file, render("stubs.c.j2", component=component_lib, harmless=harmless, panics=panics))
    run_in_session(session, [kernel_object(_rumpkern_plan(session), c_file, obj, f"the stubs for {component_lib}",
                                           [f"the C file is {c_file}"])], builddir=outdir)
    archive_objects(session.toolchain, archive, [obj])
    return StubResult(c_file, obj, archive, kinds)
