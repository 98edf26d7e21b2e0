"""rumpbuild's image writers for v7fs and sysvbfs (rumpbuild/images), checked against the on-disk formats.

Each image is parsed back here field by field, by a reader written from
NetBSD's kernel (sys/fs/v7fs, sys/fs/sysvbfs) rather than from the writer:
superblock sanity as v7fs_superblock_sanity checks it, inode addresses
(direct, single and double indirect) in each byte order, folders, the
free-block chain walked as v7fs_datablock_allocate walks it, and BFS's
inode slots, sectors and root entries as bfs.c reads them.  Real-tree
tests (RUMPBUILD_NETBSDSRC) mount the images with the tree's own kernel
(`rumpbuild test sysvbfs` / `v7fs`) and round-trip a tree through rump_v7fs.
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
from rumpbuild.images import sysvbfs, v7fs

BSIZE = 512


# ---- an independent v7fs reader ----------------------------------------------------------------

class V7Reader:
    def __init__(self, raw: bytes, endian: str):
        self.raw, self.endian = raw, endian
        self.c = ">" if endian == "big" else "<"
        sb = raw[BSIZE:2 * BSIZE]
        self.dstart = self.u16(sb, 0)
        self.volume_size = self.u32(sb, 2)
        self.nfreeblock = struct.unpack_from(self.c + "h", sb, 6)[0]
        self.freeblock = [self.u32(sb, 8 + 4 * i) for i in range(50)]
        self.nfreeinode = struct.unpack_from(self.c + "h", sb, 208)[0]
        self.freeinode = [self.u16(sb, 210 + 2 * i) for i in range(100)]
        self.flags = sb[410:414]
        self.update_time = struct.unpack_from(self.c + "i", sb, 414)[0]
        if endian == "pdp":
            self.update_time = self.u32(sb, 414)
        self.total_freeblock = self.u32(sb, 418)
        self.total_freeinode = self.u16(sb, 422)
        self.max_inode = (self.dstart - 2) * BSIZE // 64

    def u16(self, b, off):
        return struct.unpack_from(self.c + "H", b, off)[0]

    def u32(self, b, off):
        if self.endian == "pdp":
            hi, lo = struct.unpack_from("<HH", b, off)
            return hi << 16 | lo
        return struct.unpack_from(self.c + "I", b, off)[0]

    def u24(self, b, off):
        a = b[off:off + 3]
        if self.endian == "little":
            return a[0] | a[1] << 8 | a[2] << 16
        if self.endian == "big":
            return a[0] << 16 | a[1] << 8 | a[2]
        return a[0] << 16 | a[1] | a[2] << 8  # val24_pdp_read

    def block(self, n):
        assert self.dstart <= n < self.volume_size, n  # datablock_number_sanity
        return self.raw[n * BSIZE:(n + 1) * BSIZE]

    def inode(self, ino):
        assert 2 <= ino < self.max_inode or ino == 1, ino
        off = 2 * BSIZE + (ino - 1) * 64
        d = self.raw[off:off + 64]
        return {"mode": self.u16(d, 0), "nlink": self.u16(d, 2), "uid": self.u16(d, 4), "gid": self.u16(d, 6),
                "size": self.u32(d, 8), "addr": [self.u24(d, 12 + 3 * i) for i in range(13)],
                "mtime": self.u32(d, 56)}

    def blocks_of(self, ino):
        i = self.inode(ino)
        n = (i["size"] + BSIZE - 1) // BSIZE
        out = [a for a in i["addr"][:10]][:n]
        if n > 10:
            idx = self.block(i["addr"][10])
            out += [self.u32(idx, 4 * k) for k in range(min(128, n - 10))]
        if n > 138:
            idx2 = self.block(i["addr"][11])
            left = n - 138
            for k in range((left + 127) // 128):
                idx = self.block(self.u32(idx2, 4 * k))
                out += [self.u32(idx, 4 * j) for j in range(min(128, left - 128 * k))]
        return out, i

    def read(self, ino):
        blocks, i = self.blocks_of(ino)
        return b"".join(self.block(b) for b in blocks)[:i["size"]]

    def entries(self, ino):
        data = self.read(ino)
        assert len(data) % 16 == 0
        return [(data[k + 2:k + 16].rstrip(b"\0").decode(), self.u16(data, k)) for k in range(0, len(data), 16)]

    def tree(self, ino=2, prefix=""):
        """path -> bytes for files, path -> None for folders; checks . and .. on the way."""
        out = {}
        ents = self.entries(ino)
        assert ents[0] == (".", ino)
        for name, child in ents[2:]:
            if self.inode(child)["mode"] & 0o170000 == 0o040000:
                assert self.entries(child)[1] == ("..", ino)
                out[prefix + name] = None
                out.update(self.tree(child, prefix + name + "/"))
            else:
                assert self.inode(child)["mode"] & 0o170000 == 0o100000
                out[prefix + name] = self.read(child)
        return out

    def used_blocks(self, ino=2):
        blocks, i = self.blocks_of(ino)
        used = set(blocks) | {a for a in i["addr"][10:12] if a}
        if len(blocks) > 138:
            idx2 = self.block(i["addr"][11])
            used |= {self.u32(idx2, 4 * k) for k in range((len(blocks) - 138 + 127) // 128)}
        if i["mode"] & 0o170000 == 0o040000:
            for _, child in self.entries(ino)[2:]:
                used |= self.used_blocks(child)
        return used

    def allocate_all(self):
        """Every block v7fs_datablock_allocate hands out, until total_freeblock is 0."""
        cache, n, total, out = list(self.freeblock), self.nfreeblock, self.total_freeblock, []
        while total:
            n -= 1
            blk = cache[n]
            total -= 1
            if n == 0:  # v7fs_freeblock_update: the next table lives in this block
                t = self.block(blk)
                n = struct.unpack_from(self.c + "h", t, 0)[0]
                assert 1 <= n <= 50, (blk, n)
                cache = [self.u32(t, 2 + 4 * i) for i in range(50)]
            assert self.dstart <= blk < self.volume_size, blk
            out.append(blk)
        return out


def _tree(tmp_path):
    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "empty").write_bytes(b"")
    (src / "one").write_bytes(b"1")
    (src / "tenblocks").write_bytes(os.urandom(10 * BSIZE))  # all direct
    (src / "single").write_bytes(os.urandom(10 * BSIZE + 1))  # first single-indirect block
    (src / "sub" / "double").write_bytes(os.urandom(150 * BSIZE + 7))  # double indirect
    (src / "sub" / "deeper" / "HELLO.TXT").write_text("hello\n")
    (src / "sub" / "a b").write_text("spaced\n")
    return src


def _host_tree(src):
    """{relative path: None for a folder, bytes for a file, ("link", target) for a symbolic link}."""
    out = {}
    for dirpath, dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        for d in dirs:
            out[os.path.normpath(os.path.join(rel, d))] = None
        for f in files:
            p = os.path.join(dirpath, f)
            key = os.path.normpath(os.path.join(rel, f))
            out[key] = ("link", os.fsencode(os.readlink(p))) if os.path.islink(p) else open(p, "rb").read()
    return out


@pytest.mark.parametrize("endian", ["little", "big", "pdp"])
def test_v7fs_image_reads_back_field_by_field(tmp_path, endian):
    src = _tree(tmp_path)
    img = tmp_path / "v7.img"
    v7fs.write_image(str(img), str(src), size=1 << 20, inodes=64, endian=endian, now=1234567)
    raw = img.read_bytes()
    assert len(raw) == 1 << 20 and raw[:BSIZE] == bytes(BSIZE)  # the boot block stays empty
    r = V7Reader(raw, endian)
    # v7fs_superblock_sanity
    assert r.volume_size == 2048 and r.dstart == 2 + 9  # 65 inode slots: 9 ilist sectors
    assert 0 < r.nfreeblock <= 50 and 0 < r.nfreeinode <= 100 and r.update_time == 1234567
    assert r.flags == bytes(4) and r.total_freeblock <= r.volume_size
    assert r.tree() == _host_tree(src)
    root = r.inode(2)
    assert root["mode"] == 0o040000 | (os.stat(src).st_mode & 0o7777) and root["nlink"] == 3  # ., .., sub
    assert r.inode(1)["mode"] != 0  # the bad-block inode is allocated: the free-inode scan skips it
    # inodes: 2 (root) .. 2+10 used; the cache hands out the lowest free number first, every one free
    used_inodes = 10
    cached = r.freeinode[:r.nfreeinode]
    assert cached[-1] == 2 + used_inodes and all(r.inode(i)["mode"] == 0 and 2 <= i < r.max_inode for i in cached)
    assert r.total_freeinode == r.max_inode - 2 - used_inodes
    # the free chain: each block handed out once, none in use, all the rest but the terminal one
    handed = r.allocate_all()
    used = r.used_blocks()
    assert len(handed) == len(set(handed)) == r.total_freeblock
    assert not set(handed) & used
    assert len(used) + len(handed) + 1 == r.volume_size - r.dstart  # + the chain's terminal block


def test_v7fs_pdp_byte_order_is_the_kernels(tmp_path):
    """val24_pdp_write / bswap32pdp: 0x0A0B0C as 0A 0C 0B, 0x0A0B0C0D as 0B 0A 0D 0C."""
    o = v7fs.Order("pdp")
    assert o.u24(0x0A0B0C) == bytes([0x0A, 0x0C, 0x0B])
    assert o.u32(0x0A0B0C0D) == bytes([0x0B, 0x0A, 0x0D, 0x0C])
    assert v7fs.Order("big").u24(0x0A0B0C) == bytes([0x0A, 0x0B, 0x0C])
    assert v7fs.Order("little").u24(0x0A0B0C) == bytes([0x0C, 0x0B, 0x0A])


def test_v7fs_full_chain_ends_with_enospc_not_a_bogus_table(tmp_path):
    """A nearly full image: the last table's link is never handed out (total_freeblock stops first)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_bytes(os.urandom(100 * BSIZE))
    img = tmp_path / "v7.img"
    v7fs.write_image(str(img), str(src), size=128 * BSIZE, inodes=8)
    r = V7Reader(img.read_bytes(), "little")
    assert r.tree() == {"f": (src / "f").read_bytes()}
    handed = r.allocate_all()
    assert len(handed) == r.total_freeblock == 128 - r.dstart - len(r.used_blocks()) - 1


