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
    obj = open_elf(path)
    obj.require_relocatable()
    obj.check_target(target)
    return table_for_names((s.name for s in obj.global_symbols()), target, norename_regex)


def rename_object(path: Path | str, target, norename_regex: str | None = None) -> int:
    """Rename one freshly compiled object in place (rename_table + rename_symbols, read once).

    The build calls this for every object, so it parses the file only once.
    Returns the number of symbol entries renamed.
    """
    path = Path(path)
    obj = open_elf(path)
    obj.require_relocatable()
    obj.check_target(target)
    table = table_for_names((s.name for s in obj.global_symbols()), target, norename_regex)
    data, count = _renamed_image(obj, table)
    if count:
        _write_atomically(path, path, data)
    remember_index(path, [table.get(s.name, s.name) for s in obj.symbols() if is_indexed(s)])
    return count


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
    data, count = _renamed_image(obj, table)
    if count == 0 and _same_file(src, dst):
        return 0
    _write_atomically(src, dst, data)
    return count


def _renamed_image(obj: ElfObject, table: dict[str, str]) -> tuple[bytes, int]:
    st = obj.symtab
    if st is None or not table:
        return obj.data, 0
    syms = obj.symbols()
    strtab = obj.sections[st.link]
    old = obj.data[strtab.offset:strtab.offset + strtab.size]
    tail = bytearray(old)  # keep every old string: section names may share this table
    placed: dict[str, int] = {}
    patches: list[tuple[int, int]] = []
    for s in syms:
        new = table.get(s.name)
        if new is None or s.index == 0 or new == s.name:
            continue
        off = placed.get(new)
        if off is None:
            off = placed[new] = len(tail)
            tail += new.encode("utf-8", "surrogateescape") + b"\0"
        patches.append((s.entry_offset, off))
    if not patches:
        return obj.data, 0

    image = bytearray(obj.data)
    bo = obj._bo
    name_field = struct.Struct(bo + "I")  # st_name is the first field in both classes
    for entry_offset, off in patches:
        name_field.pack_into(image, entry_offset, off)
    # new .strtab at the end of the file, 8-aligned like a fresh section would be
    image += b"\0" * (-len(image) % 8)
    new_offset = len(image)
    image += tail
    if obj.elf_class == 64:
        struct.pack_into(bo + "QQ", image, strtab.header_offset + 24, new_offset, len(tail))
    else:
        struct.pack_into(bo + "II", image, strtab.header_offset + 16, new_offset, len(tail))
    return bytes(image), len(patches)


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
