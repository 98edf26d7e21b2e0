"""Open ELF objects safely and list their symbols.

pyelftools decodes the ELF header (e_type, e_machine by name), with its
header structs made once per class and byte order: building a whole
``ELFFile`` per object cost a millisecond, which the build pays per object.  The
section header table and the symbol table are then read with ``struct``
straight from the file's bytes: a kernel object has thousands of symbols and
sections, and pyelftools' per-entry parsing would cost most of the rename
budget.  Every inconsistency (truncation, offsets past the end, a foreign or
non-ELF file) becomes an :class:`ELFFormatError` that names the file.
"""

from __future__ import annotations

import functools
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from elftools.common.exceptions import ELFError
from elftools.common.utils import struct_parse
from elftools.elf.structs import ELFStructs

from rumpbuild.errors import ELFFormatError, UserError, shown
from rumpbuild.fsutil import read_regular

SHN_UNDEF = 0
SHN_LORESERVE = 0xFF00
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2
SHN_XINDEX = 0xFFFF

SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_NOBITS = 8

STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE = 0, 1, 2, 10
STT_SECTION, STT_FILE = 3, 4

# (section header, symbol) struct layouts per ELF class, without byte order.
_SHDR = {32: "IIIIIIIIII", 64: "IIQQQQIIQQ"}
_SYM = {32: "IIIBBH", 64: "IBBHQQ"}


@dataclass(frozen=True)
class Section:
    index: int
    name: str
    type: int
    flags: int
    offset: int
    size: int
    link: int
    info: int
    entsize: int
    header_offset: int  # where this section's header is in the file


class Symbol(NamedTuple):
    # a tuple, not a frozen dataclass: objects have thousands of symbols and the
    # build reads every object once; tuple construction is several times cheaper
    index: int
    name: str
    name_offset: int  # st_name
    value: int
    size: int
    bind: int
    type: int
    other: int
    shndx: int
    entry_offset: int  # where this symbol's entry is in the file

    @property
    def nm_global(self) -> bool:
        """Whether `nm -g` lists it: global, weak or unique binding, or undefined or common."""
        if self.index == 0 or not self.name or self.type in (STT_SECTION, STT_FILE):
            return False
        return (self.bind in (STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE)
                or self.shndx in (SHN_UNDEF, SHN_COMMON))


_EI_CLASS = {1: 32, 2: 64}
_EHDR_SIZE = {32: 52, 64: 64}
_EHDR_MAX = 64
_EI_DATA = {1: True, 2: False}  # little endian?


@functools.lru_cache(maxsize=None)
def _ehdr_struct(little_endian: bool, elf_class: int):
    structs = ELFStructs(little_endian=little_endian, elfclass=elf_class)
    structs.create_basic_structs()
    return structs.Elf_Ehdr


def _bad(path: Path, what: str, hints: list[str] | None = None) -> ELFFormatError:
    return ELFFormatError(f"{path}: {what}", hints or [
        f"rebuild {path.name}; it may be truncated or damaged (compare `readelf -h -S {path}`)",
    ])


