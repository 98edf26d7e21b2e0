"""GNU cc: Debian's cross compiler ``<triple>-gcc``, or the host's ``gcc``
when it already makes the target's ELF (the host is that arch).

Per-arch data in ``gcc.toml`` (keys: ``ARCH_KEYS``).  The archiver is
``<triple>-ar`` if installed, else ``ar`` (binutils-multiarch reads every
format).  Programs link against the cross glibc; whether they link (dynamic
or static) is probed (Debian's libc6-dev-<arch>-cross ships libc.a).
"""

from __future__ import annotations

import shutil

from rumpbuild.arch import Target
from rumpbuild.toolchain import (Toolchain, first_ar, host_elf, make_toolchain, not_working, probe,
                                 target_elf)
from rumpbuild.toolchain.data import entry, no_entry

ARCH_KEYS = {
    "triple": (str, None),     # GNU triple: <triple>-gcc, <triple>-ar, /usr/<triple>
    "flags": (list, []),
    "packaged": (bool, True),  # Debian packages <triple>-gcc as gcc-<triple>
}
LINKS = ("dynamic", "static")


def links(target: Target) -> tuple[str, ...]:
    """How the probe links test programs: dynamic and fully static (either one will do)."""
    return LINKS


def _entry(target: Target) -> dict | None:
    return entry("gcc", target)


def command(target: Target) -> tuple[str, ...] | None:
    e = _entry(target)
    if e is None:
        return None
    exe = shutil.which(f"{e['triple']}-gcc")
    if exe is None and host_elf() == target_elf(target):
        exe = shutil.which("gcc")
    return None if exe is None else (exe, *e["flags"])


def install_hint(target: Target) -> str:
    """How to get gcc for ``target``, one line."""
    e = _entry(target)
    if e is None:
        return "gcc.toml has no entry for this arch"
    if not e["packaged"]:
        return f"build an {e['triple']}-gcc cross compiler, Debian packages none"
    return f"apt-get install gcc-{e['triple'].replace('_', '-')}"


def hints(target: Target) -> list[str]:
    return [install_hint(target)]


def exists(target: Target) -> str | None:
    e = _entry(target)
    if e is None:
        return no_entry("gcc", target)
    cc = command(target)
    if cc is None:
        return f"{e['triple']}-gcc not found in PATH"
    result = probe(cc, target, links=LINKS)
    return None if result["ok"] else result["reason"]


def generate(target: Target) -> Toolchain:
    reason = exists(target)
    if reason is not None:
        raise not_working("gcc", target, reason, hints(target))
    cc = command(target)
    triple = _entry(target)["triple"]
    return make_toolchain("gcc", target, cc, first_ar(f"{triple}-ar", "ar"), probe(cc, target, links=LINKS),
                          libc="glibc")
