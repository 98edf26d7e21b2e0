"""rumpbuild's EFS writer (rumpbuild/images/efs.py), checked against the on-disk format.

Each image is parsed back here by a reader written from NetBSD's kernel
(sys/fs/efs) rather than from the writer: efs_sb_validate's checks and both
checksums, efs_locate_inode's arithmetic, extents as efs_dextent_to_extent
unpacks them (direct, and indirect as efs_extent_iterator_init walks them),
directory blocks as efs_dirblk_lookup and efs_readdir read them.  Real-tree
tests (RUMPBUILD_NETBSDSRC) mount the images with the tree's own efs
(`rumpbuild test efs`, also evbarm under qemu-arm) and read a tree back
through rump_efs.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys

import pytest

from rumpbuild.errors import UserError
from rumpbuild.images import efs
from test_images_sysv_v7 import _cli, _host_tree  # the writers' command line; a host folder as a dict

BB = 512


# ---- an independent EFS reader -------------------------------------------------------------------

def _checksum(sb: bytes, new: bool) -> int:
    """efs_sb_checksum: xor each big-endian 16-bit word in, then shift left (new: rotate the sign in)."""
    c = 0
    for (w,) in struct.iter_unpack(">H", sb[:88]):
        c ^= w
        c = ((c << 1) | (1 if new and c & 0x80000000 else 0)) & 0xFFFFFFFF
    return c


class EfsReader:
    def __init__(self, raw: bytes):
        self.raw = raw
        sb = raw[BB:BB + 92]
        (self.size, self.firstcg, self.cgfsize, self.cgisize, _sectors, _heads, self.ncg, self.dirty, _pad,
         _time, self.magic) = struct.unpack_from(">iiihhhhhhii", sb)
        self.bmsize, self.tfree, self.tinode, self.bmblock, self.replsb, self.lastinode = \
            struct.unpack_from(">iiiiii", sb, 44)
        (self.checksum,) = struct.unpack_from(">I", sb, 88)
        # efs_sb_validate
        assert self.magic in (0x00072959, 0x0007295A), hex(self.magic)
        assert self.checksum in (_checksum(sb, False), _checksum(sb, True))
        assert self.size <= 0x01000000 and self.firstcg > 2
        assert self.cgfsize and self.cgisize and self.ncg and self.bmsize
        assert self.dirty == 0 and self.replsb == 0
        assert len(raw) >= self.size * BB  # "ensure we can read last block"

    def inode(self, ino: int) -> dict:
        per_cg = self.cgisize * 4
        bb = self.firstcg + (ino // per_cg) * self.cgfsize + (ino % per_cg) // 4  # efs_locate_inode
        at = bb * BB + (ino & 3) * 128
        (mode, nlink, uid, gid, size, atime, mtime, ctime, gen, numext, version, _spare) = \
            struct.unpack_from(">HhHHiIIIihBB", self.raw, at)
        ext = [self._extent(self.raw[at + 32 + 8 * i:at + 40 + 8 * i]) for i in range(12)]
        return dict(mode=mode, nlink=nlink, size=size, mtime=mtime, numext=numext, version=version, ext=ext)

    @staticmethod
    def _extent(d: bytes) -> tuple[int, int, int, int]:
        w0, w1 = struct.unpack(">II", d)
        return d[0], w0 & 0xFFFFFF, d[4], w1 & 0xFFFFFF  # magic, bn, length, offset

    def extents(self, ino: dict) -> list[tuple[int, int, int]]:
        if ino["numext"] <= 12:
            direct = ino["ext"][:ino["numext"]]
        else:  # indirect: extents[0..n-1] point at bbs of extents; extents[0].offset is n
            nind = ino["ext"][0][3]
            assert 1 <= nind < 12
            direct = []
            for magic, bn, length, _ in ino["ext"][:nind]:
                assert magic == 0
                for i in range(length * 64):
                    if len(direct) == ino["numext"]:
                        break
                    direct.append(self._extent(self.raw[(bn * BB) + 8 * i:(bn * BB) + 8 * i + 8]))
        out, logical = [], 0
        for magic, bn, length, offset in direct:
            assert magic == 0 and 0 < length <= 248 and offset == logical, (magic, length, offset, logical)
            assert self.firstcg <= bn and bn + length <= self.size
            out.append((bn, length, offset))
            logical += length
        return out

    def data(self, ino: dict) -> bytes:
        blob = b"".join(self.raw[bn * BB:(bn + length) * BB] for bn, length, _ in self.extents(ino))
        assert len(blob) >= ino["size"]
        return blob[:ino["size"]]

    def entries(self, ino: dict) -> list[tuple[bytes, int]]:
        """efs_readdir: each dirblk's slots in order; an entry at (offset << 1) from the block's start."""
        out = []
        blob = self.data(ino)
        assert len(blob) % BB == 0
        for b in range(0, len(blob), BB):
            blk = blob[b:b + BB]
            magic, firstused, slots = struct.unpack_from(">HBB", blk)
            assert magic == 0xBEEF and slots <= (BB - 4) // 7
            assert 4 + slots <= firstused << 1  # the offsets array stays below the entries
            for j in range(slots):
                off = blk[4 + j] << 1
                assert off and off < BB - 4 and off >= firstused << 1  # EFS_DIRENT_OFF_VALID
                ino_no, namelen = struct.unpack_from(">IB", blk, off)
                out.append((blk[off + 5:off + 5 + namelen], ino_no))
        return out

    def tree(self, ino_no: int = 2, prefix: str = "") -> dict:
        out = {}
        ino = self.inode(ino_no)
        assert ino["mode"] & 0o170000 == 0o040000
        names = self.entries(ino)
        assert names[0] == (b".", ino_no) and names[1][0] == b".."
        subdirs = 0
        for name, child in names[2:]:
            path = prefix + os.fsdecode(name)
            c = self.inode(child)
            kind = c["mode"] & 0o170000
            if kind == 0o040000:
                subdirs += 1
                out[path] = None
                assert self.entries(c)[1] == (b"..", ino_no)
                out.update(self.tree(child, path + "/"))
            elif kind == 0o120000:
                out[path] = ("link", self.data(c))
            else:
                assert kind == 0o100000 and c["nlink"] == 1
                out[path] = self.data(c)
        assert ino["nlink"] == 2 + subdirs
        return out


# ---- the writer --------------------------------------------------------------------------------

def _tree(tmp_path):
    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "empty").write_bytes(b"")
    (src / "one").write_bytes(b"1")
    (src / "direct").write_bytes(os.urandom(12 * 248 * BB))  # twelve extents: all in the inode
    (src / "indirect").write_bytes(os.urandom(12 * 248 * BB + 1))  # thirteen: the list in a bb of its own
    (src / "sub" / "deeper" / "HELLO.TXT").write_text("hello\n")
    (src / "sub" / "a b").write_text("spaced\n")
    (src / "grüße").write_text("utf-8\n")
    for i in range(100):  # more entries than one directory block holds
        (src / "sub" / f"file-with-a-longer-name-{i:03}").write_bytes(b"%d" % i)
    os.symlink("sub/deeper/HELLO.TXT", src / "link")
    return src


def test_efs_image_reads_back_as_the_kernel_reads_it(tmp_path):
    src = _tree(tmp_path)
    img = tmp_path / "efs.img"
    efs.write_image(str(img), str(src), size=8 << 20)
    r = EfsReader(img.read_bytes())
    assert r.size == 8 << 11 and r.ncg == 1 and r.firstcg + r.cgfsize == r.size
    assert r.tree() == _host_tree(src)
    root = r.inode(2)
    indirect = r.inode(next(i for n, i in r.entries(root) if n == b"indirect"))
    direct = r.inode(next(i for n, i in r.entries(root) if n == b"direct"))
    assert direct["numext"] == 12 and indirect["numext"] == 13 and indirect["ext"][0][3] == 1
    sub = r.inode(next(i for n, i in r.entries(root) if n == b"sub"))
    assert sub["size"] > BB  # several directory blocks
    # the free count and bitmap agree (bit set: free)
    free = sum(bin(b).count("1") for b in img.read_bytes()[2 * BB:2 * BB + r.bmsize])
    assert free == r.tfree > 0


def test_efs_sizes_limits_and_bad_input(tmp_path):
    src = _tree(tmp_path)
    with pytest.raises(UserError, match="does not fit in a 1048576-byte EFS image"):
        efs.write_image(str(tmp_path / "small.img"), str(src), size=1 << 20)
    assert not (tmp_path / "small.img").exists() and not (tmp_path / "small.img.tmp").exists()
    with pytest.raises(UserError, match="at least 32768 bytes"):
        efs.write_image(str(tmp_path / "a.img"), str(src), size=4096)
    with pytest.raises(UserError, match="is not a folder"):
        efs.write_image(str(tmp_path / "a.img"), str(tmp_path / "missing"))
    odd = tmp_path / "odd"
    odd.mkdir()
    os.mkfifo(odd / "pipe")
    with pytest.raises(UserError, match="neither a regular file, a folder nor a symbolic link"):
        efs.write_image(str(tmp_path / "a.img"), str(odd))
    long = tmp_path / "long"
    long.mkdir()
    (long / ("x" * 200)).write_text("ok")  # EFS allows 255; the host's 255 is the same limit
    efs.write_image(str(tmp_path / "long.img"), str(long), size=1 << 20)
    assert EfsReader((tmp_path / "long.img").read_bytes()).tree() == {"x" * 200: b"ok"}


def test_cli_writes_and_refuses_with_exit_1(tmp_path):
    src = tmp_path / "s"
    src.mkdir()
    (src / "HELLO.TXT").write_text("hi\n")
    ok = _cli("efs", "--size", "1m", tmp_path / "a.img", src, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert EfsReader((tmp_path / "a.img").read_bytes()).tree() == {"HELLO.TXT": b"hi\n"}
    bad = _cli("efs", "--size", "1k", tmp_path / "b.img", src, cwd=tmp_path)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "--size" in bad.stderr, bad.stderr
    assert len(bad.stderr.strip().splitlines()) <= 3 and not (tmp_path / "b.img").exists()


def test_smoke_recipe_makes_an_image_holding_hello(tmp_path, monkeypatch):
    from rumpbuild.smoke.runner import KNOWN_TEXT, fs_facts, make_image

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.getcwd(), *sys.path]))
    assert fs_facts("efs")["image"] == "efs" and not fs_facts("efs").get("no_image")
    raw = open(make_image("efs", str(tmp_path)), "rb").read()
    assert EfsReader(raw).tree() == {"HELLO.TXT": KNOWN_TEXT.encode()}


# ---- real tree: the tree's own efs mounts the images --------------------------------------------

@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("efs")


@pytest.mark.live
@pytest.mark.parametrize("arch,toolchain", [("amd64", "gcc"), ("evbarm", "zig")])
def test_realtree_smoke_test_mounts_the_written_image(run_cli, real_tree, tmp_path_factory, arch, toolchain,
                                                      monkeypatch):
    from rumpbuild.arch import resolve

    if arch != "amd64" and not shutil.which(resolve(arch).qemu):
        pytest.skip(f"needs {resolve(arch).qemu}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.getcwd(), *sys.path]))
    status, stdout, err = run_cli("test", "efs", "--src", real_tree, "--arch", arch, "--toolchain", toolchain,
                                  "--out", tmp_path_factory.mktemp(f"efs-{arch}"), "-j2", "-q", "--json",
                                  "--shared", "no")
    assert "Traceback" not in err
    steps = {s["name"]: (s["status"], s["detail"]) for s in json.loads(stdout)["steps"]}
    assert status == 0, steps
    assert steps["mount"][0] == steps["read"][0] == "PASS" and "content as expected" in steps["read"][1]
    assert "Read-only file system" in steps["write"][1]


@pytest.mark.live
def test_realtree_rump_efs_reads_the_tree_back(run_cli, real_tree, out, tmp_path):
    status, _o, err = run_cli("util", "efs", "--src", real_tree, "--arch", "amd64", "--toolchain", "gcc",
                              "--out", out, "-j2", "-q")
    assert status == 0, err
    exe = str(out / "bin" / "rump_efs")
    src = _tree(tmp_path)
    (src / "sub" / "big").write_bytes(os.urandom(5 << 20))  # 43 extents, listed in an indirect bb
    img = tmp_path / "efs.img"
    efs.write_image(str(img), str(src), size=16 << 20)

    def rump(*args, ok=True):
        p = subprocess.run([exe, str(img), *map(str, args)], capture_output=True, text=True, timeout=300,
                           cwd=tmp_path)
        assert (p.returncode == 0) == ok, (args, p.stderr)
        return p

    rump("get", "-r", "/", tmp_path / "back")
    assert _host_tree(tmp_path / "back") == _host_tree(src)
    assert rump("cat", "/link").stdout == "hello\n"
    ls = rump("ls", "/sub").stdout.split("\n")
    assert len([n for n in ls if n.startswith("file-with-a-longer-name-")]) == 100
    before = img.read_bytes()
    err1 = rump("mkdir", "/x", ok=False).stderr
    assert "Read-only file system" in err1 and len(err1.strip().splitlines()) == 1
    assert img.read_bytes() == before
