"""Convert a NetBSD kernel module (.kmod) into a static rump component library.

What ``make -f sys/rump/Makefile.rump RUMP_SYMREN=x.kmod rump_symren`` and a
careful person would do (notes §6):

1. check the kmod: relocatable ELF for the target's CPU, and a rump kernel
   for that CPU that uses the native kernel ABI (``native_abi`` in the arch
   data; only x86 does) — else one message naming the source build instead;
2. copy it and rename its globals into ``rumpns_`` with Makefile.rump's rule
   (:mod:`rumpbuild.elf.rename`, the code every component uses);
3. choose the rump libraries to link: the components of the modules its
   modinfo requires (ext2fs → ffs, through the link-closure code), the
   components model/needs.toml names for functions it calls (getdisksize →
   rumpdev_disk), the faction of its module class, librump and librumpuser —
   built by rumpbuild, or taken from ``--rump-libs DIR``;
4. :func:`rumpbuild.symbols.missing_symbols` against them; a symbol another
   available library defines adds that library; the rest get stubs
   (:mod:`rumpbuild.stubs`);
5. archive ``lib<LIB>.a`` via a temporary name.  No registration glue: the
   kmod's own ``link_set_modules`` entry is found by ``module_init()`` in a
   static link.

amd64 kmods are ``-mcmodel=kernel`` (``R_X86_64_32S``) and i386 kmods are
non-PIC: neither can go into a shared library or a PIE, so the result is a
static archive and the program must be linked ``-static -no-pie`` with
``--whole-archive`` (:func:`link_line`).
"""

from __future__ import annotations

import glob
import json
import os
import shlex
import sys
from dataclasses import dataclass, field

from rumpbuild.steps.archive import archive_objects
from rumpbuild.errors import UserError, printable
from rumpbuild.fsutil import not_regular_reason, safe_name

MAX_ROUNDS = 6


@dataclass
class ConvertResult:
    name: str
    lib: str
    arch: str
    kmod: str
    archive: str
    object: str
    renamed: int
    modinfo: dict
    memory_model: str
    link: list[tuple[str, str]]  # (LIB, archive) in link order, the converted one first
    added: list[tuple[str, str]] = field(default_factory=list)  # (LIB, why)
    missing: list = field(default_factory=list)  # rumpbuild.symbols.Missing left after adding libraries
    stubs: object = None  # rumpbuild.stubs.StubResult or None
    entries: list = field(default_factory=list)  # scan entries built by rumpbuild (build mode)
    notes: list[str] = field(default_factory=list)

    def archives(self) -> list[str]:
        out = [self.archive]
        if self.stubs:
            out.append(self.stubs.archive)
        return out + [a for lib, a in self.link[1:]]

    def to_dict(self, session) -> dict:
        return {
            "format": 1, "name": self.name, "lib": self.lib, "arch": self.arch, "kmod": self.kmod,
            "archive": self.archive, "object": self.object, "renamed": self.renamed, "modinfo": self.modinfo,
            "memory_model": self.memory_model, "shared": False,
            "link": [{"lib": l, "archive": a} for l, a in self.link],
            "added": [{"lib": l, "why": w} for l, w in self.added],
            "missing": [m.__dict__ for m in self.missing],
            "stubs": None if not self.stubs else {
                "archive": self.stubs.archive, "c_file": self.stubs.c_file,
                "symbols": [{"name": n, "kind": k} for n, k in self.stubs.stubs]},
            "link_line": link_line(session, self), "notes": self.notes,
        }


def check_arch(target, name: str) -> None:
    """Refuse arches whose rump kernels do not use the kernel module ABI."""
    if not target.native_abi:
        raise UserError(
            f"--kmod needs an x86 arch: rump kernels for {target.name} do not use the NetBSD kernel module ABI "
            f"(native_abi is false in {target.source.name}: components there are compiled with -D_RUMPKERNEL "
            "and their own struct layouts), so a kernel module cannot be reused",
            [f"rumpbuild component {name} --arch {target.machine}    builds it from source instead"])


