"""clang: one binary for every arch LLVM targets, ``clang --target=<target>``.

Per-arch data in ``clang.toml`` (keys: ``ARCH_KEYS``).  The archiver is
``llvm-ar`` if installed, else ``ar``.  clang compiles for any target it was
built with; linking programs needs the target's gcc runtime and glibc
(Debian's cross packages) and a linker for the target, which the probe
checks (a dynamic and a static link).
"""

from __future__ import annotations

import shutil

from rumpbuild.arch import Target
from rumpbuild.toolchain import Toolchain, first_ar, make_toolchain, not_working, probe
from rumpbuild.toolchain.data import entry, no_entry

ARCH_KEYS = {
    "target": (str, None),     # clang --target
    "flags": (list, []),
}
LINKS = ("dynamic", "static")


def links(target: Target) -> tuple[str, ...]:
    """How the probe links test programs: dynamic and fully static (either one will do)."""
    return LINKS


def command(target: Target) -> tuple[str, ...] | None:
    e = entry("clang", target)
    exe = shutil.which("clang")
    return None if exe is None or e is None else (exe, f"--target={e['target']}", *e["flags"])


def install_hint(target: Target) -> str:
    return "apt-get install clang lld"


def hints(target: Target) -> list[str]:
    return [install_hint(target)]


def exists(target: Target) -> str | None:
    if entry("clang", target) is None:
        return no_entry("clang", target)
    cc = command(target)
    if cc is None:
        return "clang not found in PATH"
    result = probe(cc, target, links=LINKS)
    return None if result["ok"] else result["reason"]


def generate(target: Target) -> Toolchain:
    reason = exists(target)
    if reason is not None:
        raise not_working("clang", target, reason, hints(target))
    cc = command(target)
    return make_toolchain("clang", target, cc, first_ar("llvm-ar", "ar"), probe(cc, target, links=LINKS),
                          libc="glibc")
