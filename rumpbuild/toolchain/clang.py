"""clang: one binary for every arch, ``clang --target=<clang_target>``.

Variables from the arch data: ``clang_target`` and ``clang_flags``.  The
archiver is ``llvm-ar`` if installed, else ``ar``.  clang compiles for any
target it was built with; linking programs needs the target's gcc runtime
and glibc (Debian's cross packages) and a linker for the target, which
``static_ok`` reports (probed).
"""

from __future__ import annotations

import shutil

from rumpbuild.arch import Target
from rumpbuild.toolchain import Toolchain, first_ar, make_toolchain, not_working, probe


def command(target: Target) -> tuple[str, ...] | None:
    exe = shutil.which("clang")
    return None if exe is None else (exe, f"--target={target.clang_target}", *target.clang_flags)


def hints(target: Target) -> list[str]:
    return ["apt-get install clang lld"]


def exists(target: Target) -> str | None:
    cc = command(target)
    if cc is None:
        return "clang not found in PATH"
    result = probe(cc, target)
    return None if result["ok"] else result["reason"]


def generate(target: Target) -> Toolchain:
    cc = command(target)
    if cc is None:
        raise not_working("clang", target, "clang not found in PATH", hints(target))
    result = probe(cc, target)
    if not result["ok"]:
        raise not_working("clang", target, result["reason"], hints(target))
    return make_toolchain("clang", target, cc, first_ar("llvm-ar", "ar"), result, libc="glibc")