def check_kmod_file(path: str) -> None:
    """--kmod names a regular file: a folder, FIFO or device gets its own message, not "no such file"."""
    hint = ["`rumpbuild kmod build NAME` makes one"]
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UserError(f"--kmod {printable(path)}: no such file", hint) from None
    except OSError as exc:
        raise UserError(f"--kmod {printable(path)}: {exc.strerror}", ["check the path and its permissions"]) from None
    kind = not_regular_reason(mode)
    if kind:
        raise UserError(f"--kmod {printable(path)} is {kind}, not a kernel module file", hint)


def check_kmod(info, target, name: str) -> None:
    """The kmod must be for target's CPU and class; one message saying why not."""
    want = (target.elf_machine, target.elf_class)
    if (info.machine, info.elf_class) == want:
        if info.problem_count:
            unlisted = info.problem_count - len(info.problems)
            more = f" (and {unlisted} more)" if unlisted else ""
            raise UserError(f"{printable(info.path)} is damaged: {info.problem_count} problem(s) in its section, "
                            f"symbol or relocation tables, not converted{more}:\n  " + "\n  ".join(info.problems),
                            ["rebuild the kernel module (`rumpbuild kmod build NAME`), or build the component "
                             "from source without --kmod"])
        if info.modinfo is None:
            raise UserError(f"{info.path}: no readable modinfo ({info.modinfo_error})",
                            ["pass a kernel module built from a MODULE() declaration (`rumpbuild kmod inspect` "
                             "shows what it holds)"])
        if info.modinfo.name:  # it names the converted object file
            safe_name(info.modinfo.name, f"{printable(info.path)}: modinfo", "module name")
        return
    cpu = info.cpu or info.machine
    if info.x86:
        from rumpbuild.arch import all_targets

        arch = next((t.machine for t in all_targets() if (t.elf_machine, t.elf_class) ==
                     (info.machine, info.elf_class)), None)
        raise UserError(f"{info.path} is an ELF{info.elf_class} {cpu} kernel module, not one for {target.name}",
                        [f"pass --arch {arch}" if arch else "pass the arch the kmod was built for"])
    raise UserError(
        f"{info.path} is a kernel module for {cpu} (ELF{info.elf_class} {info.machine}); rump kernels for that CPU "
        "do not use the NetBSD kernel module ABI (native_abi is false in rumpbuild's arch data), so it cannot be "
        "converted — only x86 (amd64, i386) kmods can",
        [f"rumpbuild component {name} --arch <that machine>    builds it from source (`rumpbuild arches` lists them)"])


def _category(mclass: str | None) -> str:
    """fs, dev or kern: the component category of a MODULE_CLASS_* (as for generated components)."""
    from rumpbuild.tree.generate import CATEGORY_BY_CLASS

    return CATEGORY_BY_CLASS.get((mclass or "").removeprefix("MODULE_CLASS_"), "kern")


def _lib_name(name: str, mclass: str | None) -> str:
    from rumpbuild.tree.generate import LIB_PREFIX

    return LIB_PREFIX[_category(mclass)] + name


def _sort_key(entries):
    from rumpbuild.model.closure import COMPONENT_GROUP, FACTION_ORDER

    def key(e):
        if e.kind == "component":
            return (COMPONENT_GROUP.get(e.category, 0), entries.index(e))
        if e.kind == "faction":
            return (10 + FACTION_ORDER.index(e.name) if e.name in FACTION_ORDER else 15, 0)
        return (20, 0)

    return key


def _order(entries):
    uniq = []
    for e in entries:
        if e not in uniq:
            uniq.append(e)
    return sorted(uniq, key=_sort_key(uniq))


