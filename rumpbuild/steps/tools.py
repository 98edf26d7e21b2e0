"""Running the compilers and linkers: one place, so every backend limits and reports them alike."""

from __future__ import annotations

import contextlib
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
