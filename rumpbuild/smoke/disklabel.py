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
    write_disk(disk, {letter: fs_image})
    return f"{disk}%DISKLABEL:{letter}%"


def write_disk(disk: str, parts: dict[str, str]) -> None:
    """Write *disk* with a NetBSD disklabel: partition letter -> file-system image, in letter order."""
    idx = {}
    for letter in parts:
        i = ord(letter) - ord("a")
        if not 0 <= i < 16:
            raise ValueError(f"partition letter {letter!r} is not a..p")
        idx[letter] = i
    layout = {}  # index -> (start sector, sectors, data)
    sector = PART_START
    for letter in sorted(parts):
        data = open(parts[letter], "rb").read()
        nsect = (len(data) + SECSIZE - 1) // SECSIZE
        layout[idx[letter]] = (sector, nsect, data)
        sector += nsect
    total = sector
    npart = max(layout) + 1
    head = struct.pack("<IHH16s16sIIIIII HH I HHHH III 5I 5I I",
                       DISKMAGIC, 0, 0, b"rumpbuild", b"test", SECSIZE, 32, 1, (total + 31) // 32, 32,
                       total, 0, 0, 0, 3600, 1, 0, 0, 0, 0, 0, *([0] * 5), *([0] * 5), DISKMAGIC)
    table = b""
    for i in range(npart):
        start, nsect, _ = layout.get(i, (0, 0, b""))
        table += struct.pack("<IIIBBH", nsect, start, 0, FS_BSDFFS if nsect else 0, 0, 0)
    tail = struct.pack("<HHII", 0, npart, 8192, 8192)  # checksum (0 for now), npartitions, bbsize, sbsize
    label = bytearray(head + tail + table)
    struct.pack_into("<H", label, len(head), _checksum(bytes(label)))
    tmp = disk + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(total * SECSIZE)
        f.seek(LABELSECTOR * SECSIZE)
        f.write(label)
        for start, _nsect, data in layout.values():
            f.seek(start * SECSIZE)
            f.write(data)
    os.replace(tmp, disk)


def write_mbr_disk(disk: str, parts: list[str], part_type: int = 0x0C) -> None:
    """Write *disk* with an MBR: primary partitions 1.. hold the images in *parts* (type FAT32 LBA)."""
    layout, sector = [], 2048
    for path in parts:
        data = open(path, "rb").read()
        nsect = (len(data) + SECSIZE - 1) // SECSIZE
        layout.append((sector, nsect, data))
        sector += nsect
    mbr = bytearray(SECSIZE)
    for i, (start, nsect, _) in enumerate(layout):
        struct.pack_into("<B3sB3sII", mbr, 446 + 16 * i, 0, b"\xfe\xff\xff", part_type, b"\xfe\xff\xff",
                         start, nsect)
    mbr[510:512] = b"\x55\xaa"
    tmp = disk + ".tmp"
    with open(tmp, "wb") as f:
        f.truncate(sector * SECSIZE)
        f.write(mbr)
        for start, _nsect, data in layout:
            f.seek(start * SECSIZE)
            f.write(data)
    os.replace(tmp, disk)
