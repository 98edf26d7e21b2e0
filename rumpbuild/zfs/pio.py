"""Positioned etfs file I/O for the zfs programs (zfstool, rump_zfs): rumpuser_pio.c.

zfs's file vdevs go through rumpuser_iovread/iovwrite; a librumpuser that
implements them as lseek + readv/writev lets concurrent zio threads read and
write at each other's offsets (rumpuser_pio.c says how that showed).  For
such a tree the zfs programs link rumpuser_pio.o and wrap the two calls
(-Wl,--wrap: rumpfs's references go to the preadv/pwritev versions; the
tree's own stay unused).  A tree whose librumpuser already uses pread/pwrite
(NetBSD's later ones, the example tree) links nothing extra.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rumpbuild.model.targets import host_object

SOURCE = Path(__file__).resolve().parent / "rumpuser_pio.c"
WRAPPED = ("rumpuser_iovread", "rumpuser_iovwrite")
# librumpuser's positioned read: a seek, then a read that uses the file offset
_SEEK_THEN_READ = re.compile(r"rumpuser_iovread\s*\([^{]*\{(?:(?!\n}).)*?\blseek\s*\(", re.S)


def needs_positioned_io(tree) -> bool:
    """True when the tree's librumpuser seeks before its iovread and its rumpuser.h is version 17
    (the layout rumpuser_pio.c repeats)."""
    try:
        user = (tree.root / "lib" / "librumpuser" / "rumpuser_file.c").read_text(errors="replace")
        header = (tree.rump / "include" / "rump" / "rumpuser.h").read_text(errors="replace")
    except OSError:
        return False
    return bool(_SEEK_THEN_READ.search(user)) and re.search(r"#define\s+RUMPUSER_VERSION\s+17\b", header) is not None


def pio_link(session, workdir: str) -> tuple[list, list[str]]:
    """(ObjectTargets, link flags) that give the zfs programs positioned I/O; ([], []) when the tree has it."""
    if not needs_positioned_io(session.tree):
        return [], []
    obj = host_object(session.toolchain, str(SOURCE), os.path.join(workdir, "rumpuser_pio.o"), opt="-O2")
    return [obj], ["-Wl," + ",".join(f"--wrap={name}" for name in WRAPPED)]
