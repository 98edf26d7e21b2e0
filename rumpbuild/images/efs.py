"""Write an EFS image (SGI IRIX's Extent File System, which NetBSD reads) holding a host folder.

Nothing on Debian or PyPI writes EFS (IRIX's mkfs_efs is all there was), and
NetBSD's own efs is read-only, so this module writes the format as NetBSD's
kernel reads it (sys/fs/efs: efs.h, efs_sb.h, efs_dinode.h, efs_extent.h,
efs_dir.h, efs_subr.c).  Every number is big-endian, whatever the CPU:

  basic block (bb) 0    unused
  bb 1                  superblock (struct efs_sb, 92 bytes, checksummed)
  bb 2 ..               bitmap, one bit a bb (set: free)
  sb_firstcg ..         one cylinder group: sb_cgisize bbs of 128-byte
                        inodes (4 a bb; 0 and 1 unused, 2 the root), then data

A file's data is one contiguous run of bbs, described by extents (bb number,
length up to 248 bbs, logical offset): up to 12 in the inode; beyond that the
inode's first extent points at bbs holding the extent list (its ex_offset
says how many such pointers: one here).  A folder is a run of 512-byte
directory blocks (magic 0xbeef; a byte array of entry offsets, halved, from
the front; the entries — inode, name length, name — from the back).
"""

from __future__ import annotations

import os
import stat
import struct
import time

from rumpbuild.errors import UserError, shown
from rumpbuild.images.hosttree import breadth_first, walk

BB = 512
SB_BB = 1
BITMAP_BB = 2
INODE_SIZE = 128
INODES_PER_BB = BB // INODE_SIZE
ROOT_INODE = 2
SB_MAGIC = 0x00072959  # EFS_SB_MAGIC: the original, ungrown layout
DIRBLK_MAGIC = 0xBEEF
DIRBLK_HEADER = 4
DIRECT_EXTENTS = 12
EXTENTS_PER_BB = BB // 8
EXTENT_MAX_BB = 248  # IRIX's longest extent (the field holds 255)
NAME_MAX = 255
SIZE_MAX_BB = 0x01000000  # EFS_SIZE_MAX: bb numbers are 24-bit
MIN_BB = 64
IFDIR = 0o040000
IFREG = 0o100000
IFLNK = 0o120000


def _dirent_size(namelen: int) -> int:
    """EFS_DIRENT_SIZE: inode (4), length (1), name, padded to an even size."""
    return 6 + namelen - (namelen & 1)


def _dirblocks(entries: list[tuple[bytes, int]]) -> list[bytes]:
    """Directory blocks holding *entries* (name, inode), filled in order."""
    blocks: list[bytes] = []
    todo = list(entries)
    while todo:
        blk = bytearray(BB)
        slots: list[int] = []
        top = BB  # entries grow down from the end of the block
        while todo:
            name, ino = todo[0]
            size = _dirent_size(len(name))
            # the offsets array (one byte a slot after the header) must stay below the entries
            if top - size < DIRBLK_HEADER + len(slots) + 1:
                break
            top -= size
            blk[top:top + 5 + len(name)] = struct.pack(">IB", ino, len(name)) + name
            slots.append(top >> 1)
            todo.pop(0)
        if not slots:  # cannot happen: an empty block holds any 255-byte name
            raise AssertionError("EFS directory entry does not fit a block")
        struct.pack_into(">HBB", blk, 0, DIRBLK_MAGIC, top >> 1, len(slots))
        blk[DIRBLK_HEADER:DIRBLK_HEADER + len(slots)] = bytes(slots)
        blocks.append(bytes(blk))
    return blocks


def _extent(bn: int, length: int, offset: int) -> bytes:
    """struct efs_dextent: magic 0, 24-bit bb number; 8-bit length, 24-bit logical offset."""
    return struct.pack(">II", bn & 0x00FFFFFF, (length << 24) | (offset & 0x00FFFFFF))


def _sb_checksum(sb: bytes) -> int:
    """efs_sb_checksum(esb, 0): the original algorithm, over the 88 bytes before the checksum."""
    cksum = 0
    for (half,) in struct.iter_unpack(">H", sb[:88]):
        cksum ^= half
        cksum = (cksum << 1) & 0xFFFFFFFF
    return cksum


