"""Running the compilers and linkers: one place, so every backend limits and reports them alike."""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
from dataclasses import dataclass

# At most N compilers/linkers at once (limit_processes); None: no limit of our own.
_process_slots: threading.BoundedSemaphore | None = None


def limit_processes(n: int) -> None:
    """Let at most *n* child tools run at once, however many threads call run_tool()."""
    global _process_slots
    _process_slots = threading.BoundedSemaphore(n)


@dataclass(frozen=True)
class Ran:
    """A finished compiler or linker: its argv, folder, exit status and merged output."""

    argv: tuple[str, ...]
    cwd: str | None
    status: int
    output: str

    @property
    def ok(self) -> bool:
        return self.status == 0


def run_tool(argv, cwd: str | None = None) -> Ran:
    """Run *argv* in *cwd* with stdout and stderr merged into one pipe.

    One pipe: each tool's messages stay together under -j, and reading a
    single pipe needs no polling.  Waits for a process slot first.
    """
    with _process_slots or contextlib.nullcontext():
        try:
            p = subprocess.run(list(argv), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, errors="replace")
        except FileNotFoundError:
            return Ran(tuple(argv), cwd, 127, f"{argv[0]}: command not found\n")
    return Ran(tuple(argv), cwd, p.returncode, p.stdout or "")


# gcc/clang/zig `file:line:col: error:` and `fatal error:`, `cc: error:`, ld's `error:`
_ERROR = re.compile(r"(^|\s|:)(fatal )?error: ")
ERROR_LINES = 10  # compiler error lines a failure message shows
TAIL_LINES = 20   # output lines it shows when no line says `error:`


def error_lines(lines, limit: int = ERROR_LINES) -> list[str]:
    """The first *limit* lines of compiler output that say `error:` (file:line first)."""
    return [l for l in lines if _ERROR.search(l)][:limit]


def failure_detail(lines) -> str:
    """What a failed build's message shows: its first `error:` lines (under -j the last
    lines are often another compile's warnings), else the output's last lines."""
    lines = [l for l in lines if l.strip()]
    errors = error_lines(lines)
    if not errors:
        return "\n".join(lines[-TAIL_LINES:])
    more = len(error_lines(lines, limit=len(lines))) - len(errors)
    return "\n".join(errors + ([f"(and {more} more error lines)"] if more > 0 else []))
