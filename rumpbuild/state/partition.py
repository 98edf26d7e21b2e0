"""Where a partition suffix (``%DISKLABEL:e%``, ``%MBR:1%``) lies inside a host image.

The rump kernel of the 2016 tree does not parse these suffixes (libukfs
did, in the rump_* utilities), so rumpbuild reads the label on the host and
registers the partition with rump_pub_etfs_register_withsize(offset, size).
"""

from __future__ import annotations

import struct

from rumpbuild.errors import UserError

DISKMAGIC = 0x82564557
SECSIZE = 512
LABEL_AREA = 16 * SECSIZE  # LABELSECTOR is 0, 1 or 2 depending on the machine: look in the first sectors
# struct disklabel offsets (sys/sys/disklabel.h): d_magic2, d_npartitions, d_partitions[]
_MAGIC2, _NPART, _PARTS, _PARTSIZE = 132, 138, 148, 16


def locate(path: str, suffix: str) -> tuple[int, int]:
    """(offset, size) in bytes of the partition *suffix* names in the image at *path*."""
    kind, _, which = suffix.strip("%").partition(":")
    with open(path, "rb") as f:
        head = f.read(LABEL_AREA)
    if kind == "MBR":
        return _mbr(path, head, int(which))
    return _disklabel(path, head, which)


def _mbr(path: str, head: bytes, n: int) -> tuple[int, int]:
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        raise UserError(f"{path}: no MBR (no 0x55aa signature in sector 0) for %MBR:{n}%",
                        ["partition the image with sfdisk/fdisk, or drop the suffix"])
    entry = head[446 + 16 * (n - 1):446 + 16 * n]
    start, count = struct.unpack_from("<II", entry, 8)
    if entry[4] == 0 or count == 0:
        raise UserError(f"{path}: MBR partition {n} is empty", ["`sfdisk -l` lists the partitions"])
    return start * SECSIZE, count * SECSIZE


def _disklabel(path: str, head: bytes, letter: str) -> tuple[int, int]:
    for at in range(0, len(head) - _PARTS, 4):
        for order in "<>":
            if struct.unpack_from(order + "I", head, at)[0] != DISKMAGIC:
                continue
            if struct.unpack_from(order + "I", head, at + _MAGIC2)[0] != DISKMAGIC:
                continue
            npart = struct.unpack_from(order + "H", head, at + _NPART)[0]
            idx = ord(letter) - ord("a")
            if idx >= npart:
                raise UserError(f"{path}: the disklabel has {npart} partitions, no '{letter}'",
                                [f"use one of {', '.join(chr(97 + i) for i in range(npart))}"])
            size, offset = struct.unpack_from(order + "II", head, at + _PARTS + _PARTSIZE * idx)
            if size == 0:
                raise UserError(f"{path}: partition '{letter}' of its disklabel is empty")
            return offset * SECSIZE, size * SECSIZE
    raise UserError(f"{path}: no NetBSD disklabel in its first {LABEL_AREA // SECSIZE} sectors for "
                    f"%DISKLABEL:{letter}%", ["label the image with disklabel(8), or drop the suffix"])
