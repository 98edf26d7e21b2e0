"""The ranges a kmod's ``.eh_frame`` FDEs cover, checked as ld's ``--eh-frame-hdr`` will check them.

A program linking a converted kmod gets an ``.eh_frame_hdr`` search table;
ld refuses the link ("refers to overlapping FDEs") when two FDEs cover the
same bytes.  A damaged FDE (a start relocated onto another function, a range
past its function) converts fine and fails only in the user's link, so the
inspection reports it instead (issue 16's fuzzing found one).

Only what the overlap check needs is decoded: records, the CIE's FDE pointer
encoding (augmentation ``R``), each FDE's start (its relocation: symbol +
addend) and range.  The format is the LSB's (``.eh_frame``), as ld reads it.
"""

from __future__ import annotations

from rumpbuild.errors import printable

# DW_EH_PE_* value formats (low nibble) -> bytes; 0 (absptr) is the pointer size
_VALUE_SIZE = {0x02: 2, 0x03: 4, 0x04: 8, 0x0A: 2, 0x0B: 4, 0x0C: 8}
_SIGNED = {0x0A, 0x0B, 0x0C}
DW_EH_PE_omit = 0xFF


def _uleb(data: bytes, off: int) -> tuple[int, int]:
    value = shift = 0
    while off < len(data):
        b = data[off]
        off += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, off
    raise ValueError("a LEB128 number runs past the section")


def _fde_encoding(data: bytes, cie: int, end: int, id_size: int, psize: int) -> int | None:
    """The FDE pointer encoding a CIE declares (None: one this check does not follow)."""
    p = cie + id_size
    version = data[p]
    nul = data.find(b"\0", p + 1, end)
    if nul < 0:
        raise ValueError("a CIE's augmentation string runs past its record")
    aug = data[p + 1:nul].decode("latin-1")
    if not aug.startswith("z"):
        return 0 if aug == "" else None  # no augmentation data: absolute pointers
    p = nul + 1
    _, p = _uleb(data, p)  # code alignment
    _, p = _uleb(data, p)  # data alignment (sleb: only skipped)
    if version == 1:
        p += 1
    else:
        _, p = _uleb(data, p)  # return address column
    _, p = _uleb(data, p)  # augmentation data length
    for ch in aug[1:]:
        if ch == "R":
            return data[p]
        if ch == "L":
            p += 1
        elif ch == "P":
            enc = data[p]
            p += 1 + (_VALUE_SIZE.get(enc & 0x0F) or psize)
        elif ch not in "SB":
            return None
    return 0


def fde_problems(obj, sec, relocs, psize: int) -> list[str]:
    """What in *sec* (an .eh_frame) makes ld refuse a link: unreadable records, overlapping FDEs."""
    data = obj.data[sec.offset:sec.offset + sec.size]
    where = f"section {sec.index} ({printable(sec.name)})"
    syms = obj.symbols()
    spans: list[tuple[int, int, int, int]] = []  # (section, start, end, FDE offset)
    encodings: dict[int, int | None] = {}
    off = 0
    try:
        while off + 4 <= len(data):
            length = int.from_bytes(data[off:off + 4], obj.endian)
            if length == 0:  # terminator
                break
            head, id_size = 4, 4
            if length == 0xFFFFFFFF:
                length, head, id_size = int.from_bytes(data[off + 4:off + 12], obj.endian), 12, 8
            end = off + head + length
            if end > len(data) or length < id_size:
                return [f"{where}: the record at offset {off:#x} runs past the section"]
            idpos = off + head
            cie_ptr = int.from_bytes(data[idpos:idpos + id_size], obj.endian)
            if cie_ptr == 0:
                encodings[off] = _fde_encoding(data, idpos, end, id_size, psize)
            else:
                cie = idpos - cie_ptr
                if cie not in encodings:
                    return [f"{where}: the FDE at offset {off:#x} points to no CIE"]
                enc = encodings[cie]
                size = None if enc is None or enc == DW_EH_PE_omit else _VALUE_SIZE.get(enc & 0x0F, psize if
                                                                                          enc & 0x0F == 0 else None)
                if size is not None and idpos + id_size + 2 * size <= end:
                    span = _fde_span(obj, syms, sec, relocs, idpos + id_size, size, enc & 0x0F in _SIGNED)
                    if span is not None:
                        spans.append((*span, off))
            off = end
    except (ValueError, IndexError) as exc:
        return [f"{where}: unreadable at offset {off:#x} ({exc})"]
    problems = []
    for sidx, start, stop, at in spans:  # past its section it overlaps whatever ld places next
        target = obj.sections[sidx]
        if start < 0 or stop > target.size:
            problems.append(f"{where}: the FDE at offset {at:#x} covers {start:#x}-{stop:#x} of "
                            f"{printable(target.name)}, which has {target.size} bytes; ld refuses such a link")
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if a[0] == b[0] and a[2] > b[1]:
            name = printable(obj.sections[a[0]].name) if a[0] < len(obj.sections) else str(a[0])
            problems.append(f"{where}: the FDEs at offsets {a[3]:#x} and {b[3]:#x} cover the same bytes of "
                            f"{name} ({a[1]:#x}-{a[2]:#x} and {b[1]:#x}-{b[2]:#x}); ld refuses such a link")
    return problems


def _fde_span(obj, syms, sec, relocs, at: int, size: int, signed: bool):
    """(section, start, end) an FDE covers: its start's relocation (symbol + addend) and its range."""
    row = relocs.at(sec.index, at)
    if row is None:
        return None  # no relocated start: ld places it nowhere this check can compare
    _o, _t, symidx, addend = row
    raw = obj.data[sec.offset + at:sec.offset + at + 2 * size]
    if addend is None:  # REL: the addend is the value in place
        addend = int.from_bytes(raw[:size], obj.endian, signed=True)
    sym = syms[symidx]
    if not 0 < sym.shndx < len(obj.sections):
        return None
    start = sym.value + addend
    pc_range = int.from_bytes(raw[size:], obj.endian, signed=signed)
    return sym.shndx, start, start + pc_range