def convert_kmod(session, name: str, kmod_path: str, rump_libs: str | None = None,
                 outdir: str | None = None) -> ConvertResult:
    from rumpbuild.model.closure import FACTION_BY_CATEGORY, _needs
    from rumpbuild.elf.rename import rename_symbols, rename_table
    from rumpbuild.kmod.inspect import inspect_kmod
    from rumpbuild.stubs import generate_stubs
    from rumpbuild.symbols import missing_symbols

    target = session.target
    check_arch(target, name)
    check_kmod_file(kmod_path)
    info = inspect_kmod(kmod_path)
    check_kmod(info, target, name)
    mi = info.modinfo
    lib = _lib_name(name, mi.module_class)
    notes = []
    if mi.name != name:
        notes.append(f"the module calls itself '{mi.name}' (modinfo); the component is named '{name}'")
    if rump_libs and not os.path.isdir(rump_libs):
        raise UserError(f"--rump-libs {rump_libs}: not a folder", ["pass the folder holding librump.a …"])

    # the modinfo's name comes from the file: a plain name, or the kmod is refused
    objname = safe_name(mi.name or name, f"{printable(kmod_path)}: modinfo", "module name") + ".kmod.o"
    out = os.path.abspath(outdir or os.path.join(session.outdir, "kmod"))
    work = os.path.join(out, "obj", lib)
    os.makedirs(work, exist_ok=True)
    obj = os.path.join(work, objname)
    table = rename_table(kmod_path, target)
    renamed = rename_symbols(kmod_path, obj, table)

    # -- what to link ------------------------------------------------------
    added: list[tuple[str, str]] = []
    wanted: list[tuple[str, str]] = []  # (LIB, why) libraries asked for by name
    for r in mi.required:
        wanted.append((None, f"module:{r}"))
    needs = _needs()
    for sym in info.undefined:
        if sym in needs:
            wanted.append((needs[sym], f"calls {sym}() (model/needs.toml)"))
    # a file system needs librumpvfs, a driver librumpdev (librump comes with every closure)
    category = _category(mi.module_class)
    faction = FACTION_BY_CATEGORY[category] if category != "kern" else None

    if rump_libs:
        avail = {os.path.basename(p)[3:-2]: p for p in sorted(glob.glob(os.path.join(rump_libs, "lib*.a")))
                 if not p.endswith("_pic.a") and not p.endswith("_p.a")}
        chosen: list[str] = []

        def want(l, why):
            if l in avail and l not in chosen:
                chosen.append(l)
                if why:
                    added.append((l, why))
            elif l not in avail:
                notes.append(f"lib{l}.a is not in {rump_libs} ({why or 'base'})")

        for l, why in wanted:
            if l is None:
                r = why.split(":", 1)[1]
                l = _module_lib(session, r)
                why = f"modinfo requires module '{r}'"
            want(l, why)
        groups = [f for f in ("rumpdev", "rumpnet") if any(c.startswith(f + "_") for c in chosen)]
        for base in [faction, *groups, "rump", "rumpuser"]:
            if base:
                want(base, None)
        for _ in range(MAX_ROUNDS):
            cands = {l: p for l, p in avail.items() if l not in chosen and l != lib}
            miss = missing_symbols([obj], [avail[l] for l in chosen], cands)
            new = [(m.defined_in, m.name) for m in miss if m.defined_in]
            if not new:
                break
            for l, sym in new:
                if l not in chosen:
                    chosen.append(l)
                    added.append((l, f"defines {sym}"))
        link = [(l, avail[l]) for l in _order_libs(chosen)]
        entries = []
    else:
        entries = []
        for l, why in wanted:
            if l is None:
                r = why.split(":", 1)[1]
                e = _module_entry(session, r)
                entries += session.closure(e) if e.kind == "component" else [e]
                added.append((e.lib, f"modinfo requires module '{r}'"))
            else:
                e = _entry_for_lib(session, l)
                if e is not None:
                    entries += session.closure(e)
                    added.append((l, why))
        for base in (faction, "rumpkern", "rumpuser"):
            b = session.find_base(base) if base else None
            if b is not None:
                entries.append(b)
        entries = _order(entries)
        for _ in range(MAX_ROUNDS):
            plan = session.build(entries, shared=False)
            by_lib = {l.lib: l.archive for l in plan.libraries}
            provided = [by_lib[e.lib] for e in entries]
            cands = {}
            for p in sorted(glob.glob(os.path.join(session.outdir, "lib*.a"))):
                l = os.path.basename(p)[3:-2]
                if l not in by_lib and l != lib and not l.endswith(("_pic", "_stubs")):
                    cands[l] = p
            miss = missing_symbols([obj], provided, cands)
            new = [(m.defined_in, m.name) for m in miss if m.defined_in]
            if not new:
                break
            grew = False
            for l, sym in new:
                e = _entry_for_lib(session, l)
                if e is not None and e not in entries:
                    entries += session.closure(e)
                    added.append((l, f"defines {sym}"))
                    grew = True
            if not grew:
                break
            entries = _order(entries)
        link = [(e.lib, by_lib[e.lib]) for e in entries]
    _refuse_clashes(kmod_path, obj, link)
    # what is still missing is stubbed
    miss = missing_symbols([obj], [a for _l, a in link], {})
    stubs = None
    if miss:
        stubs = generate_stubs(session, lib, [m.name for m in miss], out)
    archive = archive_objects(session.toolchain, os.path.join(out, f"lib{lib}.a"), [obj])
    if info.ssp:
        notes.append("the kmod uses SSP (" + ", ".join(info.ssp) + "): these bind to the host C library")
    return ConvertResult(name, lib, target.name, os.path.abspath(kmod_path), archive, obj, renamed,
                         {"name": mi.name, "class": mi.module_class, "required": mi.required,
                          "version": mi.version},
                         info.memory_model, [(lib, archive)] + link, added, miss, stubs, entries, notes)


