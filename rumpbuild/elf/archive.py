"""Write static libraries: System V/GNU `ar` archives with a symbol index.

What `ar crsD` writes (GNU binutils, deterministic): the `!<arch>` magic, the
symbol index `/` (big-endian count, member offsets, names), the long-name
table `//` when a member name has 16 characters or more, then each member
with mtime, uid and gid 0 and mode 644.  The index lists each member's
defined global, weak and common symbols in symbol-table order, as BFD's
armap does.  Tests compare the bytes with binutils' `ar crsD` for every arch.

Why our own writer: no maintained Python library writes the symbol index a
linker needs (unix_ar and arpy handle member data only), and running `ar`
twice per library cost the build about a second of CPU for the 2016 tree's
fs components (54 runs), where this costs the reading of each object.  It
also needs no per-arch binutils, like the renamer.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from rumpbuild.elf.reader import SHN_COMMON, SHN_UNDEF, STB_GLOBAL, STB_GNU_UNIQUE, STB_WEAK, open_elf
from rumpbuild.fsutil import write_atomic

MAGIC = b"!<arch>\n"
_INDEXED_BINDINGS = (STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE)
# path -> (size, mtime_ns, index names): the renamer already read each object it wrote,
# so the build does not parse every object a second time to archive it
_known_index: dict[str, tuple[int, int, list[str]]] = {}


def is_indexed(sym) -> bool:
    """Whether `ar s` lists *sym*: a defined global, weak or unique symbol, or a common one."""
    return bool(sym.index and sym.name and (sym.bind in _INDEXED_BINDINGS and sym.shndx != SHN_UNDEF
                                            or sym.shndx == SHN_COMMON))


def remember_index(path: str | Path, names: list[str]) -> None:
    """Record the index names of the object just written at *path* (see _known_index)."""
    st = os.stat(path)
    _known_index[os.fspath(path)] = (st.st_size, st.st_mtime_ns, names)


def _header(name: str, size: int, mode: str = "644") -> bytes:
    h = f"{name:<16}{'0':<12}{'0':<6}{'0':<6}{mode:<8}{size:<10}`\n".encode()
    assert len(h) == 60, name
    return h


def indexed_symbols(path: str | Path, data: bytes | None = None) -> list[str]:
    """The names `ar s` puts in the index for one object: defined globals (and commons), in order."""
    known = _known_index.get(os.fspath(path))
    if known is not None:
        st = os.stat(path)
        if (st.st_size, st.st_mtime_ns) == known[:2]:
            return known[2]
    obj = open_elf(path) if data is None else open_elf(path, data)
    return [s.name for s in obj.symbols() if is_indexed(s)]


def archive_bytes(members: list[str | Path]) -> bytes:
    """The archive of *members* (paths), in the given order."""
    datas = []
    for m in members:
        with open(m, "rb") as f:
            datas.append(f.read())
    names = [os.path.basename(str(m)) for m in members]
    longnames = b""
    member_names = []
    for n in names:
        if len(n) >= 16:  # "name/" would not fit the 16-byte field
            member_names.append(f"/{len(longnames)}")
            longnames += n.encode() + b"/\n"
        else:
            member_names.append(n + "/")
    symbols = [indexed_symbols(m, d) for m, d in zip(members, datas)]
    nsyms = sum(len(s) for s in symbols)
    strtab = b"".join(n.encode("utf-8", "surrogateescape") + b"\0" for syms in symbols for n in syms)
    index_size = 4 + 4 * nsyms + len(strtab)
    # GNU ar pads the index with NULs to an even size (inside the member), other members with "\n"
    index_pad = index_size % 2
    offset = len(MAGIC) + (60 + index_size + index_pad if nsyms else 0)
    if longnames:
        offset += 60 + len(longnames) + len(longnames) % 2
    offsets = []
    for d in datas:
        offsets.append(offset)
        offset += 60 + len(d) + len(d) % 2
    out = bytearray(MAGIC)
    if nsyms:
        out += _header("/", index_size + index_pad, mode="0")
        out += struct.pack(">I", nsyms)
        out += b"".join(struct.pack(">I", off) for off, syms in zip(offsets, symbols) for _ in syms)
        out += strtab + b"\0" * index_pad
    if longnames:
        longnames += b"\n" * (len(longnames) % 2)  # padded inside the member, like the index
        out += f"{'//':<48}{len(longnames):<10}`\n".encode()  # the name table has no mtime/owner/mode
        out += longnames
    for n, d in zip(member_names, datas):
        out += _header(n, len(d)) + d + (b"\n" if len(d) % 2 else b"")
    return bytes(out)


def write_archive(archive: str | Path, members: list[str | Path]) -> str:
    """Write *archive* from *members* through a temporary name (no half-written archive)."""
    write_atomic(str(archive), archive_bytes(members))
    return str(archive)
