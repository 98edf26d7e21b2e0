"""Read a kernel module: machine, modinfo, symbols, relocations, memory model, SSP.

The modinfo is found the way the kernel's loader finds it: the
``link_set_modules`` section holds one pointer; its relocation names the
(local) ``<name>_modinfo`` symbol, whose section's relocations in turn point
``mi_name`` and ``mi_required`` at strings.  REL and RELA, pointer size and
the absolute-pointer relocation type come from ``relocs.toml`` per machine,
so no code branches on a CPU name.
"""

from __future__ import annotations

import functools
import struct
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rumpbuild.elf.reader import (SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS, STB_LOCAL, ElfObject,
                                  open_elf)
from rumpbuild.errors import ELFFormatError, printable
from rumpbuild.kmod.ehframe import fde_problems

RELOCS_FILE = Path(__file__).resolve().parent / "relocs.toml"
# sys/sys/module.h modclass_t, in order
MODULE_CLASSES = ["MODULE_CLASS_ANY", "MODULE_CLASS_MISC", "MODULE_CLASS_VFS", "MODULE_CLASS_DRIVER",
                  "MODULE_CLASS_EXEC", "MODULE_CLASS_SECMODEL", "MODULE_CLASS_BUFQ"]
SSP_SYMBOLS = ("__stack_chk_fail", "__stack_chk_guard", "__stack_chk_fail_local")


@functools.lru_cache(maxsize=1)
def reloc_table() -> dict:
    with open(RELOCS_FILE, "rb") as f:
        data = tomllib.load(f)
    for m, v in data.items():
        v["types"] = {int(k): n for k, n in v.get("types", {}).items()}
    return data


@dataclass
class ModInfo:
    name: str | None
    module_class: str | None
    required: list[str]
    version: int | None
    symbol: str | None  # the modinfo symbol, e.g. msdos_modinfo


@dataclass
class KmodInfo:
    path: str
    elf_class: int
    machine: str
    cpu: str | None
    endian: str
    e_type: str
    modinfo: ModInfo | None
    modinfo_error: str | None
    defined: list[str]
    undefined: list[str]
    relocations: dict[str, int]  # type name -> count, relocations of loaded (SHF_ALLOC) sections
    memory_model: str
    ssp: list[str]
    x86: bool
    sections: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # damage ld would trip over (see _Relocs)
    problem_count: int = 0  # all of them; problems lists the first MAX_PROBLEMS

    def to_dict(self) -> dict:
        return asdict(self)


def _bad(path, what, hints=None) -> ELFFormatError:
    return ELFFormatError(f"{printable(path)}: {what}", hints or [
        "pass a NetBSD kernel module (.kmod, an ELF relocatable object); `rumpbuild kmod build NAME` makes one"])


def _cstring(data: bytes, off: int) -> str | None:
    if not 0 <= off < len(data):
        return None
    end = data.find(b"\0", off)
    return data[off:end if end >= 0 else None].decode("utf-8", "replace")


SHT_PROGBITS, SHT_RELA, SHT_REL, SHT_SYMTAB_SHNDX = 1, 4, 9, 18
SHF_ALLOC, SHF_COMPRESSED, SHF_EXCLUDE = 0x2, 0x800, 0x80000000


def _known_section_type(t: int) -> bool:
    """The generic types (0-19 but 12 and 13), or the OS and processor ranges (GNU, LLVM, x86 unwind)."""
    return (0 <= t <= 19 and t not in (12, 13)) or 0x60000000 <= t < 0x80000000


def _compressed_ok(obj: ElfObject, sec) -> bool:
    """A SHF_COMPRESSED section: non-loaded PROGBITS opening with an Elf_Chdr of type zlib (1) or zstd (2)."""
    chdr = 24 if obj.elf_class == 64 else 12
    if sec.type != SHT_PROGBITS or sec.flags & SHF_ALLOC or sec.size < chdr:
        return False
    return int.from_bytes(obj.data[sec.offset:sec.offset + 4], obj.endian) in (1, 2)


