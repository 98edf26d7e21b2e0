"""NetBSD machines as data: one TOML file per MACHINE in this directory.

Every per-arch NetBSD fact rumpbuild needs lives in the TOML files; Python
code never branches on an arch name.  How each toolchain targets a
MACHINE_ARCH (triples, flags, known breakage) is the toolchain's own data,
``rumpbuild/toolchain/<name>.toml``, so an arch that one toolchain cannot
target is still valid for the others.  All files are loaded and validated
together the first time any function here is called (or explicitly with
``arch_dir=``); an unknown or missing key, a wrong type or a duplicate name is
an :class:`ArchDataError` naming the file and the key.

File schema (``<machine>.toml``)::

    machine      str   NetBSD MACHINE; must equal the file name stem
    description  str   one line for `rumpbuild arches`
    default      str   MACHINE_ARCH used when only the MACHINE is given
    extra_klinks list  include links bsd.klinks.mk makes besides machine,
                       MACHINE and MACHINE_CPU (e.g. amd64: i386, x86)
    [[variant]]        one per supported MACHINE_ARCH:
      machine_arch  str   MACHINE_ARCH (build.sh valid_MACHINE_ARCH)
      machine_cpu   str   MACHINE_CPU, bsd.own.mk's rewrite of MACHINE_ARCH
      aliases       list  other names `resolve()` accepts          (default [])
      endian        str   "little" or "big"
      elf_class     int   32 or 64
      elf_machine   str   e_machine as pyelftools spells it ("EM_ARM")
      qemu          str   qemu-user binary that runs this arch's programs
      native_abi    bool  _RUMP_NATIVEABI (rump code uses the kernel ABI)
      wno_format    bool  buildrump adds -Wno-format (32-bit, aarch64, ppc64, riscv64)
      symquirk      str   Makefile.rump _SYMQUIRK alternative, no "|" (default "")
      pq            str   Makefile.rump _PQ prefix regex            (default "")
      extra_klinks  list  overrides the machine's extra_klinks   (default: machine's)
      kmod_cflags   table bsd.kmodule.mk's per-CPU CFLAGS by ACTIVE_CC: {gcc=[…], clang=[…]}
                          (default {})
      kmod_cppflags list  bsd.kmodule.mk's per-MACHINE CPPFLAGS (evbppc)  (default [])
      c_string_routines list  libkern routines built from common/lib/libc/string/<name>.c
                          instead of the arch's assembler (broken in some trees) (default [])
"""

from __future__ import annotations

import difflib
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elftools.elf.enums import ENUM_E_MACHINE

from rumpbuild.errors import UnknownNameError, UserError

ARCH_DIR = Path(__file__).resolve().parent


class ArchDataError(UserError):
    """A machine TOML file that does not follow the schema."""

    def __init__(self, path: Path, key: str, reason: str, hints=(), schema_home: str = "rumpbuild/arch/__init__.py"):
        self.path = Path(path)
        self.key = key
        where = f"{path}: key '{key}'" if key else f"{path}"
        super().__init__(f"{where}: {reason}", hints or [
            f"compare {Path(path).name} with the schema in {schema_home}",
        ])


@dataclass(frozen=True)
class Target:
    """One NetBSD MACHINE/MACHINE_ARCH pair and how to build for it."""

    machine: str
    machine_arch: str
    machine_cpu: str
    aliases: tuple[str, ...]
    endian: str
    elf_class: int
    elf_machine: str
    qemu: str
    native_abi: bool
    wno_format: bool
    symquirk: str
    pq: str
    extra_klinks: tuple[str, ...]
    kmod_cflags: tuple[tuple[str, tuple[str, ...]], ...]
    kmod_cppflags: tuple[str, ...]
    c_string_routines: tuple[str, ...]
    is_default: bool
    source: Path

    @property
    def name(self) -> str:
        """``MACHINE/MACHINE_ARCH``, e.g. ``evbarm/earmv7hf``."""
        return f"{self.machine}/{self.machine_arch}"

    def make_vars(self) -> dict[str, str]:
        """Command-line make variables for this target (read by the sysmk models)."""
        v = {
            "MACHINE": self.machine,
            "MACHINE_ARCH": self.machine_arch,
            "MACHINE_CPU": self.machine_cpu,
            "TARGET_ENDIANNESS": "1234" if self.endian == "little" else "4321",
        }
        for cc, flags in self.kmod_cflags:
            v[f"KMODULE_ARCH_CFLAGS.{cc}"] = " ".join(flags)
        if self.kmod_cppflags:
            v["KMODULE_ARCH_CPPFLAGS"] = " ".join(self.kmod_cppflags)
        return v

    def klinks(self, sys_dir: Path) -> list[tuple[str, Path]]:
        """The include links bsd.klinks.mk creates in an object directory.

        ``(link name, target)``; ``sys_dir`` is the tree's ``sys``.  Like
        bsd.klinks.mk, the MACHINE_CPU link exists only if ``sys/arch/<cpu>``
        is a directory, and the extra links are made unconditionally (they
        may dangle, e.g. evbmips' algor).  Later duplicates are dropped.
        """
        arch = Path(sys_dir) / "arch"
        names = ["machine", self.machine]
        if (arch / self.machine_cpu).is_dir():
            names.append(self.machine_cpu)
        names.extend(self.extra_klinks)
        links: dict[str, Path] = {}
        for name in names:
            target = self.machine if name == "machine" else name
            links.setdefault(name, arch / target / "include")
        return list(links.items())


