"""zig cc: clang plus bundled libcs, from the ziglang wheel; compiles for every arch LLVM targets.

Per-arch data in ``zig.toml`` (keys: ``ARCH_KEYS``): ``libc_target`` (musl,
static programs that run under qemu-user with no sysroot) or else ``target``
(glibc, dynamic), plus ``flags``; ``cannot_link`` and ``crashes`` record what
zig gets wrong for an arch (builds then make .a/_pic.a only, and ``auto`` and
``test`` look for another toolchain).  Builds take those from the table
without linking anything (zig's first static link for an arch builds its libc:
minutes); ``rumpbuild doctor`` links a test program to prove the table.

zig cc differs from plain clang in ways kernel code must not inherit; checked
with zig 0.17.1 (clang 22) by compiling a file with ``-ffreestanding
-nostdinc`` and reading its undefined symbols:

* without ``-O`` (and with ``-O0``/``-Og``) it builds in zig's Debug mode:
  ``-fsanitize=undefined``-style checks (``__ubsan_handle_*`` references) and
  ``-fstack-protector-strong`` (``__stack_chk_fail``/``__stack_chk_guard``),
  neither of which a rump kernel provides → ``-fno-sanitize=all
  -fno-stack-protector``;
* with ``-O1``/``-O2``/``-Os`` it predefines ``NDEBUG``, which turns libkern's
  ``assert()`` into nothing (gcc and clang do not) → ``-UNDEBUG``.

These go right after the target in ``cc``, so a tree's own flags (say
``-fstack-protector``) still win.  zig also always emits debug info and frame
pointers, which is harmless.  It does not default to ``-fPIC`` for musl
targets (glibc mips targets are PIC).
"""

from __future__ import annotations

import os
from pathlib import Path

from rumpbuild.arch import ArchDataError, Target
from rumpbuild.cache import cache_dir
from rumpbuild.toolchain import Toolchain, _elf_facts, make_toolchain, not_working, probe, target_elf
from rumpbuild.toolchain.data import entry, no_entry

# Flags that undo zig cc's defaults (see the module docstring).
NEUTRALISE = ("-fno-sanitize=all", "-fno-stack-protector", "-UNDEBUG")

ARCH_KEYS = {
    "target": (str, None),       # zig cc -target, glibc
    "flags": (list, []),
    "libc_target": (str, ""),    # zig cc -target, musl (static programs); "" = use target
}
_MUSL_ABIS = ("musl", "musleabi", "musleabihf")


def check_entry(path: Path, arch: str, e: dict) -> None:
    """libc_target must be `<target's CPU arch>-linux-<musl ABI>`."""
    value = e["libc_target"]
    if not value:
        return
    parts = value.split("-")
    cpu = e["target"].split("-")[0]
    if len(parts) != 3 or parts[1] != "linux" or parts[2] not in _MUSL_ABIS:
        raise ArchDataError(path, f"{arch}.libc_target",
                            f"'{value}' is not ARCH-linux-ABI with ABI one of " + ", ".join(_MUSL_ABIS),
                            [f"e.g. libc_target = \"{cpu}-linux-musl\"",
                             "remove the key if zig has no musl for this arch"])
    if parts[0] != cpu:
        raise ArchDataError(path, f"{arch}.libc_target", f"arch '{parts[0]}' differs from target's '{cpu}'",
                            [f"use {cpu}-linux-{parts[2]}"])


def zig_path() -> str | None:
    """The zig binary inside the ziglang wheel (called directly: ~50 ms faster than `python -m ziglang`)."""
    try:
        import ziglang
    except ImportError:
        return None
    exe = Path(ziglang.__file__).resolve().parent / "zig"
    return str(exe) if exe.is_file() else None


def zig_triple(target: Target) -> str:
    e = entry("zig", target)
    return "" if e is None else (e["libc_target"] or e["target"])


def command(target: Target) -> tuple[str, ...] | None:
    zig = zig_path()
    e = entry("zig", target)
    if zig is None or e is None:
        return None
    return (zig, "cc", "-target", zig_triple(target), *e["flags"], *NEUTRALISE)