def _content_size(obj: ElfObject, sec) -> int:
    """Bytes a relocation may patch: a compressed section's uncompressed size (gcc -gz debug sections)."""
    if sec.flags & SHF_COMPRESSED and _compressed_ok(obj, sec):
        at, width = (8, 8) if obj.elf_class == 64 else (4, 4)  # Elf_Chdr: ch_type, [ch_reserved,] ch_size
        return int.from_bytes(obj.data[sec.offset + at:sec.offset + at + width], obj.endian)
    return sec.size


# (r_offset, r_info[, r_addend]) per ELF class and REL/RELA, without byte order
_REL_FMT = {(64, True): "QQq", (64, False): "QQ", (32, True): "IIi", (32, False): "II"}
MAX_PROBLEMS = 8  # listed in a message; the count says how many more


class _Relocs:
    """Relocations per target section, decoded with the machine's table and checked against it.

    Read with ``struct`` from the file's bytes (as the symbol table is).
    Whatever ld would stumble over — a section linking to a section the file
    does not have, a relocation section that does not link to the symbol
    table or applies to no section, a symbol index past the table, a symbol
    in a section that does not exist, an offset past its section, a type the
    machine does not have (when relocs.toml lists them all) — goes to
    ``problems``; conversion refuses a kmod with any.
    """

    def __init__(self, obj: ElfObject, arch: dict):
        self.obj, self.arch = obj, arch
        self.by_section: dict[int, list[tuple[int, int, int, int | None]]] = {}  # idx -> (offset, type, symidx, addend)
        self.histogram: Counter = Counter()
        self.types = arch["types"] if arch else {}
        self.problems: list[str] = []
        self.problem_count = 0
        self._check_tables()
        self._read_relocations()
        self._check_unwind_tables()

    def _check_tables(self) -> None:
        """The ELF header, section headers and symbols, as far as ld refuses a file over them."""
        obj = self.obj
        nsyms = len(obj.symbols())
        symtab = obj.symtab
        secs = obj.sections
        phoff, phnum, _phentsize = obj.program_headers
        if phnum and (phoff == 0 or phoff >= len(obj.data)):  # BFD: "not an object"
            self._problem(f"the ELF header lists {phnum} program headers at offset {phoff}, outside the file")
        for sec in secs:  # ld refuses the whole file ("not an object") for one wild link
            if sec.link >= len(secs):
                self._problem(f"section {sec.index} ({printable(sec.name)}): links to section {sec.link}, "
                              f"the file has {len(secs)} sections")
            if not _known_section_type(sec.type):  # ld: "Relocations in generic ELF"
                self._problem(f"section {sec.index} ({printable(sec.name)}): type {sec.type:#x} is no ELF section type")
            if sec.flags & SHF_COMPRESSED and not _compressed_ok(obj, sec):  # ld: "not an object"
                self._problem(f"section {sec.index} ({printable(sec.name)}): flagged compressed, but holds no "
                              "compressed contents")
            if sec.flags & SHF_ALLOC and sec.flags & SHF_EXCLUDE:  # ld: "defined in discarded section"
                self._problem(f"section {sec.index} ({printable(sec.name)}): loaded, yet flagged for ld to discard")
        has_xindex = any(s.type == SHT_SYMTAB_SHNDX for s in secs)
        if symtab is not None and symtab.info > nsyms:  # sh_info: index of the first non-local symbol
            self._problem(f"the symbol table says its globals start at {symtab.info}; it has {nsyms} symbols")
        for sym in obj.symbols():  # a symbol defined in a section the file does not have
            if symtab is not None and sym.bind == STB_LOCAL and sym.index >= symtab.info > 0:  # ld: "bad value"
                self._problem(f"symbol {sym.index} ({printable(sym.name) or 'no name'}) is local, but the symbol "
                              f"table says its globals start at {symtab.info}")
            if sym.index and sym.bind != STB_LOCAL and not sym.name:  # ld: "undefined reference to `no symbol'"
                self._problem(f"symbol {sym.index}: a global without a name")
            if len(secs) <= sym.shndx < SHN_LORESERVE:
                self._problem(f"symbol {sym.index} ({printable(sym.name) or 'no name'}): section index "
                              f"{sym.shndx}, the file has {len(secs)} sections")
            elif sym.shndx == SHN_XINDEX and not has_xindex:
                self._problem(f"symbol {sym.index} ({printable(sym.name) or 'no name'}): its section index is in "
                              "an extended table (SHN_XINDEX) the file does not have")

    def _read_relocations(self) -> None:
        obj, arch, secs, symtab = self.obj, self.arch, self.obj.sections, self.obj.symtab
        nsyms = len(obj.symbols())
        not_kernel = set(arch.get("not_kernel", ())) if arch else set()
        for sec in secs:
            if sec.type not in (SHT_REL, SHT_RELA):
                continue
            rela = sec.type == SHT_RELA
            fmt = struct.Struct(obj._bo + _REL_FMT[(obj.elf_class, rela)])
            where = f"section {sec.index} ({printable(sec.name)})"
            if sec.entsize != fmt.size or sec.size % fmt.size:
                self._problem(f"{where}: entry size {sec.entsize} and size {sec.size}; "
                              f"{'RELA' if rela else 'REL'} entries of ELF{obj.elf_class} are {fmt.size} bytes")
                continue
            if symtab is None or sec.link != symtab.index:
                self._problem(f"{where}: links to section {sec.link}, not to the symbol table")
                continue
            target = sec.info
            if not 0 < target < len(secs) or secs[target].type in (SHT_REL, SHT_RELA):
                self._problem(f"{where}: applies to section {target}, which is not a section it can relocate")
                continue
            tsize = _content_size(obj, secs[target])
            # debug-info relocations (zig always emits -g) say nothing about the code: not counted
            alloc = bool(secs[target].flags & SHF_ALLOC)
            shift, mask = (32, 0xFFFFFFFF) if obj.elf_class == 64 else (8, 0xFF)
            rows = []
            for i, raw in enumerate(fmt.iter_unpack(obj.data[sec.offset:sec.offset + sec.size])):
                offset, info = raw[0], raw[1]
                t, sym = info & mask, info >> shift
                if sym >= nsyms:
                    self._problem(f"{where}, relocation {i}: symbol index {sym}, the symbol table has {nsyms}")
                    continue
                if arch and arch.get("complete") and t not in self.types:
                    self._problem(f"{where}, relocation {i}: type {t} is not a relocation type of {arch['cpu']}")
                    continue
                if self.types.get(t) in not_kernel:
                    self._problem(f"{where}, relocation {i}: {self.types[t]} is for thread-local storage, "
                                  "which kernel code does not have")
                    continue
                if offset >= tsize:
                    self._problem(f"{where}, relocation {i}: offset {offset:#x} lies past the end of "
                                  f"section {target} ({tsize} bytes)")
                    continue
                rows.append((offset, t, sym, raw[2] if rela else None))
                if alloc:
                    self.histogram[self.types.get(t, str(t))] += 1
            self.by_section.setdefault(target, []).extend(rows)

    def _check_unwind_tables(self) -> None:
        """FDEs ld's .eh_frame_hdr would refuse (rumpbuild/kmod/ehframe.py)."""
        psize = self.arch["pointer"] if self.arch else self.obj.elf_class // 8
        for sec in self.obj.sections:
            if sec.name == ".eh_frame" and sec.type != SHT_NOBITS:
                for text in fde_problems(self.obj, sec, self, psize):
                    self._problem(text)

    def _problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    def at(self, section: int, offset: int):
        for row in self.by_section.get(section, ()):
            if row[0] == offset:
                return row
        return None


