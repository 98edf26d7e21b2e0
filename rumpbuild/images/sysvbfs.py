"""Put host files into a SysV boot file system (BFS) image that mkfs.bfs formatted.

util-linux's mkfs.bfs (Debian: util-linux, always installed) formats BFS;
no Debian tool or PyPI library writes files into one without a mount (Linux's
bfs driver).  This module adds them as NetBSD's kernel does (sys/fs/sysvbfs:
bfs.h, bfs.c bfs_file_create), in the host's byte order as the kernel reads it:

  byte 0      struct bfs_super_block: magic 0x1badface, data_start_byte,
              data_end_byte, compaction words, names (512 bytes)
  byte 512..  struct bfs_inode, 64 bytes each, up to data_start_byte
  data        contiguous sectors per file: start_sector..end_sector, its size
              given by eof_offset_byte (the file's last byte, counted from
              the start of the file system)

BFS is flat: the root folder (inode 2) holds struct bfs_dirent entries
(16 bytes: inode, 14-byte name) in its sectors, and no other folders exist.
A new file takes the first free inode slot, numbered slot + 2 (what
bfs_inode_alloc picks), and the sectors after the highest end_sector in use.
"""

from __future__ import annotations

import os
import stat
import struct

from rumpbuild.errors import UserError, shown

BFS_MAGIC = 0x1BADFACE
BSIZE = 512
SUPER_SIZE = 512
INODE_SIZE = 64
DIRENT_SIZE = 16
NAME_MAX = 14
ROOT_INODE = 2
FILE_TYPE = 1  # bfs_fileattr.type of a regular file (bfs_file_create)
INODE_FMT = "<HhIII IIiiIiii 16x"  # struct bfs_inode with its bfs_fileattr (48 bytes)
IFREG = 0o100000


def add_files(image: str, src: str, endian: str = "little") -> list[str]:
    """Write every regular file of folder *src* into the BFS *image*; the names written.

    *image* is as mkfs.bfs writes it, little-endian; *endian* "big" then turns
    every number into big-endian (NetBSD's bfs reads them in the CPU's order).
    """
    if endian not in ("little", "big"):
        raise UserError(f"unknown BFS byte order {shown(endian)}", ["use little or big"])
    with open(image, "rb") as f:
        raw = bytearray(f.read())
    if len(raw) < SUPER_SIZE or struct.unpack_from("<I", raw, 0)[0] != BFS_MAGIC:
        raise UserError(f"{shown(image)} is not a BFS image (no magic 0x1badface at byte 0)",
                        [f"format it first: mkfs.bfs {image}"])
    data_start, data_end = struct.unpack_from("<II", raw, 4)
    if not SUPER_SIZE < data_start <= len(raw) or data_end >= len(raw) + BSIZE:
        raise UserError(f"{shown(image)}: the BFS superblock's data area {data_start}..{data_end} does not fit "
                        f"the {len(raw)}-byte image", [f"format it again: mkfs.bfs {image}"])
    nslots = (data_start - SUPER_SIZE) // INODE_SIZE
    slots = [list(struct.unpack_from(INODE_FMT, raw, SUPER_SIZE + i * INODE_SIZE)) for i in range(nslots)]
    root = next((s for s in slots if s[0] == ROOT_INODE), None)
    if root is None:
        raise UserError(f"{shown(image)}: the BFS image has no root folder (inode 2)",
                        [f"format it again: mkfs.bfs {image}"])
    dir_off, dir_len = root[2] * BSIZE, (root[3] - root[2] + 1) * BSIZE
    names = {bytes(raw[o + 2:o + DIRENT_SIZE]).rstrip(b"\0")
             for o in range(dir_off, dir_off + dir_len, DIRENT_SIZE) if struct.unpack_from("<H", raw, o)[0]}

    if not os.path.isdir(src):
        raise UserError(f"{shown(src)} is not a folder", ["give the folder whose files go into the image"])
    written = []
    for name in sorted(os.listdir(src)):
        full = os.path.join(src, name)
        st = os.lstat(full)
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"{shown(full)} is not a regular file: BFS holds files in its root folder only",
                            ["put only regular files in the folder"])
        bname = os.fsencode(name)
        if len(bname) > NAME_MAX:
            raise UserError(f"{shown(full)}: BFS names hold at most {NAME_MAX} bytes, this one has {len(bname)}",
                            ["rename it"])
        if bname in names:
            raise UserError(f"{shown(image)} already holds {shown(name)}", ["start from a freshly formatted image"])
        with open(full, "rb") as f:
            data = f.read()
        slot = next((i for i, s in enumerate(slots) if s[0] == 0), None)
        if slot is None:
            raise UserError(f"{shown(image)} has no free inode for {shown(name)} ({nslots} in all)",
                            [f"format it with more inodes: mkfs.bfs -N {nslots * 2} {image}"])
        start = max(s[3] for s in slots if s[0]) + 1  # after the highest sector in use (bfs_inode_alloc)
        nsect = max(1, (len(data) + BSIZE - 1) // BSIZE)
        end = start + nsect - 1
        if end * BSIZE >= data_end:  # bfs_file_create's "disk full" test
            raise UserError(f"{shown(name)} ({len(data)} bytes) does not fit in {shown(image)}",
                            ["make a larger image before mkfs.bfs"])
        dirent = next((o for o in range(dir_off, dir_off + dir_len, DIRENT_SIZE)
                       if struct.unpack_from("<H", raw, o)[0] == 0), None)
        if dirent is None:
            raise UserError(f"the root folder of {shown(image)} is full ({dir_len // DIRENT_SIZE} entries)",
                            ["put fewer files in"])
        number = slot + ROOT_INODE
        raw[start * BSIZE:start * BSIZE + len(data)] = data
        slots[slot] = [number, 0, start, end, start * BSIZE + len(data) - 1,
                       FILE_TYPE, IFREG | (st.st_mode & 0o7777), st.st_uid, st.st_gid, 1,
                       int(st.st_atime), int(st.st_mtime), int(st.st_ctime)]
        struct.pack_into(INODE_FMT, raw, SUPER_SIZE + slot * INODE_SIZE, *slots[slot])
        struct.pack_into("<H14s", raw, dirent, number, bname)
        # the root's size covers its last used entry (bfs_writeback_dirent)
        root[4] = max(root[4], dirent + DIRENT_SIZE - 1)
        struct.pack_into(INODE_FMT, raw, SUPER_SIZE + slots.index(root) * INODE_SIZE, *root)
        names.add(bname)
        written.append(name)
    if endian == "big":
        _to_big_endian(raw, nslots, dir_off, dir_len)
    tmp = image + ".tmp"
    with open(tmp, "wb") as f:
        f.write(raw)
    os.replace(tmp, image)
    return written


def _swap(raw: bytearray, off: int, fmt: str) -> None:
    """Rewrite the little-endian fields *fmt* at *off* big-endian."""
    struct.pack_into(">" + fmt, raw, off, *struct.unpack_from("<" + fmt, raw, off))


def _to_big_endian(raw: bytearray, nslots: int, dir_off: int, dir_len: int) -> None:
    """Every number of the superblock, the inode slots and the root's entries, big-endian; names and data stay."""
    _swap(raw, 0, "7I")  # magic, data_start_byte, data_end_byte, the compaction words
    for i in range(nslots):
        _swap(raw, SUPER_SIZE + i * INODE_SIZE, INODE_FMT[1:])
    for off in range(dir_off, dir_off + dir_len, DIRENT_SIZE):
        _swap(raw, off, "H")
