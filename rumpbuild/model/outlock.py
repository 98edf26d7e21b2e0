"""One run at a time per output folder: an flock on OUT/.rumpbuild.lock.

Two runs into one folder would share its SCons database, rumpbuild-scons.json
and include links, and each could remove what the other made.  The second
run waits (saying for whom) or, with --no-wait, stops with a message.  The
lock is released when the process ends, however it ends (kill -9 too).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sys
import time

from rumpbuild.errors import UserError

LOCK_NAME = ".rumpbuild.lock"
_HELD: dict[str, "OutputLock"] = {}  # by folder: a process takes each folder's lock once


def lock_outdir(outdir: str, wait: bool = True, quiet: bool = False) -> "OutputLock":
    """The lock of *outdir* for this process (taken now, or the one it holds already:
    a second flock from the same process would wait for itself)."""
    outdir = os.path.abspath(outdir)
    held = _HELD.get(outdir)
    if held is not None and held._fd is not None:
        return held
    lock = _HELD[outdir] = OutputLock(outdir, wait, quiet)
    return lock


def release_all(failed: bool = False) -> None:
    """Release every output folder this process locked (the command is over)."""
    for lock in reversed(list(_HELD.values())):
        lock.release(failed)
    _HELD.clear()


class OutputLock:
    """Held while a run reads or writes its output folder.

    ``keep`` is set once the run starts writing outputs: a request that fails
    before that removes the folder if it made it (no partial output), and
    never a folder it found.
    """

    def __init__(self, outdir: str, wait: bool = True, quiet: bool = False):
        self.outdir = outdir
        self.path = os.path.join(outdir, LOCK_NAME)
        self.created_outdir = False
        self.keep = False
        self._fd = None
        self._acquire(wait, quiet)

    def _acquire(self, wait: bool, quiet: bool) -> None:
        told = False
        while True:
            if not os.path.isdir(self.outdir):
                if os.path.lexists(self.outdir):
                    raise UserError(f"--out {self.outdir} exists and is not a folder",
                                    ["pass a folder (it is made if missing)"])
                os.makedirs(self.outdir, exist_ok=True)
                self.created_outdir = True
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(fd)
                    raise
                holder = _read_holder(fd)
                if not wait:
                    os.close(fd)
                    raise UserError(f"another rumpbuild run is using {self.outdir}{holder}",
                                    ["wait for it, drop --no-wait to wait, or pass another --out folder"])
                if not told and not quiet:
                    print(f"rumpbuild: waiting for the build in {self.outdir}{holder}…", file=sys.stderr, flush=True)
                    told = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            # the holder may have removed the folder (a failed first run): lock what is there now
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
            time.sleep(0.01)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self, failed: bool = False) -> None:
        if self._fd is None:
            return
        if failed and self.created_outdir and not self.keep:
            shutil.rmtree(self.outdir, ignore_errors=True)  # still ours: waiters re-check the lock file
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