class ModinfoError(ValueError):
    """The modinfo cannot be followed; the message says where it stops."""


def _pointer_target(obj: ElfObject, syms, relocs: _Relocs, section: int, offset: int):
    """(section index, offset, symbol) a relocated pointer at section+offset points to; None for a null pointer."""
    arch = relocs.arch
    row = relocs.at(section, offset)
    if row is None:
        return None
    _off, rtype, symidx, addend = row
    if rtype not in arch["absolute"]:
        raise ModinfoError(f"pointer relocation of type {relocs.types.get(rtype, rtype)}, expected an absolute one")
    if addend is None:  # REL: the addend is the word in place
        sec = obj.sections[section]
        size = arch["pointer"]
        if sec.type == SHT_NOBITS or offset + size > sec.size:
            raise ModinfoError(f"pointer at offset {offset:#x} lies outside section {printable(sec.name)}")
        addend = int.from_bytes(obj.data[sec.offset + offset:sec.offset + offset + size], obj.endian)
    sym = syms[symidx]  # _Relocs dropped rows with indexes past the table
    if sym.shndx == SHN_UNDEF or sym.shndx >= len(obj.sections):
        raise ModinfoError(f"pointer to symbol {printable(sym.name) or symidx} outside the module")
    return sym.shndx, sym.value + addend, sym


