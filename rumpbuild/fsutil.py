"""Writing files without leaving partial output behind, and only where they belong."""

from __future__ import annotations

import mmap
import os
import re
import stat
import tempfile

from rumpbuild.errors import UserError, shown

# What a name taken from a tree (LIB, KMOD, a SRCS word, IOCONF, a module folder) may
# be: one path component that every file system, make and shell take as it is.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9._+-]*")
MAX_NAME = 200  # NAME_MAX is 255 bytes; lib<LIB>_pic.a and SConscript.<LIB> add to it


def unsafe_name_reason(value: str) -> str | None:
    """Why *value* is not a plain file name (None when it is one)."""
    if not value:
        return "it is empty"
    if "/" in value:
        return "it holds a '/' (a name, not a path, is expected)"
    if value in (".", ".."):
        return "it names a folder"
    if len(value) > MAX_NAME:
        return f"it is {len(value)} characters long (at most {MAX_NAME})"
    if not _SAFE_NAME.fullmatch(value):
        return "only letters, digits, '.', '_', '+' and '-' are allowed, and it must not start with '.' or '-'"
    return None


def safe_name(value: str, where: str, what: str = "name") -> str:
    """*value* if it is one path component of safe characters; else a UserError naming *where* (file:line)."""
    reason = unsafe_name_reason(value)
    if reason is not None:
        raise UserError(f"{where}: {what} {shown(value)} is not a plain file name: {reason}",
                        ["rename it to letters, digits, '.', '_', '+' and '-' only"])
    return value


def inside(path, folder) -> str:
    """The absolute *path*, after checking it lies inside *folder* (symbolic links in its folders resolved).

    The last check before a write: names are checked where they are read,
    this catches whatever combination of them still points elsewhere.
    """
    given = os.fspath(path)
    path, folder = os.path.abspath(given), os.path.abspath(os.fspath(folder))
    real_folder = os.path.realpath(folder)
    real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    for p, f in ((os.path.normpath(path), folder), (real, real_folder)):
        if os.path.commonpath([p, f]) != f:
            raise UserError(f"refusing to write {shown(given)}: it lies outside {shown(folder)}",
                            ["a name in the tree (LIB, KMOD, SRCS, IOCONF) or a link leads outside; fix it"])
    return path


def write_atomic(path, text: str | bytes) -> bool:
    """Write *path* via a temporary name and rename; False if unchanged."""
    path = os.fspath(path)
    data = text.encode() if isinstance(text, str) else text
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except OSError:
        pass
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk on write(): say which file
            raise OSError(exc.errno, exc.strerror, path) from None
        raise
    return True


def mtimes(paths) -> dict[str, int]:
    """``{path: st_mtime_ns}``, -1 for a path that does not exist (records of what a result came from)."""
    out = {}
    for p in paths:
        try:
            out[p] = os.stat(p).st_mtime_ns
        except OSError:
            out[p] = -1
    return out


# Files larger than this are mapped, not read: a 2 GB "object" costs no memory until looked at.
MAP_ABOVE = 32 << 20
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def not_regular_reason(mode: int) -> str | None:
    """What a file of st_mode *mode* is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def read_regular(path, hints=()) -> bytes | mmap.mmap:
    """The contents of regular file *path*: bytes, or a read-only map when it is large.

    Opened without blocking and checked before reading, so a FIFO cannot
    hang the caller and /dev/zero cannot fill its memory.  Anything else
    is a UserError naming *path* (with *hints*).
    """
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot read: {exc.strerror}", list(hints) or ["check the path"]) from None
    try:
        st = os.fstat(fd)
        kind = not_regular_reason(st.st_mode)
        if kind:
            raise UserError(f"{shown(path)} is {kind}, not a regular file", list(hints) or ["pass a file"])
        if st.st_size > MAP_ABOVE:
            return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        with open(fd, "rb", buffering=0, closefd=False) as f:
            return f.readall()
    except OSError as exc:
        raise UserError(f"{shown(path)}: cannot read: {exc.strerror}", list(hints) or ["check the path"]) from None
    finally:
        os.close(fd)
