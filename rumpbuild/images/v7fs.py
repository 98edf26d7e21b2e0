"""Write a v7fs image (NetBSD's UNIX 7th Edition file system) holding a host folder.

No Debian package or PyPI library writes v7fs: NetBSD's newfs_v7fs is not
ported, and Linux's sysv driver reads V7 only with a mount.  So this module
writes the format as NetBSD's kernel reads it (sys/fs/v7fs: v7fs.h,
v7fs_superblock.c, v7fs_inode.c, v7fs_datablock.c, v7fs_dirent.c):

  sector 0        boot block (zero)
  sector 1        superblock (struct v7fs_superblock, packed, 424 bytes)
  sectors 2..     ilist: 64-byte inodes, 8 a sector, numbered from 1
                  (1: the bad-block inode, 2: the root folder)
  datablock_start_sector .. volume_size-1: data, then free blocks

Every number is in the image's byte order, which the mount names
(struct v7fs_args.endian): little, big, or pdp (16-bit words little-endian,
32-bit values high word first; 24-bit block addresses as a[0]=bits 16-23,
a[1]=bits 0-7, a[2]=bits 8-15).  An inode's 13 block addresses are 24-bit:
10 direct, then a single, a double (and a triple, not written here)
indirect block of 128 32-bit addresses.

Free blocks are chained as V7 does: the superblock caches up to 50; when the
kernel takes the last one (freeblock[0]) it reads the next table
(struct v7fs_freeblock) from that block and then uses the block for data.
The chain ends with a block total_freeblock does not count, so the kernel
stops (ENOSPC) before it would read it as a table.  Free inodes: up to 100
cached, the rest found by the kernel's scan of the ilist (mode 0 = free).
"""

from __future__ import annotations

import os
import struct
import time

from rumpbuild.errors import UserError, shown
from rumpbuild.images.hosttree import breadth_first, walk

BSIZE = 512
SUPERBLOCK_SECTOR = 1
ILIST_SECTOR = 2
INODE_SIZE = 64
INODES_PER_BLOCK = BSIZE // INODE_SIZE
BADBLOCK_INODE = 1  # "monument": allocated, holds nothing
ROOT_INODE = 2
MAX_FREEBLOCK = 50
MAX_FREEINODE = 100
NAME_MAX = 14
DIRENT_SIZE = 16
NADDR_DIRECT = 10
ADDRS_PER_BLOCK = BSIZE // 4
MIN_SECTORS = 128  # v7fs_superblock_sanity: "smaller than 64KB" is refused
DADDR_MAX = 0x00FFFFFF  # block addresses are 24-bit
INODE_MAX = 0xFFFF
IFDIR = 0o040000
IFREG = 0o100000
# the most blocks a file may have here: direct + single + double indirect
MAX_FILE_BLOCKS = NADDR_DIRECT + ADDRS_PER_BLOCK + ADDRS_PER_BLOCK * ADDRS_PER_BLOCK
ENDIANS = ("little", "big", "pdp")


class Order:
    """How the image stores 16-, 24- and 32-bit numbers (v7fs_endian.c)."""

    def __init__(self, endian: str):
        if endian not in ENDIANS:
            raise UserError(f"unknown v7fs byte order {shown(endian)}", [f"use one of: {', '.join(ENDIANS)}"])
        self.endian = endian
        self.c = ">" if endian == "big" else "<"

    def u16(self, v: int) -> bytes:
        return struct.pack(self.c + "H", v & 0xFFFF)

    def u32(self, v: int) -> bytes:
        if self.endian == "pdp":  # high 16-bit word first, each word little-endian
            return struct.pack("<HH", (v >> 16) & 0xFFFF, v & 0xFFFF)
        return struct.pack(self.c + "I", v & 0xFFFFFFFF)

    def u24(self, v: int) -> bytes:
        if self.endian == "pdp":
            return bytes(((v >> 16) & 0xFF, v & 0xFF, (v >> 8) & 0xFF))
        b = struct.pack("<I", v)[:3]
        return b if self.endian == "little" else b[::-1]


def _blocks(nbytes: int) -> int:
    return (nbytes + BSIZE - 1) // BSIZE