def _strong_definitions(obj) -> set[str]:
    """Globals *obj* (an ElfObject) defines with strong binding: two of those make ld refuse a link."""
    from rumpbuild.elf.reader import SHN_COMMON, SHN_UNDEF, STB_GLOBAL

    return {s.name for s in obj.global_symbols() if s.bind == STB_GLOBAL and s.shndx not in (SHN_UNDEF, SHN_COMMON)}


def _refuse_clashes(kmod_path: str, obj: str, link: list[tuple[str, str]]) -> None:
    """Refuse a kmod that defines what a rump library it links with defines too (ld: multiple definition).

    The libraries are linked --whole-archive, so every member counts.
    """
    from pathlib import Path

    from rumpbuild.elf.reader import ElfObject, open_elf
    from rumpbuild.fsutil import read_regular
    from rumpbuild.symbols import AR_MAGIC, _ar_members

    mine = _strong_definitions(open_elf(obj))
    for lib, archive in link:
        data = read_regular(archive)
        if not data.startswith(AR_MAGIC):
            continue
        for member, body in _ar_members(Path(archive), data):
            if body[:4] != b"\x7fELF":
                continue
            both = sorted(mine & _strong_definitions(ElfObject(f"{archive}({member})", body)))
            if both:
                plain = [n.removeprefix("rumpns_") for n in both[:4]]
                raise UserError(f"{printable(kmod_path)} defines {', '.join(plain)}, which lib{lib} ({member}) "
                                "defines too: ld would refuse the link (multiple definition)",
                                ["convert a kmod whose code is not already part of the rump kernel, or build the "
                                 "component from source without --kmod"])


def _order_libs(libs: list[str]) -> list[str]:
    def key(l):
        if l == "rumpuser":
            return (30, 0)
        if l == "rump":
            return (20, 0)
        if l in ("rumpdev", "rumpnet", "rumpvfs"):
            return (10 + ["rumpdev", "rumpnet", "rumpvfs"].index(l), 0)
        if l.startswith("rumpdev_"):
            return (2, libs.index(l))
        if l.startswith("rumpnet_"):
            return (1, libs.index(l))
        return (0, libs.index(l))

    return sorted(dict.fromkeys(libs), key=key)


