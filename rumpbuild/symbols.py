"""Which symbols an object or archive defines and needs, and which are missing from a link.

Works on relocatable ELF objects and on ``ar`` archives (System V/GNU
format, read here: members with GNU ``//`` long names; the ``/`` and
``/SYM64/`` symbol indexes are skipped).  Symbol tables are read with
:mod:`rumpbuild.elf.reader` (pyelftools for the header, ``struct`` for the
tables), so a bad file raises :class:`~rumpbuild.errors.ELFFormatError`.

"Global" means what ``nm -g`` lists.  A symbol is *defined* when its
section index is not ``SHN_UNDEF`` (common symbols count as defined);
*undefined* when it is ``SHN_UNDEF`` with global binding (weak undefined
references resolve to 0 and never fail a link, so they are left out).

:func:`missing_symbols` answers "what would stay undefined if I linked these
libraries with those": undefined globals of ``lib_paths`` that neither they
nor ``provided_paths`` define, except the names Makefile.rump never renames
and the host supplies (``__stack_chk_fail``, libgcc's ``__udivdi3``,
``_GLOBAL_OFFSET_TABLE_``).  Each :class:`Missing` names, when one does, a
candidate library (LIB) that defines it: "add rumpdev_disk", not "stub it".
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rumpbuild.elf.reader import SHN_UNDEF, STB_WEAK, ElfObject
from rumpbuild.errors import ELFFormatError, UserError
from rumpbuild.fsutil import read_regular

AR_MAGIC = b"!<arch>\n"
# Undefined names the host side resolves: never renamed by Makefile.rump's rule, so they bind to the host.
EXEMPT_PREFIXES = ("__", "_GLOBAL_OFFSET_TABLE_")


@dataclass(frozen=True)
class Member:
    name: str  # "x.o", or "lib.a(x.o)" for an archive member
    defined: frozenset[str]
    undefined: frozenset[str]  # strong undefined references only


@dataclass
class Missing:
    name: str
    referenced_by: list[str] = field(default_factory=list)
    defined_in: str | None = None  # a candidate LIB that defines it


def _ar_members(path: Path, data: bytes):
    """(member name, bytes) of every file in an ar archive."""
    pos, longnames = len(AR_MAGIC), b""
    while pos + 60 <= len(data):
        start, hdr = pos, data[pos:pos + 60]
        if hdr[58:60] != b"`\n":
            raise ELFFormatError(f"{path}: damaged archive member header at offset {pos}",
                                 [f"rebuild {path.name} (`ar t {path}` shows whether ar can read it)"])
        raw_name = hdr[:16].rstrip(b" ")
        try:
            size = int(hdr[48:58].strip() or b"0")
            if size < 0:  # would step back and read the same header forever
                raise ValueError(size)
        except ValueError:
            raise ELFFormatError(f"{path}: damaged archive member size at offset {pos}",
                                 [f"rebuild {path.name}"]) from None
        body_at = pos + 60
        if body_at + size > len(data):
            raise ELFFormatError(f"{path}: truncated archive (member at {pos} needs {size} bytes)",
                                 [f"rebuild {path.name}"])
        body = data[body_at:body_at + size]
        pos = body_at + size + (size & 1)
        if raw_name in (b"/", b"/SYM64/", b"__.SYMDEF", b"__.SYMDEF SORTED"):
            continue
        if raw_name == b"//":
            longnames = body
            continue
        if raw_name.startswith(b"#1/"):  # BSD long name: the name opens the body
            n = raw_name[3:]
            if not n.isdigit() or int(n) > len(body):
                raise ELFFormatError(f"{path}: damaged archive member name at offset {start}",
                                     [f"rebuild {path.name}"])
            name, body = body[:int(n)].rstrip(b"\0").decode(errors="replace"), body[int(n):]
        elif raw_name.startswith(b"/") and raw_name[1:].isdigit():
            off = int(raw_name[1:])
            end = longnames.find(b"/\n", off)
            name = longnames[off:end if end >= 0 else None].decode(errors="replace")
        else:
            name = raw_name.rstrip(b"/").decode(errors="replace")
        yield name, body
    if data[pos:].strip(b"\n"):
        raise ELFFormatError(f"{path}: truncated archive ({len(data) - pos} stray bytes after the last member)",
                             [f"rebuild {path.name}"])


def _member(name: str, obj: ElfObject) -> Member:
    defined, undefined = set(), set()
    for s in obj.symbols():
        if not s.nm_global:
            continue
        if s.shndx == SHN_UNDEF:
            if s.bind != STB_WEAK:
                undefined.add(s.name)
        else:
            defined.add(s.name)
    return Member(name, frozenset(defined), frozenset(undefined))


@functools.lru_cache(maxsize=256)
def _members_cached(path: str, mtime: int, size: int) -> tuple[Member, ...]:
    p = Path(path)
    try:  # a FIFO or device named lib*.a in --rump-libs is refused, not read forever
        data = read_regular(p, ["check the path"])
    except UserError as exc:
        raise ELFFormatError(exc.message, exc.hints) from None
    if data.startswith(AR_MAGIC):
        out = []
        for name, body in _ar_members(p, data):
            if body[:4] != b"\x7fELF":
                continue  # e.g. a stray text member: nothing to link
            out.append(_member(f"{p.name}({name})", ElfObject(f"{p}({name})", body)))
        return tuple(out)
    return (_member(p.name, ElfObject(p, data)),)


def members(path: str | os.PathLike) -> tuple[Member, ...]:
    """One :class:`Member` per object: the file itself, or every ELF member of an archive."""
    p = os.path.abspath(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise ELFFormatError(f"{path}: cannot read: {exc.strerror}", ["check the path"]) from None
    return _members_cached(p, st.st_mtime_ns, st.st_size)


def defined_globals(path: str | os.PathLike) -> set[str]:
    """Global symbols an object or archive defines."""
    out: set[str] = set()
    for m in members(path):
        out |= m.defined
    return out


def undefined_globals(path: str | os.PathLike) -> set[str]:
    """Strong undefined global references of an object or archive that it does not define itself."""
    defined, undefined = set(), set()
    for m in members(path):
        defined |= m.defined
        undefined |= m.undefined
    return undefined - defined


def is_exempt(name: str) -> bool:
    return name.startswith(EXEMPT_PREFIXES)


def missing_symbols(lib_paths: list[str], provided_paths: list[str],
                    candidates: dict[str, str]) -> list[Missing]:
    """Undefined (non-exempt) globals of *lib_paths* that no file of *lib_paths* or *provided_paths* defines.

    *candidates* maps a LIB name (``rumpdev_disk``) to its archive; the first
    one (in the dict's order) defining a missing symbol becomes its
    ``defined_in``.  Sorted by name.
    """
    have: set[str] = set()
    for p in list(lib_paths) + list(provided_paths):
        have |= defined_globals(p)
    refs: dict[str, list[str]] = {}
    for p in lib_paths:
        for m in members(p):
            for name in m.undefined:
                if name not in have and not is_exempt(name):
                    refs.setdefault(name, []).append(m.name)
    cand_defs = [(lib, defined_globals(path)) for lib, path in candidates.items()]
    out = []
    for name in sorted(refs):
        where = next((lib for lib, defs in cand_defs if name in defs), None)
        out.append(Missing(name, sorted(set(refs[name])), where))
    return out


def to_table(missing: list[Missing]) -> str:
    """Human-readable report: one line per symbol, what to do about it."""
    if not missing:
        return "no missing symbols"
    width = max(len(m.name) for m in missing)
    lines = []
    for m in missing:
        action = f"add -l{m.defined_in}" if m.defined_in else "not in any rump library: stub it"
        refs = ", ".join(m.referenced_by[:3]) + (" …" if len(m.referenced_by) > 3 else "")
        lines.append(f"{m.name:<{width}}  {action:<40}  used by {refs}")
    return "\n".join(lines)


def to_json(missing: list[Missing]) -> str:
    return json.dumps([asdict(m) for m in missing], indent=1)
