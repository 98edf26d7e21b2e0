"""Exception classes and their exit statuses.

UserError (exit 1): bad input — a broken Makefile, an unknown arch, a missing
compiler.  Anything else escaping a command is a rumpbuild bug (exit 2, with a
traceback).  Messages say what is wrong and end with what to try.
"""

from __future__ import annotations


def printable(text, keep: str = "") -> str:
    """*text* with undecodable bytes as \\xNN and control characters escaped: fit for one message line.

    File names and ELF strings arrive decoded with surrogateescape; printed
    raw they show as \\udcff or break the terminal.
    """
    text = str(text)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that surrogateescape did not make
        text = text.encode("utf-8", "backslashreplace").decode("ascii")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def shown(value) -> str:
    """*value* quoted for a message, escaped as :func:`printable` does."""
    return f"'{printable(value)}'"


class UserError(Exception):
    """A problem with the user's input or machine; exit status 1."""

    exit_status = 1

    def __init__(self, message: str, hints: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.hints = list(hints)

    def render(self) -> str:
        text = f"rumpbuild: error: {self.message}"
        if self.hints:
            text += "\nThings to try:\n" + "\n".join(f"  - {h}" for h in self.hints)
        # names from trees, ELF files and argv may hold undecodable bytes: \xff, never \udcff
        return printable(text, keep="\n\t")


class MakefileError(UserError):
    """A Makefile that cannot be evaluated: carries the file and line."""

    def __init__(self, filename: str, lineno: int, reason: str, hints=()):
        self.filename = filename
        self.lineno = lineno
        self.reason = reason
        super().__init__(f"{filename}:{lineno}: {reason}", hints)


class UnknownNameError(UserError):
    """An unknown arch, component or toolchain name, with close matches."""

    def __init__(self, kind: str, name: str, known: list[str], hints=()):
        import difflib

        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        msg = f"unknown {kind} '{name}'"
        if close:
            msg += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        self.name = name
        self.close = close
        super().__init__(msg, hints)


class ELFFormatError(UserError):
    """A truncated, foreign or otherwise unusable ELF file."""


# Failures of the machine, not of rumpbuild: a full or read-only disk, a path that is
# a file where a folder is wanted.  errno -> what to try.
MACHINE_ERRNOS = {
    "ENOSPC": "free space on that file system, or pass --out on another one",
    "EDQUOT": "free space within your disk quota, or pass --out on another file system",
    "EROFS": "pass --out on a writable file system",
    "EACCES": "check the permissions of that path, or pass --out somewhere you may write",
    "EPERM": "check the permissions of that path, or pass --out somewhere you may write",
    "ENOTDIR": "a file stands where a folder is needed: pass --out a folder (new or existing)",
    "EEXIST": "a file stands where a folder is needed: pass --out a folder (new or existing), or remove the file",
    "EISDIR": "a folder stands where a file is needed: remove or rename it",
    "EMFILE": "raise the open-file limit (ulimit -n) or use fewer jobs (-j)",
    "ENAMETOOLONG": "use a shorter --out path",
}


def machine_error(exc: OSError) -> UserError | None:
    """The UserError for an OSError the machine caused (see MACHINE_ERRNOS); None for anything else."""
    import errno
    import os

    name = errno.errorcode.get(exc.errno or 0)
    if name not in MACHINE_ERRNOS:
        return None
    path = exc.filename if exc.filename is not None else ""
    where = f"{shown(os.fsdecode(path))}: " if path != "" else ""
    meaning = exc.strerror or os.strerror(exc.errno)
    return UserError(f"{where}{meaning} ({name})", [MACHINE_ERRNOS[name]])