def _module_entry(session, module: str):
    """The library building *module*: a component of that name, else one whose sources declare
    MODULE(…, module, …) (wapbl is part of librumpvfs), as the link-closure code decides."""
    from rumpbuild.model.closure import module_info

    libs = [e for e in session.scan().entries if e.kind in ("component", "faction") and not e.error]
    for e in libs:  # a component of the tree named after it (ffs -> rumpfs_ffs)
        if e.kind == "component" and module in e.fs_names:
            return e
    for e in sorted(libs, key=lambda x: x.kind != "faction"):  # wapbl: built into librumpvfs
        if module in module_info(e)[0]:
            return e
    try:  # last: what `rumpbuild component NAME` would build (it may generate a component)
        return session.find_component(module)
    except UserError:
        pass
    raise UserError(f"the kmod's modinfo requires module '{module}', and this tree builds no rump component "
                        "for it", [f"convert its kmod first, or pass --rump-libs with lib*_{module}.a"]) from None


def _module_lib(session, module: str) -> str:
    try:
        return _module_entry(session, module).lib
    except UserError:
        return "rumpfs_" + module


def _entry_for_lib(session, lib: str):
    try:
        return session.find_component(lib)
    except UserError:
        return None


def link_line(session, res: ConvertResult, program: str = "prog", objs=("prog.o",)) -> list[str]:
    """The non-PIE, whole-archive link a program using the converted component needs (static but for glibc)."""
    from rumpbuild.model.targets import prebuilt_link_flags

    tc = session.toolchain
    cmd = list(tc.cc) + prebuilt_link_flags(tc) + ["-o", program, *objs, "-Wl,--whole-archive", *res.archives(),
                                                   "-Wl,--no-whole-archive", "-lpthread"]
    if tc.libc == "glibc":
        cmd += ["-ldl", "-lrt"]
    return cmd


def render_report(session, res: ConvertResult, print_link: bool) -> str:
    lines = [f"converted {res.kmod} -> {os.path.relpath(res.archive)} ({res.arch})",
             f"  module {res.modinfo['name']!r}, {res.modinfo['class']}, requires "
             f"{','.join(res.modinfo['required']) or '(none)'}; {res.renamed} symbols renamed into rumpns_",
             f"  memory model: {res.memory_model}"]
    for l, why in res.added:
        lines.append(f"  + lib{l}: {why}")
    if res.stubs:
        for n, kind in res.stubs.stubs:
            lines.append(f"  stub {n}: {'harmless (' + _why(n) + ')' if kind == 'harmless' else 'panics if called'}")
        lines.append(f"  stubs in {os.path.relpath(res.stubs.archive)}")
    for n in res.notes:
        lines.append(f"  note: {n}")
    lines.append("  no shared library or PIE: the kmod is not position-independent "
                 "(link the rump libraries statically, -no-pie, --whole-archive)")
    lines.append("link with: " + " ".join(f"-l{l}" for l, _a in res.link))
    if print_link:
        lines.append(shlex.join(link_line(session, res)))
    return "\n".join(lines)


def _why(name):
    from rumpbuild.stubs import harmless_table

    spec = harmless_table().get(name, {})
    return f"returns {spec['value']}" if spec.get("returns", "void") != "void" else "does nothing"


def run_convert(args) -> int:
    """`rumpbuild component NAME --kmod FILE …`."""
    from rumpbuild.arch import resolve
    from rumpbuild.session import BuildSession
    from rumpbuild.arch import host_arch

    if len(args.names) != 1:
        raise UserError("--kmod converts one module: name one component", ["rumpbuild component msdos --kmod msdos.kmod"])
    name = args.names[0]
    check_arch(resolve(args.arch or host_arch()), name)
    from rumpbuild.kmod.inspect import inspect_kmod

    check_kmod_file(args.kmod)
    info = inspect_kmod(args.kmod)  # fail on bad files before building anything
    check_kmod(info, resolve(args.arch or host_arch()), name)
    session = BuildSession.from_args(args)
    res = convert_kmod(session, name, args.kmod, getattr(args, "rump_libs", None))
    if args.json:
        json.dump(res.to_dict(session), sys.stdout, indent=1)
        print()
    else:
        print(render_report(session, res, getattr(args, "print_link", False)))
    return 0