def write_image(image: str, src: str, size: int = 4 << 20, inodes: int = 128) -> None:
    """Write *image*, a fresh EFS of *size* bytes with *inodes* inodes, holding the tree under *src*."""
    nbb = size // BB
    if nbb < MIN_BB:
        raise UserError(f"an EFS image must be at least {MIN_BB * BB} bytes, not {size}", ["give a larger --size"])
    if nbb >= SIZE_MAX_BB:
        raise UserError(f"an EFS image holds fewer than {SIZE_MAX_BB} blocks of 512 bytes (24-bit block numbers), "
                        f"not {nbb}", ["give a smaller --size"])
    root = walk(src, "EFS", NAME_MAX, "rename it", "leave devices, sockets and pipes out of the folder", links=True)
    nodes = breadth_first(root)
    cgisize = -(-max(inodes, len(nodes) + ROOT_INODE) // INODES_PER_BB)
    if cgisize > 0x7FFF:
        raise UserError(f"{inodes} inodes is too many for one EFS cylinder group", ["give fewer --inodes"])
    bmsize = -(-nbb // 8)
    firstcg = BITMAP_BB + -(-bmsize // BB)
    cgfsize = nbb - firstcg
    data_start = firstcg + cgisize
    if data_start >= nbb:
        raise UserError(f"a {size}-byte EFS image has no room for data after {cgisize * INODES_PER_BB} inodes",
                        ["give a larger --size or fewer --inodes"])

    img = bytearray(nbb * BB)
    now = int(time.time())
    next_bb = data_start

    def take(count: int, what: str) -> int:
        nonlocal next_bb
        if next_bb + count > nbb:
            raise UserError(f"{shown(src)} does not fit in a {size}-byte EFS image (at {shown(what)})",
                            ["give a larger --size"])
        start, next_bb = next_bb, next_bb + count
        return start

    for i, n in enumerate(nodes):
        n.ino = ROOT_INODE + i
    parents = {id(child): n for n in nodes for _, child in n.children}
    for n in nodes:
        if n.is_dir:
            parent = parents.get(id(n), n)
            n.data = b"".join(_dirblocks([(b".", n.ino), (b"..", parent.ino)] +
                                         [(name, child.ino) for name, child in n.children]))
        mode = n.st.st_mode
        kind = IFDIR if n.is_dir else IFLNK if stat.S_ISLNK(mode) else IFREG
        nlink = 2 + n.nsubdirs if n.is_dir else 1
        nbbs = -(-len(n.data) // BB)
        extents: list[bytes] = []
        start = take(nbbs, n.path) if nbbs else 0
        img[start * BB:start * BB + len(n.data)] = n.data
        for off in range(0, nbbs, EXTENT_MAX_BB):
            extents.append(_extent(start + off, min(EXTENT_MAX_BB, nbbs - off), off))
        if len(extents) > DIRECT_EXTENTS:  # the list goes in bbs of its own, one indirect extent points at it
            listbbs = -(-len(extents) // EXTENTS_PER_BB)
            if listbbs > 255:
                raise UserError(f"{shown(n.path)} is too large for an EFS image this writer makes",
                                ["leave files over 1 GB out"])
            lst = take(listbbs, n.path)
            blob = b"".join(extents)
            img[lst * BB:lst * BB + len(blob)] = blob
            direct = _extent(lst, listbbs, 1)  # ex_offset: how many indirect extents
        else:
            direct = b"".join(extents)
        ino = struct.pack(">HhHHiIIIihBB", kind | (mode & 0o7777), nlink, n.st.st_uid & 0xFFFF,
                          n.st.st_gid & 0xFFFF, len(n.data), int(n.st.st_atime) & 0xFFFFFFFF,
                          int(n.st.st_mtime) & 0xFFFFFFFF, now & 0xFFFFFFFF, 1, len(extents), 0, 0)
        ino += direct.ljust(DIRECT_EXTENTS * 8, b"\0")
        assert len(ino) == INODE_SIZE
        bb = firstcg + n.ino // INODES_PER_BB  # one cylinder group: efs_locate_inode's arithmetic
        at = bb * BB + (n.ino % INODES_PER_BB) * INODE_SIZE
        img[at:at + INODE_SIZE] = ino

    # the bitmap: data bbs not taken are free
    for b in range(next_bb, nbb):
        img[BITMAP_BB * BB + b // 8] |= 0x80 >> (b % 8)
    sb = struct.pack(">iiihhhhhhii6s6siiiiii20s", nbb, firstcg, cgfsize, cgisize, 0, 0, 1, 0, 0, now & 0x7FFFFFFF,
                     SB_MAGIC, b"rumpb", b"rumpb", bmsize, nbb - next_bb,
                     cgisize * INODES_PER_BB - len(nodes) - ROOT_INODE, 0, 0, ROOT_INODE + len(nodes) - 1, b"")
    assert len(sb) == 88
    sb += struct.pack(">I", _sb_checksum(sb))
    img[SB_BB * BB:SB_BB * BB + len(sb)] = sb
    tmp = image + ".tmp"
    with open(tmp, "wb") as f:
        f.write(img)
    os.replace(tmp, image)
