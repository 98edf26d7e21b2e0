"""The compiler and linker flags a program needs to use rump libraries, and pkg-config files saying the same.

Two ways to link, as the smoke test does (rumpbuild/smoke/runner.py):

* shared: -L/-rpath to the libraries and ``-Wl,--no-as-needed`` before the
  ``-l`` list — a program calls none of the component libraries directly (they
  register themselves from constructors), so a linker that drops unneeded
  libraries (``--as-needed``, the default of many distributions) would drop
  every one, and the mount then fails with ENOSYS;
* static: the archives between ``--whole-archive`` and ``--no-whole-archive``
  for the same reason.  With glibc the C library stays dynamic: a fully
  static glibc program crashes in librumpuser's rumpuser_dl_bootstrap().
  musl programs link fully static (``-static``).

32-bit targets get ``-D_FILE_OFFSET_BITS=64``: rump's syscall interface uses a
64-bit off_t.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

MODES = ("shared", "static")


@dataclass
class LinkFlags:
    cflags: list[str]
    libs: list[str]

    def line(self) -> str:
        return " ".join(self.cflags + self.libs)


def merge_closures(closures) -> list[str]:
    """One link order for several closures: each library after every library that needs it
    (the last place it appears; each closure lists dependents first)."""
    order = [lib for c in closures for lib in c]
    return [lib for i, lib in enumerate(order) if lib not in order[i + 1:]]


def system_libs(toolchain) -> list[str]:
    return ["-lpthread", "-ldl"] + (["-lrt"] if toolchain.libc == "glibc" else [])


def link_flags(libs, libdir: str, include_dirs, mode: str, target, toolchain) -> LinkFlags:
    """Flags for a program linking *libs* (names without lib, in link order) from *libdir*."""
    cflags = [f"-I{d}" for d in include_dirs]
    if target.elf_class == 32:
        cflags.append("-D_FILE_OFFSET_BITS=64")
    if mode == "shared":
        ldflags = [f"-L{libdir}", f"-Wl,-rpath,{libdir}", "-Wl,--no-as-needed"] + [f"-l{l}" for l in libs]
    elif mode == "static":
        ldflags = ([] if toolchain.libc == "glibc" else ["-static"]) + ["-Wl,--whole-archive"]
        ldflags += [os.path.join(libdir, f"lib{l}.a") for l in libs] + ["-Wl,--no-whole-archive"]
    else:
        raise ValueError(f"link mode {mode!r} is not one of {MODES}")
    return LinkFlags(cflags, ldflags + system_libs(toolchain))


def pc_name(lib: str, mode: str) -> str:
    """pkg-config package name: rumpfs_msdos (shared), rumpfs_msdos-static."""
    return lib if mode == "shared" else f"{lib}-static"


def pc_text(lib: str, mode: str, flags: LinkFlags, prefix: str, version: str, description: str) -> str:
    """A self-contained .pc file (no Requires: pkg-config would reorder the whole-archive group).

    Paths under *prefix* are written as ${prefix}/…, so a moved folder needs only its prefix line edited.
    """
    def rel(word: str) -> str:
        return re.sub(re.escape(prefix) + r"(?=/|$)", "${prefix}", word) if prefix else word

    return (f"prefix={prefix}\n\n"
            f"Name: {pc_name(lib, mode)}\n"
            f"Description: {description}\n"
            f"Version: {version}\n"
            f"Cflags: {' '.join(rel(w) for w in flags.cflags)}\n"
            f"Libs: {' '.join(rel(w) for w in flags.libs)}\n")


def write_pkgconfig(pcdir: str, lib: str, flags_by_mode: dict, prefix: str, description: str) -> list[str]:
    """Write <pcdir>/<name>.pc for each mode; returns the files written."""
    from rumpbuild import __version__
    from rumpbuild.fsutil import write_atomic

    os.makedirs(pcdir, exist_ok=True)
    written = []
    for mode, flags in flags_by_mode.items():
        path = os.path.join(pcdir, pc_name(lib, mode) + ".pc")
        write_atomic(path, pc_text(lib, mode, flags, prefix, __version__, description))
        written.append(path)
    return written
