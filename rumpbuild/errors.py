"""Exception classes and their exit statuses.

UserError (exit 1): bad input — a broken Makefile, an unknown arch, a missing
compiler.  Anything else escaping a command is a rumpbuild bug (exit 2, with a
traceback).  Messages say what is wrong and end with what to try.
"""

from __future__ import annotations


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
        return text


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
