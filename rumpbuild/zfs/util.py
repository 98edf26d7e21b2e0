"""rump_zfs: what `rumpbuild util zfs` adds to rump_<fs> (rumpbuild/util/build.py).

rump_util.c is compiled with RBU_ZFS=1 and zfs_util.c's folder on the
include path; instead of the mount-argument helper the program links the
zfs helper (templates/zfshelper.c.j2, which also makes zfs's mount
arguments) and zfs_util.c, the host half: operands, pool import at the
mount step, export after the unmount, zpool/zfs commands.
"""

from __future__ import annotations

import os
from pathlib import Path

from rumpbuild.model.targets import host_object
from rumpbuild.zfs.helper import ZFS_LIB, helper_target
from rumpbuild.zfs.pio import pio_link

HERE = Path(__file__).resolve().parent
HOST_SOURCE = HERE / "zfs_util.c"


def is_zfs(fs_name: str) -> bool:
    return fs_name == "zfs"


def cflags() -> list[str]:
    """What rump_util.c needs to become rump_zfs."""
    return ["-DRBU_ZFS=1", f"-I{HERE}"]


def zfs_objects(session, plan, workdir: str, lib: str = ZFS_LIB) -> tuple[list, list[str]]:
    """(ObjectTargets, link flags): the zfs helper (kernel side), zfs_util.o (host side) and, where the
    tree's librumpuser needs it, positioned image I/O (zfs/pio.py), compiled into *workdir*."""
    helper = helper_target(plan, workdir, lib)
    obj = host_object(session.toolchain, str(HOST_SOURCE), os.path.join(workdir, "zfs_util.o"),
                      [os.path.join(session.outdir, "include"), session.tree.rump / "include", HERE], opt="-O2",
                      what=f"{HOST_SOURCE.name} for {session.target.name}")
    pio_objs, pio_flags = pio_link(session, workdir)
    return [helper, obj, *pio_objs], pio_flags