class ElfObject:
    """An ELF file read into memory, with its section and symbol tables."""

    def __init__(self, path: Path | str, data: bytes | None = None):
        self.path = Path(path)
        if data is None:
            try:  # refuses FIFOs, devices and folders; maps a huge file instead of reading it
                data = read_regular(self.path, ["check the path and its permissions; pass an ELF object file"])
            except UserError as exc:
                raise ELFFormatError(exc.message, exc.hints) from None
        self.data = data
        self._symbols: list[Symbol] | None = None
        if data[:4] != b"\x7fELF":
            raise _bad(self.path, "not an ELF file (no \\x7fELF magic at the start)", [
                "pass a compiled object (.o, .pico, .kobj), not a source, archive or text file",
                "archives (.a) must be unpacked first: `ar x lib.a`",
            ])
        try:
            if len(data) < 6:
                raise _bad(self.path, f"truncated: {len(data)} bytes, less than an ELF header")
            if data[4] not in _EI_CLASS or data[5] not in _EI_DATA:
                raise ELFError(f"invalid EI_CLASS/EI_DATA {bytes(data[4:6])!r}")
            self.elf_class = _EI_CLASS[data[4]]
            self.little_endian = _EI_DATA[data[5]]
            need = _EHDR_SIZE[self.elf_class]
            if len(data) < need:
                raise _bad(self.path, f"truncated: the ELF{self.elf_class} header needs {need} bytes, "
                           f"the file has {len(data)}")
            hdr = struct_parse(_ehdr_struct(self.little_endian, self.elf_class), io.BytesIO(data[:_EHDR_MAX]), 0)
            self.e_type = hdr["e_type"]
            self.e_machine = hdr["e_machine"]
            e_shoff, e_shnum, e_shentsize, e_shstrndx = (
                hdr["e_shoff"], hdr["e_shnum"], hdr["e_shentsize"], hdr["e_shstrndx"])
            self.program_headers = (hdr["e_phoff"], hdr["e_phnum"], hdr["e_phentsize"])  # checked by kmod inspect
        except (ELFError, struct.error, ValueError, EOFError, KeyError) as exc:
            raise _bad(self.path, f"unreadable ELF header ({exc})") from None
        except Exception as exc:  # construct's StreamError and friends on short files
            if type(exc).__module__.startswith(("construct", "elftools")):
                raise _bad(self.path, f"unreadable ELF header ({exc})") from None
            raise
        self.endian = "little" if self.little_endian else "big"
        self._bo = "<" if self.little_endian else ">"
        self.sections = self._read_sections(e_shoff, e_shnum, e_shentsize, e_shstrndx)

    # -- section headers ------------------------------------------------------

    def _read_sections(self, shoff: int, shnum: int, shentsize: int, shstrndx: int) -> tuple[Section, ...]:
        fmt = struct.Struct(self._bo + _SHDR[self.elf_class])
        if shoff == 0:
            return ()
        if shentsize != fmt.size:
            raise _bad(self.path, f"section header size {shentsize}, expected {fmt.size}")
        if shoff + fmt.size > len(self.data):
            raise _bad(self.path, f"truncated: section headers at offset {shoff} lie past the end "
                       f"of the file ({len(self.data)} bytes)")
        raw0 = fmt.unpack_from(self.data, shoff)
        if shnum == 0:  # extended numbering: the count is in section 0's sh_size
            shnum = raw0[5]
        if shstrndx == SHN_XINDEX:
            shstrndx = raw0[6]
        if shoff + shnum * fmt.size > len(self.data):
            raise _bad(self.path, f"truncated: {shnum} section headers at offset {shoff} need "
                       f"{shoff + shnum * fmt.size} bytes, the file has {len(self.data)}")
        raws = [fmt.unpack_from(self.data, shoff + i * fmt.size) for i in range(shnum)]
        for i, r in enumerate(raws):
            if r[1] != SHT_NOBITS and i and r[4] + r[5] > len(self.data):
                raise _bad(self.path, f"truncated: section {i} ends at {r[4] + r[5]}, "
                           f"past the end of the file ({len(self.data)} bytes)")
        if not 0 <= shstrndx < shnum:
            raise _bad(self.path, f"section name table index {shstrndx} out of range")
        names_off, names_size = raws[shstrndx][4], raws[shstrndx][5]
        out = []
        for i, r in enumerate(raws):
            name = self._cstr(names_off, names_size, r[0], "section name") if i else ""
            out.append(Section(i, name, r[1], r[2], r[4], r[5], r[6], r[7], r[9], shoff + i * fmt.size))
        return tuple(out)

    def _cstr(self, table_off: int, table_size: int, off: int, what: str) -> str:
        if off >= table_size:
            raise _bad(self.path, f"{what} offset {off} lies outside its string table ({table_size} bytes)")
        start = table_off + off
        end = self.data.find(b"\0", start, table_off + table_size)
        if end < 0:
            raise _bad(self.path, f"{what} at string table offset {off} is not NUL-terminated")
        return self.data[start:end].decode("utf-8", "surrogateescape")

    # -- symbols ----------------------------------------------------------------

    @property
    def symtab(self) -> Section | None:
        return next((s for s in self.sections if s.type == SHT_SYMTAB), None)

    def symbols(self) -> list[Symbol]:
        """Every ``.symtab`` entry in order (index 0 included); [] without a symbol table.

        Read once per object (renaming asks three times); treat the list as read-only.
        """
        if self._symbols is None:
            self._symbols = self._read_symbols()
        return self._symbols

    def _read_symbols(self) -> list[Symbol]:
        st = self.symtab
        if st is None:
            return []
        fmt = struct.Struct(self._bo + _SYM[self.elf_class])
        if st.entsize != fmt.size:
            raise _bad(self.path, f"symbol table entry size {st.entsize}, expected {fmt.size}")
        if not 0 < st.link < len(self.sections) or self.sections[st.link].type != SHT_STRTAB:
            raise _bad(self.path, f"symbol table links to section {st.link}, which is not a string table")
        strtab = self.sections[st.link]
        data, find = self.data, self.data.find
        s_off, s_size = strtab.offset, strtab.size
        s_end = s_off + s_size
        out = []
        is64 = self.elf_class == 64
        for i, raw in enumerate(fmt.iter_unpack(data[st.offset:st.offset + st.size - st.size % fmt.size])):
            if is64:
                st_name, info, other, shndx, value, size = raw
            else:
                st_name, value, size, info, other, shndx = raw
            if st_name >= s_size:
                raise _bad(self.path, f"symbol {i}: name offset {st_name} lies outside "
                           f"its string table ({s_size} bytes)")
            start = s_off + st_name
            end = find(b"\0", start, s_end)
            if end < 0:
                raise _bad(self.path, f"symbol {i}: name is not NUL-terminated")
            name = data[start:end].decode("utf-8", "surrogateescape")
            out.append(Symbol(i, name, st_name, value, size, info >> 4, info & 0xF, other, shndx,
                              st.offset + i * fmt.size))
        return out

    def global_symbols(self) -> list[Symbol]:
        """The symbols `nm -g` lists, in symbol table order."""
        return [s for s in self.symbols() if s.nm_global]

    # -- checks -------------------------------------------------------------------

    def require_relocatable(self) -> None:
        if self.e_type != "ET_REL":
            raise _bad(self.path, f"is {self.e_type}, not a relocatable object (ET_REL)", [
                "rename the objects (.o/.pico) before linking, as Makefile.rump does",
            ])

    def check_target(self, target) -> None:
        """Fail unless the object's machine, class and byte order are ``target``'s."""
        want = (target.elf_machine, target.elf_class, target.endian)
        have = (self.e_machine, self.elf_class, self.endian)
        if want != have:
            from rumpbuild.toolchain.data import fact

            zig = fact("zig", target, "target")
            raise _bad(self.path,
                       f"is a {have[2]}-endian ELF{have[1]} {have[0]} object, but arch "
                       f"{target.name} expects {want[2]}-endian ELF{want[1]} {want[0]}", [
                           "pass the --arch the object was compiled for (`rumpbuild arches` lists them)",
                           f"or recompile it for {target.name}"
                           + (f" (zig: -target {zig})" if zig else ""),
                       ])


def open_elf(path: Path | str, data: bytes | None = None) -> ElfObject:
    """Read (or take *data* already read from *path*) and check an ELF file; problems raise :class:`ELFFormatError`."""
    return ElfObject(path, data)


def list_symbols(path: Path | str) -> list[Symbol]:
    """Every ``.symtab`` entry of an ELF file, in order."""
    return open_elf(path).symbols()
