"""Rename an object's global symbols into the rump kernel namespace.

The rule is Makefile.rump's ``__archivebuild`` step: every symbol that
``nm -go`` lists and whose name does not match
``^${_PQ}(rump|RUMP|__|_GLOBAL_OFFSET_TABLE${_SYMQUIRK}|${RUMP_SYM_NORENAME})``
becomes ``${_PQ-prefix}rumpns_<rest>``; then ``objcopy --redefine-syms``
applies the table to every symbol of that name.

The writer is our own, not LIEF or objcopy (see WHY-OWN-WRITER.md): it copies
``.strtab``, appends the new names, puts the result at the end of the file,
patches that section header and the ``st_name`` of each renamed ``.symtab``
entry.  Every other byte stays where it was.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import tempfile
from pathlib import Path

from rumpbuild.elf.archive import is_indexed, remember_index
from rumpbuild.elf.reader import ElfObject, open_elf
from rumpbuild.errors import UserError

# The exempt prefixes of Makefile.rump: "rump" also covers rumpns_, rumpuser_, ...
EXEMPT = ("rump", "RUMP", "__", "_GLOBAL_OFFSET_TABLE")
NAMESPACE = "rumpns_"


def exempt_regex(target, norename_regex: str | None = None) -> re.Pattern:
    """Makefile.rump's awk pattern for ``target`` (its _PQ and _SYMQUIRK)."""
    alternatives = "|".join(EXEMPT)
    if target.symquirk:
        alternatives += "|" + target.symquirk
    if norename_regex:
        alternatives += "|" + norename_regex
    try:
        return re.compile(f"^{target.pq}({alternatives})")
    except re.error as exc:
        raise UserError(f"bad RUMP_SYM_NORENAME regex {norename_regex!r}: {exc}", [
            "RUMP_SYM_NORENAME is an extended regular expression, e.g. '^(foo|bar_)'",
        ]) from None


def new_name(name: str, target) -> str:
    """``name`` with ``rumpns_`` inserted after the _PQ prefix (awk's ``sub(/^_PQ/, "&rumpns_")``)."""
    m = re.match(target.pq, name) if target.pq else None
    cut = m.end() if m else 0
    return name[:cut] + NAMESPACE + name[cut:]


def table_for_names(names, target, norename_regex: str | None = None) -> dict[str, str]:
    """The rename table for the names `nm -go` would print (any order, repeats allowed)."""
    exempt = exempt_regex(target, norename_regex)
    return {n: new_name(n, target) for n in sorted(set(names)) if not exempt.match(n)}


def rename_table(path: Path | str, target, norename_regex: str | None = None) -> dict[str, str]:
    """``{old: new}`` for one relocatable object compiled for ``target``.

    Raises ELFFormatError if ``path`` is not a readable relocatable ELF object
    for ``target``'s machine, class and byte order.
    """
    return _object_table(path, target, norename_regex)[1]


def _object_table(path, target, norename_regex):
    """(the object, checked for *target*, and its rename table)."""
    obj = open_elf(path)
    obj.require_relocatable()
    obj.check_target(target)
    return obj, table_for_names((s.name for s in obj.global_symbols()), target, norename_regex)


def rename_object(path: Path | str, target, norename_regex: str | None = None) -> int:
    """Rename one freshly compiled object in place (rename_table + rename_symbols, read once).

    The build calls this for every object, so it parses the file once and
    patches it where it lies (the symbol table, the new string table at the
    end, one section header) instead of writing a copy: the file is the
    build's own, just written by the compiler, and an interrupted build
    recompiles it (SCons records an object only after its action succeeded).
    Returns the number of symbol entries renamed.
    """
    path = Path(path)
    obj, table = _object_table(path, target, norename_regex)
    edit = _rename_edit(obj, table)
    if edit is not None:
        with open(path, "r+b") as f:
            for offset, data in edit.writes(len(obj.data)):
                f.seek(offset)
                f.write(data)
    remember_index(path, [table.get(s.name, s.name) for s in obj.symbols() if is_indexed(s)])
    return edit.count if edit else 0


def rename_symbols(src: Path | str, dst: Path | str, table: dict[str, str]) -> int:
    """Write ``src`` with every symbol named in ``table`` renamed to ``dst``.

    Like ``objcopy --redefine-syms`` it renames every ``.symtab`` entry with
    that name, local ones included.  ``dst`` is written to a temporary file
    and moved into place, so ``src == dst`` renames in place; mode and times
    are kept (objcopy ``--preserve-dates``).  An in-place call that renames
    nothing leaves the file untouched.  Returns the number of entries renamed.
    """
    src, dst = Path(src), Path(dst)
    obj = open_elf(src)
    obj.require_relocatable()
    edit = _rename_edit(obj, table)
    if edit is None and _same_file(src, dst):
        return 0
    _write_atomically(src, dst, edit.image(obj.data) if edit else obj.data)
    return edit.count if edit else 0


class _RenameEdit:
    """The bytes a rename changes: the symbol table, a new string table at the end, one section header."""

    def __init__(self, obj: ElfObject, symtab_bytes: bytearray, tail: bytearray, count: int):
        self.symtab = obj.symtab
        self.symtab_bytes = symtab_bytes
        self.tail = tail
        self.count = count
        self.strtab = obj.sections[self.symtab.link]
        self.elf_class = obj.elf_class
        self.bo = obj._bo

    def writes(self, size: int) -> list[tuple[int, bytes]]:
        """(offset, bytes) to write over a file of ``size`` bytes."""
        # the new .strtab goes at the end of the file, 8-aligned like a fresh section would be
        pad = -size % 8
        new_offset = size + pad
        if self.elf_class == 64:
            header = struct.pack(self.bo + "QQ", new_offset, len(self.tail))
            header_at = self.strtab.header_offset + 24
        else:
            header = struct.pack(self.bo + "II", new_offset, len(self.tail))
            header_at = self.strtab.header_offset + 16
        return [(self.symtab.offset, bytes(self.symtab_bytes)),
                (size, b"\0" * pad + bytes(self.tail)),
                (header_at, header)]

    def image(self, data: bytes) -> bytes:
        out = bytearray(data)
        for offset, chunk in self.writes(len(data)):
            out[offset:offset + len(chunk)] = chunk
        return bytes(out)


def _rename_edit(obj: ElfObject, table: dict[str, str]) -> _RenameEdit | None:
    """What renaming ``table``'s symbols changes in ``obj``; None when nothing."""
    st = obj.symtab
    if st is None or not table:
        return None
    syms = obj.symbols()
    strtab = obj.sections[st.link]
    tail = bytearray(obj.data[strtab.offset:strtab.offset + strtab.size])  # keep every old string:
    placed: dict[str, int] = {}                                             # section names may share it
    symtab_bytes = bytearray(obj.data[st.offset:st.offset + st.size])
    name_field = struct.Struct(obj._bo + "I")  # st_name is the first field in both classes
    count = 0
    for s in syms:
        new = table.get(s.name)
        if new is None or s.index == 0 or new == s.name:
            continue
        off = placed.get(new)
        if off is None:
            off = placed[new] = len(tail)
            tail += new.encode("utf-8", "surrogateescape") + b"\0"
        name_field.pack_into(symtab_bytes, s.entry_offset - st.offset, off)
        count += 1
    return _RenameEdit(obj, symtab_bytes, tail, count) if count else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _write_atomically(src: Path, dst: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        shutil.copystat(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
