"""The zfs tool's ERROR lines → one message for the user, with what to try.

The kernel only answers an errno (its NetBSD number, named by the helper);
these rules say what it means for the images the user gave, as zpool(8)
does in libzfs's zpool_import_props()/zpool_standard_error().
"""

from __future__ import annotations

import re

from rumpbuild.errors import UserError

# (pattern in the tool's message, what it means, what to try)
RULES = [
    (r"no zfs label", "{images}: not a zfs pool",
     ["give the image files the pool was created on, all of them"]),
    (r"holds? pool '([^']*)', not", "the images hold another pool than the one named",
     ["name the pool the images hold, or none"]),
    (r"ZFS_IOC_POOL_(?:TRY)?IMPORT failed with (?:EINVAL|EOVERFLOW|EIO|ENXIO|ECKSUM)",
     "the pool on {images} cannot be opened: a vdev is missing, damaged or shorter than the pool "
     "recorded (a truncated image?)",
     ["give every image of the pool, at its full size", "for a mirror, one intact image is enough"]),
    (r"bytes available$|No space left on device|failed with ENOSPC",
     "the pool is full", ["create the pool on bigger images (--size), or put fewer files"]),
    (r"ZFS_IOC_POOL_CREATE failed with (?:EINVAL|EOVERFLOW)",
     "zfs refused to create the pool on {images}", ["each image must be at least 64 MB (--size 64M or more)"]),
    (r"failed with EEXIST", "it exists already", ["choose another name"]),
    (r"ZFS_IOC_(?:OBJSET_STATS|SNAPSHOT|DESTROY\w*) failed with ENOENT", "no such dataset or snapshot",
     ["`list POOL` shows the pool's datasets, `list DATASET` its children and snapshots"]),
    (r"has children or snapshots", "destroy takes one dataset at a time",
     ["destroy its snapshots and child datasets first (the tool has no -r)"]),
    (r"ZFS_IOC_SNAPSHOT failed with EINVAL", "zfs refused the snapshot's name",
     ["a snapshot name is DATASET@NAME, NAME of letters, digits and _ . : -"]),
]


def tool_error(message: str, images: list[str], step: str = "") -> UserError:
    """The UserError for the tool's ERROR *message* (kept in full) about *images*."""
    names = ", ".join(images) if images else "the images"
    for pattern, meaning, hints in RULES:
        if re.search(pattern, message):
            return UserError(f"zfs{' ' + step if step else ''}: {meaning.format(images=names)}: {message}", hints)
    return UserError(f"zfs{' ' + step if step else ''}: {message}",
                     ["the kernel's messages are in the tool's output: rerun with -v"])
