"""Put a file-system image into a partition of a disk with a NetBSD disklabel.

For testing the rump kernel's partition syntax, `disk.img%DISKLABEL:a%`.  The
label is NetBSD's struct disklabel (sys/sys/disklabel.h layout) in sector 1
(x86's LABELSECTOR), little-endian, with its XOR checksum.
"""

from __future__ import annotations

import os
import struct

DISKMAGIC = 0x82564557
SECSIZE = 512
LABELSECTOR = 1
PART_START = 64  # sectors before the partition (room for boot blocks and the label)
FS_BSDFFS = 7


def _checksum(label: bytes) -> int:
    c = 0
    for (w,) in struct.iter_unpack("<H", label):
        c ^= w
    return c


def wrap(fs_image: str, disk: str, letter: str = "a") -> str:
    """Write *disk*: a label whose partition *letter* holds *fs_image*; returns the etfs path."""
    idx = ord(letter) - ord("a")
    if not 0 <= idx < 16:
        raise ValueError(f"partition letter {letter!r} is not a..p")
    data = open(fs_image, "rb").read()
    nsect = (len(data) + SECSIZE - 1) // SECSIZE
    total = PART_START + nsect
    npart = idx + 1
    head = struct.pack("<IHH16s16sIIIIII HH I HHHH III 5I 5I I",
                       DISKMAGIC, 0, 0, b"rumpbuild", b"test", SECSIZE, 32, 1, (total + 31) // 32, 32,
                       total, 0, 0, 0, 3600, 1, 0, 0, 0, 0, 0, *([0] * 5), *([0] * 5), DISKMAGIC)
    parts = b""
    for i in range(npart):
        if i == idx:
            parts += struct.pack("<IIIBBH", nsect, PART_START, 0, FS_BSDFFS, 0, 0)
        else:
            parts += struct.pack("<IIIBBH", 0, 0, 0, 0, 0, 0)
    tail = struct.pack("<HHII", 0, npart, 8192, 8192)  # checksum (0 for now), npartitions, bbsize, sbsize
    label = bytearray(head + tail + parts)
    struct.pack_into("<H", label, len(head), _checksum(bytes(label)))
    tmp = disk + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(total * SECSIZE)
        f.seek(LABELSECTOR * SECSIZE)
        f.write(label)
        f.seek(PART_START * SECSIZE)
        f.write(data)
    os.replace(tmp, disk)
    return f"{disk}%DISKLABEL:{letter}%"