def links(target: Target) -> tuple[str, ...]:
    """How zig links programs for ``target``: static with musl, else dynamic with glibc."""
    e = entry("zig", target)
    return ("static",) if e is not None and e["libc_target"] else ("dynamic",)


def install_hint(target: Target) -> str:
    return "pip install ziglang"


def hints(target: Target) -> list[str]:
    return ["pip install ziglang (rumpbuild needs the ziglang wheel)"]


def exists(target: Target) -> str | None:
    if entry("zig", target) is None:
        return no_entry("zig", target)
    cc = command(target)
    if cc is None:
        return "the ziglang Python package is not installed"
    result = probe(cc, target)  # no link here: the table says where zig links (doctor proves it)
    return None if result["ok"] else result["reason"]


def generate(target: Target) -> Toolchain:
    reason = exists(target)
    if reason is not None:
        raise not_working("zig", target, reason, hints(target) if zig_path() is None else [])
    cc = command(target)
    e = entry("zig", target)
    musl = bool(e["libc_target"])
    link_problem = e["cannot_link"]
    proof = probe(cc, target, links=links(target), cached_only=True)  # what `rumpbuild doctor` found
    if not link_problem and proof.get("link_error"):
        link_problem = f"a test program does not link ({proof['link_error']}; found by rumpbuild doctor)"
    return make_toolchain("zig", target, cc, (cc[0], "ar"), probe(cc, target),
                          libc="musl" if musl else "glibc", static_ok=musl and not link_problem,
                          link_problem=link_problem)


def fixup_flags(flags: list[str]) -> list[str]:
    """Keep a -nostdinc compile away from zig's libc headers.

    zig cc puts its libc's include folders (-isystem …/libc/include/…) ahead of
    the command line's own -isystem folders even with -nostdinc, so a tree that
    passes its kernel headers with -isystem (NEED_ISYSTEM: zfs, solaris) would
    get musl's <sys/types.h>.  Those folders become -I at the end of the -I
    list instead: searched after every -I, as before, but ahead of zig's.
    """
    if "-nostdinc" not in flags or "-isystem" not in flags:
        return flags
    out, moved = [], []
    it = iter(range(len(flags)))
    for i in it:
        if flags[i] == "-isystem" and i + 1 < len(flags):
            moved.append("-I" + flags[i + 1])
            next(it, None)
        else:
            out.append(flags[i])
    return out + moved


# --------------------------------------------------------------------------- zig's libc, built on first use

def global_cache_dir() -> Path:
    """zig's own cache (its built libcs), as zig finds it: $ZIG_GLOBAL_CACHE_DIR, $XDG_CACHE_HOME/zig, ~/.cache/zig."""
    own = os.environ.get("ZIG_GLOBAL_CACHE_DIR")
    if own:
        return Path(own)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zig"


def libc_built(target: Target) -> bool:
    """Whether zig's cache holds a C runtime (crt1.o) of *target*'s machine, class and endianness.

    zig builds musl or glibc stubs for a target the first time it links for it (minutes on a
    small machine) and keeps them in its cache under hashed names; crt1.o comes with either.
    A found one is remembered in rumpbuild's cache, so later runs check one file.
    """
    zdir = global_cache_dir()
    stamp = cache_dir("zig-libc", f"{zig_triple(target)}.path")
    try:
        known = Path(stamp.read_text().strip())
        if known.is_file() and zdir in known.parents:
            return True
    except OSError:
        pass
    want = target_elf(target)
    try:
        folders = os.scandir(zdir / "o")
    except OSError:
        return False
    with folders:
        for d in folders:
            crt = os.path.join(d.path, "crt1.o")
            if os.path.exists(crt) and _elf_facts(crt) == want:
                try:
                    stamp.parent.mkdir(parents=True, exist_ok=True)
                    stamp.write_text(crt + "\n")
                except OSError:
                    pass  # a read-only cache only costs the scan next time
                return True
    return False


def first_link_note(target: Target) -> str | None:
    """What to tell a user whose first link for *target* makes zig build its C library."""
    if libc_built(target):
        return None
    return (f"zig has no C library for {zig_triple(target)} in {global_cache_dir()} yet: it builds it the "
            f"first time it links for this target (a few minutes on a small machine, once)")
