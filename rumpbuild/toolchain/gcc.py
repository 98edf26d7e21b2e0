"""GNU cc: Debian's cross compiler ``<gcc_triple>-gcc``, or the host's ``gcc``
when it already makes the target's ELF (the host is that arch).

Variables from the arch data: ``gcc_triple`` and ``gcc_flags``.  The archiver
is ``<gcc_triple>-ar`` if installed, else ``ar`` (binutils-multiarch reads
every format).  Programs link against the cross glibc; ``static_ok`` is
probed (Debian's libc6-dev-<arch>-cross ships libc.a).
"""

from __future__ import annotations

import shutil

from rumpbuild.arch import Target
from rumpbuild.toolchain import (Toolchain, first_ar, host_elf, make_toolchain, not_working, probe,
                                 target_elf)


def command(target: Target) -> tuple[str, ...] | None:
    exe = shutil.which(f"{target.gcc_triple}-gcc")
    if exe is None and host_elf() == target_elf(target):
        exe = shutil.which("gcc")
    return None if exe is None else (exe, *target.gcc_flags)


def hints(target: Target) -> list[str]:
    pkg = target.gcc_triple.replace("_", "-")
    return [f"apt-get install gcc-{pkg} (Debian's cross compiler, if packaged for this arch)"]


def exists(target: Target) -> str | None:
    cc = command(target)
    if cc is None:
        return f"{target.gcc_triple}-gcc not found in PATH"
    result = probe(cc, target)
    return None if result["ok"] else result["reason"]


def generate(target: Target) -> Toolchain:
    cc = command(target)
    if cc is None:
        raise not_working("gcc", target, f"{target.gcc_triple}-gcc not found in PATH", hints(target))
    result = probe(cc, target)
    if not result["ok"]:
        raise not_working("gcc", target, result["reason"], hints(target))
    return make_toolchain("gcc", target, cc, first_ar(f"{target.gcc_triple}-ar", "ar"), result, libc="glibc")