@dataclass(frozen=True)
class Machine:
    """One NetBSD MACHINE: a TOML file with its MACHINE_ARCH variants."""

    name: str
    description: str
    default: str
    variants: tuple[Target, ...]
    source: Path

    @property
    def default_target(self) -> Target:
        return next(v for v in self.variants if v.is_default)


# key -> (type, default); default None means required.
_MACHINE_KEYS: dict[str, tuple[type, Any]] = {
    "machine": (str, None),
    "description": (str, None),
    "default": (str, None),
    "extra_klinks": (list, None),
    "variant": (list, None),
}
_VARIANT_KEYS: dict[str, tuple[type, Any]] = {
    "machine_arch": (str, None),
    "machine_cpu": (str, None),
    "aliases": (list, []),
    "endian": (str, None),
    "elf_class": (int, None),
    "elf_machine": (str, None),
    "qemu": (str, None),
    "native_abi": (bool, None),
    "wno_format": (bool, None),
    "symquirk": (str, ""),
    "pq": (str, ""),
    "extra_klinks": (list, None),  # None here: inherit the machine's list
    "kmod_cflags": (dict, {}),
    "kmod_cppflags": (list, []),
    "c_string_routines": (list, []),
}
_OPTIONAL_VARIANT = {"aliases", "symquirk", "pq", "extra_klinks", "kmod_cflags", "kmod_cppflags",
                     "c_string_routines"}
# arch keys of earlier versions -> where that fact lives now
_MOVED_TO_TOOLCHAINS = {
    "gcc_triple": "rumpbuild/toolchain/gcc.toml, [MACHINE_ARCH] triple",
    "gcc_flags": "rumpbuild/toolchain/gcc.toml, [MACHINE_ARCH] flags",
    "clang_target": "rumpbuild/toolchain/clang.toml, [MACHINE_ARCH] target",
    "clang_flags": "rumpbuild/toolchain/clang.toml, [MACHINE_ARCH] flags",
    "zig_target": "rumpbuild/toolchain/zig.toml, [MACHINE_ARCH] target",
    "zig_flags": "rumpbuild/toolchain/zig.toml, [MACHINE_ARCH] flags",
    "zig_libc_target": "rumpbuild/toolchain/zig.toml, [MACHINE_ARCH] libc_target",
    "zig_cannot_link": "rumpbuild/toolchain/zig.toml, [MACHINE_ARCH] cannot_link",
    "qemu_sysroot": "/usr/<triple> from rumpbuild/toolchain/gcc.toml (Debian's cross libc)",
}
_CHOICES = {
    "endian": ("little", "big"),
    "elf_class": (32, 64),
    "elf_machine": tuple(sorted(k for k in ENUM_E_MACHINE if k.startswith("EM_"))),
}


def check_table(path: Path, table: dict, schema: dict, optional: set[str], prefix: str,
                schema_home: str = "rumpbuild/arch/__init__.py") -> dict:
    """``table`` checked against ``schema`` (key -> (type, default)), defaults filled in.

    Also used for the toolchains' per-arch tables (``schema_home`` names where
    their schema is written down).
    """
    for key in table:
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            hint = [f"did you mean '{prefix}{close[0]}'?"] if close else []
            if key in _MOVED_TO_TOOLCHAINS:
                hint = [f"toolchain facts live with the toolchain now: {_MOVED_TO_TOOLCHAINS[key]}"]
            raise ArchDataError(path, prefix + key, "unknown key; known keys: " + ", ".join(schema),
                                hint + [f"remove or rename the key in {path.name}"])
    out = {}
    for key, (typ, default) in schema.items():
        if key not in table:
            if key in optional:
                out[key] = default
                continue
            raise ArchDataError(path, prefix + key, "missing required key",
                                [f"add `{key} = …` to {path.name} (schema: {schema_home})"])
        value = table[key]
        # bool is a subclass of int: check it exactly
        if type(value) is not typ:
            raise ArchDataError(path, prefix + key,
                                f"must be a {typ.__name__}, not {type(value).__name__} ({value!r})",
                                schema_home=schema_home)
        if typ is list and key != "variant" and not all(isinstance(x, str) for x in value):
            raise ArchDataError(path, prefix + key, "must be a list of strings", schema_home=schema_home)
        if key in _CHOICES and value not in _CHOICES[key]:
            close = difflib.get_close_matches(str(value), [str(c) for c in _CHOICES[key]], n=3)
            raise ArchDataError(path, prefix + key, f"{value!r} is not one of the allowed values",
                                ["did you mean " + " or ".join(map(repr, close)) + "?"] if close else
                                ["allowed: " + ", ".join(map(str, _CHOICES[key][:12]))])
        out[key] = value
    return out