def write_image(image: str, src: str, size: int = 4 << 20, inodes: int = 256, endian: str = "little",
                now: int | None = None) -> None:
    """Write *image* (*size* bytes): a v7fs holding the tree under *src*, in byte order *endian*."""
    order = Order(endian)
    nsect = size // BSIZE
    if nsect < MIN_SECTORS:
        raise UserError(f"a v7fs image must be at least {MIN_SECTORS * BSIZE} bytes (the kernel refuses smaller), "
                        f"not {size}", ["give a larger --size"])
    if nsect > DADDR_MAX:
        raise UserError(f"a v7fs image holds at most {DADDR_MAX} sectors (24-bit block addresses), "
                        f"{size} bytes is {nsect}", ["give a smaller --size"])
    if inodes < 1:
        raise UserError(f"a v7fs image needs at least one inode, not {inodes}", ["give --inodes 64 or more"])
    root = walk(src, "v7fs", NAME_MAX, "rename it (v7fs is the 1979 format: 14-byte names)",
                "this writer puts files and folders only; put links or devices in through the mounted file "
                "system (rump_v7fs)")
    nodes = breadth_first(root)
    ilist_sectors = _blocks((inodes + 1) * INODE_SIZE)  # inode numbers 1..inodes, and MAX_INODE itself unused
    max_inode = ilist_sectors * INODES_PER_BLOCK  # V7FS_MAX_INODE: numbers must stay below it
    if max_inode > INODE_MAX:
        raise UserError(f"v7fs inode numbers are 16-bit: {inodes} inodes is too many", ["give fewer --inodes"])
    if len(nodes) + ROOT_INODE > max_inode:
        raise UserError(f"{shown(src)} holds {len(nodes)} files and folders; {inodes} inodes do not hold them",
                        [f"give --inodes {len(nodes) + 8} or more"])
    dstart = ILIST_SECTOR + ilist_sectors
    if now is None:
        now = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))

    # inode numbers in breadth-first order, root first (2); directories' entries: ".", "..", children
    for i, n in enumerate(nodes):
        n.ino = ROOT_INODE + i
    parent = {root.ino: root.ino}
    for n in nodes:
        for _, c in n.children:
            parent[c.ino] = n.ino
    for n in nodes:
        if n.is_dir:
            ents = [(b".", n.ino), (b"..", parent[n.ino])] + [(name, c.ino) for name, c in n.children]
            n.data = b"".join(order.u16(ino) + name.ljust(NAME_MAX, b"\0") for name, ino in ents)

    img = bytearray(nsect * BSIZE)
    next_block = dstart

    def take() -> int:
        nonlocal next_block
        if next_block >= nsect:
            raise UserError(f"{shown(src)} does not fit in a {size}-byte v7fs image", ["give a larger --size"])
        next_block += 1
        return next_block - 1

    def put_addrs(blk: int, addrs: list[int]) -> None:
        img[blk * BSIZE:blk * BSIZE + 4 * len(addrs)] = b"".join(order.u32(a) for a in addrs)

    inode_bytes: dict[int, bytes] = {}
    for n in nodes:
        nblocks = _blocks(len(n.data))
        if nblocks > MAX_FILE_BLOCKS:
            raise UserError(f"{shown(n.path)} is {len(n.data)} bytes; this writer puts files up to "
                            f"{MAX_FILE_BLOCKS * BSIZE} bytes (double indirect blocks)",
                            ["put larger files in through the mounted file system (rump_v7fs put)"])
        data_blocks = []
        for k in range(nblocks):
            b = take()
            data_blocks.append(b)
            chunk = n.data[k * BSIZE:(k + 1) * BSIZE]
            img[b * BSIZE:b * BSIZE + len(chunk)] = chunk
        addr = data_blocks[:NADDR_DIRECT] + [0] * max(0, NADDR_DIRECT - nblocks)
        rest = data_blocks[NADDR_DIRECT:]
        single, rest = rest[:ADDRS_PER_BLOCK], rest[ADDRS_PER_BLOCK:]
        addr.append(0)
        if single:
            addr[-1] = take()
            put_addrs(addr[-1], single)
        addr.append(0)
        if rest:
            addr[-1] = take()
            firsts = []
            for k in range(0, len(rest), ADDRS_PER_BLOCK):
                firsts.append(take())
                put_addrs(firsts[-1], rest[k:k + ADDRS_PER_BLOCK])
            put_addrs(addr[-1], firsts)
        addr.append(0)  # triple indirect: unused
        if n.is_dir:
            mode, nlink = IFDIR | (n.st.st_mode & 0o7777), 2 + n.nsubdirs
        else:
            mode, nlink = IFREG | (n.st.st_mode & 0o7777), 1
        uid = n.st.st_uid if n.st.st_uid < 0x8000 else 0  # int16 on disk
        gid = n.st.st_gid if n.st.st_gid < 0x8000 else 0
        inode_bytes[n.ino] = _inode(order, mode, nlink, uid, gid, len(n.data), addr,
                                    int(n.st.st_atime), int(n.st.st_mtime), int(n.st.st_ctime))
    # the bad-block inode: allocated (mode != 0) so the kernel's free-inode scan passes it
    inode_bytes[BADBLOCK_INODE] = _inode(order, IFREG, 1, 0, 0, 0, [0] * 13, now, now, now)
    for ino, raw in inode_bytes.items():
        off = ILIST_SECTOR * BSIZE + (ino - 1) * INODE_SIZE
        img[off:off + INODE_SIZE] = raw

    free_blocks = list(range(next_block, nsect))
    free_inodes = list(range(ROOT_INODE + len(nodes), max_inode))
    sb_cache, total_free = _chain_free_blocks(order, img, free_blocks)
    cache_inodes = free_inodes[:MAX_FREEINODE][::-1]  # taken from the top: lowest number first
    sb = (order.u16(dstart) + order.u32(nsect) + order.u16(len(sb_cache))
          + b"".join(order.u32(b) for b in sb_cache + [0] * (MAX_FREEBLOCK - len(sb_cache)))
          + order.u16(len(cache_inodes))
          + b"".join(order.u16(i) for i in cache_inodes + [0] * (MAX_FREEINODE - len(cache_inodes)))
          + bytes(4)  # lock_freeblock, lock_freeinode, modified, readonly
          + order.u32(now) + order.u32(total_free) + order.u16(len(free_inodes)))
    assert len(sb) == 424, len(sb)
    img[SUPERBLOCK_SECTOR * BSIZE:SUPERBLOCK_SECTOR * BSIZE + len(sb)] = sb
    tmp = image + ".tmp"
    with open(tmp, "wb") as f:
        f.write(img)
    os.replace(tmp, image)


