"""Generate and compile the zfs helper: rump kernel code driving zfsdev_ioctl.

The helper (templates/zfshelper.c.j2) is compiled with the exact flags of a
C object of the zfs component itself, so the osnet compatibility headers,
zfs_cmd_t and the nvlist API resolve as they do for zfs; then it is renamed
into the rump namespace like any kernel object, keeping its rumpbuild_zfs_*
entry points visible to the host.
"""

from __future__ import annotations

import os

from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.templates import render

ZFS_LIB = "rumpfs_zfs"
# what zfs_ioctl.c includes for zfs_cmd_t, nvlists and the device switch, plus osnet's
# struct mounta (sys/vfs.h) for the mount arguments
HEADERS = ["sys/types.h", "sys/param.h", "sys/errno.h", "sys/fcntl.h", "sys/kmem.h", "sys/conf.h",
           "sys/zfs_ioctl.h", "sys/nvpair.h", "sys/fs/zfs.h", "sys/vdev.h", "sys/zio.h", "sys/vfs.h", "sys/mount.h"]
# the zfs ioctls the helper issues (named in its error messages)
IOCTLS = ["ZFS_IOC_POOL_CREATE", "ZFS_IOC_POOL_IMPORT", "ZFS_IOC_POOL_EXPORT", "ZFS_IOC_POOL_TRYIMPORT",
          "ZFS_IOC_POOL_STATS", "ZFS_IOC_POOL_SCRUB", "ZFS_IOC_CREATE", "ZFS_IOC_DATASET_LIST_NEXT",
          "ZFS_IOC_OBJSET_STATS", "ZFS_IOC_SNAPSHOT_LIST_NEXT", "ZFS_IOC_SNAPSHOT", "ZFS_IOC_DESTROY",
          "ZFS_IOC_DESTROY_SNAPS"]
# errno names the helper's messages use: the kernel's numbers are NetBSD's, not the host's
# (ECKSUM: zio.h's checksum error, EBADE in the osnet compatibility headers)
ERRNOS = ["EPERM", "ENOENT", "ESRCH", "EIO", "ENXIO", "E2BIG", "ENOMEM", "EACCES", "EFAULT", "EBUSY", "EEXIST",
          "EXDEV", "ENODEV", "ENOTDIR", "EINVAL", "ENOSPC", "EROFS", "EDOM", "ERANGE", "EAGAIN", "ENAMETOOLONG",
          "ENOTSUP", "EOVERFLOW", "ECKSUM", "EBADE", "ENOTEMPTY", "EDQUOT"]
# file vdevs on images etfs registers as regular files.  Not disk vdevs on etfs block devices: in the
# 2016 tree vdev_disk_open() reopens (scrub, import) through an uninitialised vnode pointer and crashes.
VDEV_TYPE = "file"
LABEL_NVLIST_OFFSET = 16 * 1024  # vdev_label_t: vl_pad1 (8K) + vl_pad2 boot header (8K), then vl_vdev_phys
ENTRY_POINTS = ["rumpbuild_zfs_pool_create", "rumpbuild_zfs_pool_import", "rumpbuild_zfs_pool_export",
                "rumpbuild_zfs_pool_scrub", "rumpbuild_zfs_pool_stats", "rumpbuild_zfs_dataset_create",
                "rumpbuild_zfs_dataset_list", "rumpbuild_zfs_dataset_space", "rumpbuild_zfs_mountargs",
                "rumpbuild_zfs_snapshot", "rumpbuild_zfs_destroy"]


def helper_source(lib: str = ZFS_LIB) -> str:
    """The helper's C source, for the component named *lib*."""
    return render("zfshelper.c.j2", lib=lib, headers=HEADERS, ioctls=IOCTLS, errnos=ERRNOS, vdev_type=VDEV_TYPE,
                  label_nvlist_offset=LABEL_NVLIST_OFFSET)


def zfs_closure(session, entry) -> list:
    """*entry*'s link closure (session.closure) plus the rump kernel base, in link order."""
    closure = session.closure(entry)
    for base in ("rumpvfs", "rumpkern", "rumpuser"):
        b = session.find_base(base)
        if b is not None and b not in closure:
            closure.append(b)
    return closure


def helper_target(plan, workdir: str, lib: str = ZFS_LIB):
    """Write the helper into *workdir*; its ObjectTarget: *lib*'s flags, renamed (rumpbuild.model.targets)."""
    from rumpbuild.model.targets import kernel_object

    zlib = next((l for l in plan.libraries if l.lib == lib), None)
    if zlib is None:
        raise UserError(f"the zfs helper is compiled with lib{lib}'s flags, and this build has no lib{lib}",
                        ["build the zfs component: rumpbuild component zfs --src TREE -D MKZFS=yes"])
    src = os.path.join(workdir, "zfshelper.c")
    write_atomic(src, helper_source(lib))
    return kernel_object(zlib, src, os.path.join(workdir, "zfshelper.o"), "the zfs helper",
                         ["the tree's zfs_cmd_t / nvlist API differ from what templates/zfshelper.c.j2 expects; "
                          "see the compiler's message above"])


def helper_object(session, plan, workdir: str, lib: str = ZFS_LIB) -> str:
    """Compile the helper (helper_target); the object's path."""
    from rumpbuild.backends.targets import run_in_session

    target = helper_target(plan, workdir, lib)
    run_in_session(session, [target], builddir=workdir)
    return target.out