def _load_file(path: Path) -> Machine:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ArchDataError(path, "", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise ArchDataError(path, "", f"cannot read: {exc.strerror}") from None
    top = check_table(path, data, _MACHINE_KEYS, set(), "")
    if top["machine"] != path.stem:
        raise ArchDataError(path, "machine", f"is '{top['machine']}' but the file is named {path.name}",
                            [f"rename the file to {top['machine']}.toml or fix the key"])
    if not all(isinstance(x, str) for x in top["extra_klinks"]):
        raise ArchDataError(path, "extra_klinks", "must be a list of strings")
    variants = []
    for i, raw in enumerate(top["variant"]):
        prefix = f"variant[{i}]."
        if not isinstance(raw, dict):
            raise ArchDataError(path, f"variant[{i}]", "must be a table ([[variant]])")
        v = check_table(path, raw, _VARIANT_KEYS, _OPTIONAL_VARIANT, prefix)
        klinks = top["extra_klinks"] if v["extra_klinks"] is None else v["extra_klinks"]
        variants.append(Target(
            machine=top["machine"],
            machine_arch=v["machine_arch"],
            machine_cpu=v["machine_cpu"],
            aliases=tuple(v["aliases"]),
            endian=v["endian"],
            elf_class=v["elf_class"],
            elf_machine=v["elf_machine"],
            qemu=v["qemu"],
            native_abi=v["native_abi"],
            wno_format=v["wno_format"],
            symquirk=v["symquirk"],
            pq=v["pq"],
            extra_klinks=tuple(klinks),
            kmod_cflags=tuple((cc, tuple(fl)) for cc, fl in sorted(v["kmod_cflags"].items())),
            kmod_cppflags=tuple(v["kmod_cppflags"]),
            c_string_routines=tuple(v["c_string_routines"]),
            is_default=v["machine_arch"] == top["default"],
            source=path,
        ))
    if not variants:
        raise ArchDataError(path, "variant", "needs at least one [[variant]] table")
    arches = [v.machine_arch for v in variants]
    if top["default"] not in arches:
        raise ArchDataError(path, "default", f"'{top['default']}' is not a variant's machine_arch",
                            ["use one of: " + ", ".join(arches)])
    return Machine(top["machine"], top["description"], top["default"], tuple(variants), path)


@functools.lru_cache(maxsize=None)
def _load_dir(arch_dir: Path) -> tuple[tuple[Machine, ...], dict[str, Target]]:
    files = sorted(arch_dir.glob("*.toml"))
    if not files:
        raise ArchDataError(arch_dir, "", "no machine files (*.toml) found",
                            ["reinstall rumpbuild, or point arch_dir at a directory of machine TOML files"])
    machines = tuple(_load_file(p) for p in files)
    names: dict[str, Target] = {}
    owner: dict[str, Path] = {}

    def add(name: str, target: Target, key: str) -> None:
        other = names.get(name)
        if other is not None and other != target:
            raise ArchDataError(target.source, key,
                                f"name '{name}' already means {other.name} (in {owner[name].name})",
                                ["every MACHINE, MACHINE_ARCH and alias must name one target"])
        names[name] = target
        owner[name] = target.source

    for m in machines:
        add(m.name, m.default_target, "machine")
    for m in machines:
        for i, v in enumerate(m.variants):
            add(v.machine_arch, v, f"variant[{i}].machine_arch")
            add(f"{m.name}/{v.machine_arch}", v, f"variant[{i}].machine_arch")
            for alias in v.aliases:
                add(alias, v, f"variant[{i}].aliases")
    return machines, names


def _dir(arch_dir: Path | str | None) -> Path:
    return ARCH_DIR if arch_dir is None else Path(arch_dir).resolve()


def all_machines(arch_dir: Path | str | None = None) -> list[Machine]:
    """Every machine, sorted by name; validates all TOML files on first use."""
    return list(_load_dir(_dir(arch_dir))[0])


def all_targets(arch_dir: Path | str | None = None) -> list[Target]:
    """Every MACHINE/MACHINE_ARCH variant, machines in name order."""
    return [v for m in all_machines(arch_dir) for v in m.variants]


def known_names(arch_dir: Path | str | None = None) -> list[str]:
    """Every name `resolve()` accepts."""
    return sorted(_load_dir(_dir(arch_dir))[1])


def resolve(name: str, arch_dir: Path | str | None = None) -> Target:
    """A MACHINE (→ its default variant), MACHINE_ARCH, ``MACHINE/MACHINE_ARCH`` or alias."""
    names = _load_dir(_dir(arch_dir))[1]
    try:
        return names[name]
    except KeyError:
        raise UnknownNameError("arch", name, sorted(names), hints=[
            "run `rumpbuild arches` to list MACHINEs, MACHINE_ARCHes and aliases",
        ]) from None


def host_arch() -> str:
    """The NetBSD MACHINE of this host (amd64 when the host CPU is none rumpbuild knows)."""
    import platform

    m = platform.machine()
    try:
        return resolve(m).name
    except UserError:
        return "amd64"