def _section_bytes(obj: ElfObject, index: int, offset: int, size: int, what: str) -> bytes:
    """*size* bytes at *offset* in section *index*, or ModinfoError saying they are not there."""
    sec = obj.sections[index]
    if sec.type == SHT_NOBITS:
        raise ModinfoError(f"{what} lies in section {printable(sec.name)}, which has no contents in the file")
    if not 0 <= offset <= sec.size - size:
        raise ModinfoError(f"{what} at offset {offset:#x} lies outside section {printable(sec.name)} "
                           f"({sec.size} bytes)")
    return obj.data[sec.offset + offset:sec.offset + offset + size]


def read_modinfo(obj: ElfObject, relocs: _Relocs) -> ModInfo:
    """Follow link_set_modules → <name>_modinfo → mi_name / mi_required."""
    arch = relocs.arch
    if not arch:
        raise ModinfoError(f"rumpbuild has no relocation table for {obj.e_machine} (see {RELOCS_FILE.name})")
    ls = next((s for s in obj.sections if s.name == "link_set_modules"), None)
    if ls is None:
        raise ModinfoError("no link_set_modules section: not a kernel module (no MODULE() declaration)")
    psize = arch["pointer"]
    if ls.size != psize:
        raise ModinfoError(f"link_set_modules holds {ls.size} bytes; the loader wants exactly one "
                           f"{psize}-byte pointer")
    syms = obj.symbols()
    t = _pointer_target(obj, syms, relocs, ls.index, 0)
    if t is None:
        raise ModinfoError("link_set_modules has no relocation")
    msec, moff, msym = t
    # modinfo_t: u_int mi_version, modclass_t mi_class, then the pointers mi_modcmd, mi_name, mi_required
    head = _section_bytes(obj, msec, moff, 8 + 3 * psize, "the modinfo")
    version = int.from_bytes(head[0:4], obj.endian)
    mclass = int.from_bytes(head[4:8], obj.endian)
    fields = {"name": moff + 8 + psize, "required": moff + 8 + 2 * psize}
    strings = {}
    for key, off in fields.items():
        ptr = _pointer_target(obj, syms, relocs, msec, off)
        if ptr is None:
            strings[key] = None
            continue
        ssec, soff, _s = ptr
        s = obj.sections[ssec]
        strings[key] = None if s.type == SHT_NOBITS else _cstring(obj.data[s.offset:s.offset + s.size], soff)
    symname = msym.name if msym.type != 3 else None  # STT_SECTION has no useful name
    if symname is None:
        symname = next((s.name for s in syms if s.shndx == msec and s.value == moff and s.name), None)
    req = [r.strip() for r in (strings["required"] or "").split(",") if r.strip()]
    cls = MODULE_CLASSES[mclass] if mclass < len(MODULE_CLASSES) else str(mclass)
    return ModInfo(strings["name"], cls, req, version, symname)