def _inode(order: Order, mode: int, nlink: int, uid: int, gid: int, size: int, addr: list[int],
           atime: int, mtime: int, ctime: int) -> bytes:
    """struct v7fs_inode_diskimage: 16-bit mode/nlink/uid/gid, 32-bit size, 13 24-bit addresses, 3 times."""
    raw = (order.u16(mode) + order.u16(nlink) + order.u16(uid) + order.u16(gid) + order.u32(size)
           + b"".join(order.u24(a) for a in addr).ljust(40, b"\0")
           + order.u32(max(atime, 0)) + order.u32(max(mtime, 0)) + order.u32(max(ctime, 0)))
    assert len(raw) == INODE_SIZE
    return raw


def _chain_free_blocks(order: Order, img: bytearray, free: list[int]) -> tuple[list[int], int]:
    """Link *free* into V7's free-block tables; the superblock's cache and total_freeblock.

    Each table is [link, 49 free blocks]: link is the block holding the next
    table (itself free: the kernel reads the table from it, then hands it out).
    The last table's link is the terminal block, which total_freeblock leaves
    out, so the kernel runs out (ENOSPC) before reading it.
    """
    if not free:
        raise UserError("the v7fs image has no free block left", ["give a larger --size"])
    terminal, rest = free[-1], free[:-1]
    tables, i = [], 0
    while True:
        chunk = rest[i:i + MAX_FREEBLOCK - 1]
        i += len(chunk)
        if i < len(rest):
            link = rest[i]
            i += 1
        else:
            link = terminal
        tables.append([link] + chunk[::-1])  # taken from the top: lowest block first
        if link == terminal:
            break
    for k in range(1, len(tables)):  # table k lives in table k-1's link block
        blk = tables[k - 1][0]
        t = tables[k]
        raw = order.u16(len(t)) + b"".join(order.u32(b) for b in t)
        img[blk * BSIZE:blk * BSIZE + len(raw)] = raw
    return tables[0], len(rest)