@pytest.mark.parametrize("make, message", [
    (lambda s: (s / ("x" * 15)).write_text("a"), "at most 14 bytes"),
    (lambda s: os.symlink("target", s / "link"), "neither a regular file nor a folder"),
    (lambda s: (s / "big").write_bytes(bytes(v7fs.MAX_FILE_BLOCKS * BSIZE + 1)), "files up to"),
])
def test_v7fs_bad_input_is_one_clear_error(tmp_path, make, message):
    src = tmp_path / "src"
    src.mkdir()
    make(src)
    with pytest.raises(UserError, match=message):
        v7fs.write_image(str(tmp_path / "v7.img"), str(src), size=16 << 20)
    assert not (tmp_path / "v7.img").exists()


def test_v7fs_size_and_inode_limits(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(7):  # with the root, 8 inodes: one ilist sector holds numbers 1..7 (8 is V7FS_MAX_INODE)
        (src / f"f{i}").write_text("x")
    with pytest.raises(UserError, match="at least 65536 bytes"):
        v7fs.write_image(str(tmp_path / "a.img"), str(src), size=64 * BSIZE)
    with pytest.raises(UserError, match="inodes do not hold them"):
        v7fs.write_image(str(tmp_path / "a.img"), str(src), inodes=4)
    (src / "big").write_bytes(os.urandom(200 * BSIZE))
    with pytest.raises(UserError, match="does not fit"):
        v7fs.write_image(str(tmp_path / "a.img"), str(src), size=128 * BSIZE)
    with pytest.raises(UserError, match="at least one inode"):
        v7fs.write_image(str(tmp_path / "a.img"), str(src), inodes=0)
    with pytest.raises(UserError, match="unknown v7fs byte order"):
        v7fs.write_image(str(tmp_path / "a.img"), str(src), endian="middle")


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), *sys.path]))
    return subprocess.run([sys.executable, "-m", "rumpbuild.images", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def test_cli_writes_and_refuses_with_exit_1(tmp_path):
    src = _tree(tmp_path)
    ok = _cli("v7fs", "--size", "2m", tmp_path / "a.img", src, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert V7Reader((tmp_path / "a.img").read_bytes(), "little").volume_size == 4096
    bad = _cli("v7fs", tmp_path / "b.img", tmp_path / "missing", cwd=tmp_path)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "missing" in bad.stderr, bad.stderr
    nobfs = _cli("sysvbfs", tmp_path / "a.img", src, cwd=tmp_path)
    assert nobfs.returncode == 1 and "is not a BFS image" in nobfs.stderr and "mkfs.bfs" in nobfs.stderr


# ---- sysvbfs ------------------------------------------------------------------------------------

needs_mkfs_bfs = pytest.mark.skipif(not shutil.which("mkfs.bfs"), reason="mkfs.bfs (util-linux) is not installed")
INODE_FMT = "<HhIII IIiiIiii 16x"


def _bfs(tmp_path, size=1 << 20, inodes=16):
    img = tmp_path / "b.img"
    with open(img, "wb") as f:
        f.truncate(size)
    subprocess.run(["mkfs.bfs", "-N", str(inodes), str(img)], check=True, capture_output=True)
    return img


def _read_bfs(raw: bytes, order: str = "<"):
    """bfs_init2: superblock, inode slots up to data_start, the root's entries; name -> (inode, data)."""
    magic, data_start, data_end = struct.unpack_from(order + "III", raw, 0)
    assert magic == 0x1BADFACE
    fmt = order + INODE_FMT[1:]
    slots = [struct.unpack_from(fmt, raw, 512 + 64 * i) for i in range((data_start - 512) // 64)]
    by_number = {s[0]: s for s in slots if s[0]}
    root = by_number[2]
    entries = {}
    for off in range(root[2] * BSIZE, (root[3] + 1) * BSIZE, 16):
        number, name = struct.unpack_from(order + "H14s", raw, off)
        if number:
            ino = by_number[number]
            size = ino[4] - ino[2] * BSIZE + 1  # bfs_file_size
            entries[name.rstrip(b"\0").decode()] = (ino, raw[ino[2] * BSIZE:ino[2] * BSIZE + size])
    return slots, root, entries, data_end


@needs_mkfs_bfs
def test_sysvbfs_files_read_back_as_bfs_c_reads_them(tmp_path):
    img = _bfs(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "HELLO.TXT").write_text("hello\n")
    (src / "empty").write_bytes(b"")
    (src / "blocks").write_bytes(os.urandom(3 * BSIZE + 5))
    assert sysvbfs.add_files(str(img), str(src)) == ["HELLO.TXT", "blocks", "empty"]
    slots, root, entries, _end = _read_bfs(img.read_bytes())
    assert {n: d for n, (_, d) in entries.items() if n not in (".", "..")} == \
        {p.name: p.read_bytes() for p in src.iterdir()}
    # bfs_inode_alloc: slot k holds number k + 2; each file starts after the highest sector in use
    assert [s[0] for s in slots[:4]] == [2, 3, 4, 5]
    hello, blocks, empty = (entries[n][0] for n in ("HELLO.TXT", "blocks", "empty"))
    assert hello[2] == root[3] + 1 and blocks[2] == hello[3] + 1 and blocks[3] == blocks[2] + 3
    assert empty[2] == empty[3] == blocks[3] + 1 and empty[4] == empty[2] * BSIZE - 1  # size 0
    assert hello[5] == 1 and hello[6] & 0o777 == (src / "HELLO.TXT").stat().st_mode & 0o777 and hello[9] == 1
    # the root's size covers its last used entry (bfs_writeback_dirent): ., .., and three files
    assert root[4] == root[2] * BSIZE + 5 * 16 - 1


@needs_mkfs_bfs
def test_sysvbfs_big_endian_swaps_every_number_and_nothing_else(tmp_path):
    """NetBSD's bfs reads the CPU's byte order: for a big-endian target every field is swapped."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "HELLO.TXT").write_text("hello\n")
    (src / "data").write_bytes(os.urandom(700))
    little = _bfs(tmp_path)
    big = tmp_path / "big.img"
    shutil.copyfile(little, big)
    sysvbfs.add_files(str(little), str(src))
    sysvbfs.add_files(str(big), str(src), endian="big")
    le, be = _read_bfs(little.read_bytes()), _read_bfs(big.read_bytes(), ">")
    assert le[0] == be[0] and le[1] == be[1] and le[3] == be[3]  # the same inodes, root and data_end
    files = {n: e for n, e in be[2].items() if n not in (".", "..")}  # (the root's own data: its entries)
    assert files == {n: e for n, e in le[2].items() if n not in (".", "..")}
    assert set(be[2]) == {".", "..", "HELLO.TXT", "data"} and files["data"][1] == (src / "data").read_bytes()
    assert big.read_bytes()[:4] == bytes.fromhex("1badface")
    assert big.read_bytes()[12:32] == little.read_bytes()[12:32]  # fsname, volume and the rest untouched
    with pytest.raises(UserError, match="unknown BFS byte order"):
        sysvbfs.add_files(str(little), str(src), endian="pdp")


@needs_mkfs_bfs
@pytest.mark.parametrize("make, message", [
    (lambda s: (s / "sub").mkdir(), "BFS holds files in its root folder only"),
    (lambda s: (s / ("n" * 15)).write_text("a"), "at most 14 bytes"),
    (lambda s: (s / "big").write_bytes(bytes(2 << 20)), "does not fit"),
    (lambda s: [(s / f"f{i}").write_text("a") for i in range(20)], "no free inode"),
])
def test_sysvbfs_bad_input_is_one_clear_error(tmp_path, make, message):
    img = _bfs(tmp_path)
    before = img.read_bytes()
    src = tmp_path / "src"
    src.mkdir()
    make(src)
    with pytest.raises(UserError, match=message):
        sysvbfs.add_files(str(img), str(src))
    assert img.read_bytes() == before  # nothing half-written


@needs_mkfs_bfs
def test_sysvbfs_refuses_a_name_twice(tmp_path):
    img = _bfs(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "A").write_text("a")
    sysvbfs.add_files(str(img), str(src))
    with pytest.raises(UserError, match="already holds 'A'"):
        sysvbfs.add_files(str(img), str(src))


@pytest.mark.parametrize("recipe", ["v7fs", pytest.param("bfs", marks=needs_mkfs_bfs)])
def test_smoke_recipes_make_images_holding_hello(tmp_path, monkeypatch, recipe):
    """images.toml's recipes run the writers ({python}) and put the smoke test's HELLO.TXT in."""
    from rumpbuild.smoke.runner import KNOWN_TEXT, make_image

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.getcwd(), *sys.path]))
    raw = open(make_image(recipe, str(tmp_path)), "rb").read()
    if recipe == "v7fs":
        assert V7Reader(raw, "little").tree() == {"HELLO.TXT": KNOWN_TEXT.encode()}
    else:
        assert _read_bfs(raw)[2]["HELLO.TXT"][1] == KNOWN_TEXT.encode()


def test_lfs_has_facts_and_a_precise_skip(tmp_path):
    """lfs: the facts exist (the mount arguments compile: tests/test_realtree_smoke.py), no image recipe,
    and ci's skip names the missing host tool."""
    from rumpbuild.smoke.runner import fs_facts

    facts = fs_facts("lfs")
    assert facts["struct"] == "ulfs_args" and not facts["image"]
    assert "no host tool writes an LFS image" in facts["no_image"]


def test_no_image_is_cis_skip_reason_and_tests_refusal(tmp_path, example_tree, monkeypatch, run_cli):
    """A fact with no_image (lfs) is a ci SKIP with that reason; `rumpbuild test` says it and how to go on."""
    import argparse

    from rumpbuild.ci.matrix import smoke_skip_reason
    from rumpbuild.session import BuildSession
    from rumpbuild.smoke import runner

    real = runner.fs_facts
    lfs_like = {k: v for k, v in real("lfs").items()}
    monkeypatch.setattr(runner, "fs_facts", lambda name: lfs_like if name == "tmpfs" else real(name))
    session = BuildSession.from_args(argparse.Namespace(src=str(example_tree), arch="amd64", toolchain="zig",
                                                        out=str(tmp_path / "out")))
    try:
        reason = smoke_skip_reason(session, session.find_component("tmpfs"))
    finally:
        session.lock.release()
    assert reason == "tmpfs's test has no image: " + real("lfs")["no_image"]
    status, _out, err = run_cli("test", "tmpfs", "--out", tmp_path / "out", "-q")
    assert status == 1 and "has no image: no host tool writes an LFS image" in err and "--image FILE" in err
    assert "Traceback" not in err


# ---- real tree: the tree's own kernel mounts the images -----------------------------------------

@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("sysv-v7")


@pytest.mark.live
@pytest.mark.parametrize("fs", ["sysvbfs", "v7fs"])
def test_realtree_smoke_test_mounts_the_written_image(run_cli, real_tree, out, fs, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.getcwd(), *sys.path]))
    status, stdout, err = run_cli("test", fs, "--src", real_tree, "--arch", "amd64", "--toolchain", "gcc",
                                  "--out", out, "-j2", "-q", "--json", "--shared", "no")
    assert "Traceback" not in err
    steps = {s["name"]: (s["status"], s["detail"]) for s in json.loads(stdout)["steps"]}
    assert status == 0, steps
    for name in ("mount", "read", "write", "readback", "unmount", "hostimage"):
        assert steps[name][0] == "PASS", (name, steps[name])
    assert "content as expected" in steps["read"][1]


@pytest.mark.live
def test_realtree_rump_v7fs_round_trips_a_tree(run_cli, real_tree, out, tmp_path):
    status, _o, err = run_cli("util", "v7fs", "--src", real_tree, "--arch", "amd64", "--toolchain", "gcc",
                              "--out", out, "-j2", "-q")
    assert status == 0, err
    exe = str(out / "bin" / "rump_v7fs")
    src = _tree(tmp_path)
    (src / "sub" / "big").write_bytes(os.urandom(3 << 20))  # double indirect blocks the kernel allocates
    empty = tmp_path / "empty"
    empty.mkdir()
    img = tmp_path / "v7.img"
    v7fs.write_image(str(img), str(empty), size=16 << 20)

    def rump(*args):
        p = subprocess.run([exe, str(img), *map(str, args)], capture_output=True, text=True, timeout=300,
                           cwd=tmp_path)
        assert p.returncode == 0, (args, p.stderr)
        return p

    rump("put", "-r", src, "/d")
    rump("get", "-r", "/d", tmp_path / "back")
    assert _host_tree(tmp_path / "back") == _host_tree(src)
    # and the kernel's writes parse back with the reader above
    assert {k.removeprefix("d/"): v for k, v in V7Reader(img.read_bytes(), "little").tree().items()
            if k != "d"} == _host_tree(src)