def inspect_kmod(path) -> KmodInfo:
    """Everything `rumpbuild kmod inspect` prints; ELFFormatError for unusable files."""
    path = Path(path)
    obj = open_elf(path)  # magic, header, section table, bounds
    if obj.e_type != "ET_REL":
        raise _bad(path, f"is {obj.e_type}, not a relocatable object (ET_REL); kernel modules are "
                   "`cc -r` outputs")
    syms = obj.symbols()  # validates the symbol table
    arch = reloc_table().get(obj.e_machine)
    if arch is None:
        known = ", ".join(f"{v['cpu']} ({k})" for k, v in reloc_table().items())
        raise _bad(path, f"is an ELF{obj.elf_class} {obj.e_machine} object; rumpbuild reads kernel modules for "
                   f"{known} only", [f"add the machine's relocation facts to {RELOCS_FILE}",
                                     "x86 (amd64, i386) kmods are the ones a rump kernel can reuse"])
    relocs = _Relocs(obj, arch)
    modinfo, err = None, None
    try:
        modinfo = read_modinfo(obj, relocs)
    except ModinfoError as exc:
        err = str(exc)
    defined = sorted({s.name for s in syms if s.nm_global and s.shndx != SHN_UNDEF})
    undefined = sorted({s.name for s in syms if s.nm_global and s.shndx == SHN_UNDEF})
    hist = dict(sorted(relocs.histogram.items(), key=lambda kv: (-kv[1], kv[0])))
    model = _memory_model(obj, arch, relocs)
    return KmodInfo(str(path), obj.elf_class, obj.e_machine, arch["cpu"] if arch else None, obj.endian, obj.e_type,
                    modinfo, err, defined, undefined, hist, model,
                    [s for s in SSP_SYMBOLS if s in undefined or s in defined], bool(arch and arch["x86"]),
                    [s.name for s in obj.sections if s.name], relocs.problems, relocs.problem_count)


def _memory_model(obj, arch, relocs: _Relocs) -> str:
    if not arch:
        return "unknown"
    kernel = [t for t in arch["kernel_model"] if relocs.histogram.get(t)]
    if kernel:
        return f"kernel (-mcmodel=kernel: {', '.join(kernel)}): static, non-PIE link only"
    execsecs = {s.index for s in obj.sections if s.flags & 0x4}
    names = {n: t for t, n in arch["types"].items()}
    textabs = {names[n] for n in arch["text_abs"] if n in names}
    if any(r[1] in textabs for i in execsecs for r in relocs.by_section.get(i, ())):
        return "non-PIC (absolute relocations in code): a shared object would need text relocations"
    return "PIC-compatible"


def render_text(info: KmodInfo) -> str:
    m = info.modinfo
    lines = [f"{info.path}: ELF{info.elf_class} {info.endian}-endian {info.machine} ({info.cpu or 'unknown CPU'}), "
             f"{info.e_type}"]
    if m:
        lines.append(f"modinfo:    {m.symbol or '?'}: name {m.name!r}, class {m.module_class}, "
                     f"required {','.join(m.required) or '(none)'}, version {m.version}")
    else:
        lines.append(f"modinfo:    unreadable: {info.modinfo_error}")
    lines.append(f"symbols:    {len(info.defined)} defined, {len(info.undefined)} undefined")
    lines.append(f"  defined:   {' '.join(info.defined[:12])}{' …' if len(info.defined) > 12 else ''}")
    lines.append(f"  undefined: {' '.join(info.undefined[:12])}{' …' if len(info.undefined) > 12 else ''}")
    lines.append("relocations: " + ", ".join(f"{k} {v}" for k, v in info.relocations.items()))
    lines.append(f"memory model: {info.memory_model}")
    lines.append("SSP:        " + (", ".join(info.ssp) if info.ssp else "not used (no __stack_chk_* symbols)"))
    if info.problem_count:
        lines.append(f"damaged:    {info.problem_count} problem(s) in its section, symbol or relocation tables; "
                     "ld would reject it or link it wrong")
        lines += [f"  {p}" for p in info.problems]
    return printable("\n".join(lines), keep="\n")  # symbol names may hold undecodable bytes
