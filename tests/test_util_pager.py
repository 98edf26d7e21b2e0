"""rump_<fs>'s pager windows (rumpbuild/util/rbu_pager.c, linked with --wrap).

Which trees get them (own_pager: the real tree's vm.c copies pages into
windows, the example tree has no such vm.c), that the kernel's callers
reach the replacement in the linked program (and rbu_bio.c its readv
helper), and that files read through
it are byte for byte what was written: holes, a tail in the middle of a
page, pages already valid next to fresh ones, 1 KiB and 4 KiB blocks, by
`get` and through FUSE in both thread modes.  Real-tree tests need
RUMPBUILD_NETBSDSRC (RUMPBUILD_UTIL_OUT names an output folder to reuse).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rumpbuild.tree.locate import find_tree
from rumpbuild.util.build import PAGER_CALLS, own_pager

pytestmark = pytest.mark.live  # runs real compilers


def test_only_trees_whose_vm_copies_pages_get_the_pager(real_tree, example_tree, tmp_path):
    assert own_pager(find_tree(real_tree))
    assert not own_pager(find_tree(example_tree))
    # a tree whose genfs_getpages may leave a PG_FAKE page unfilled keeps vm.c's windows
    sys_dir = tmp_path / "sys"
    for rel in ("rump/librump/rumpkern/vm.c", "miscfs/genfs/genfs_io.c", "rump/Makefile.rump"):
        (sys_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real_tree / "sys" / rel, sys_dir / rel)
    tree = find_tree(tmp_path)
    assert own_pager(tree)
    genfs = sys_dir / "miscfs/genfs/genfs_io.c"
    genfs.write_text(genfs.read_text().replace("while ((pgs[pidx]->flags & PG_FAKE) == 0)", "while (0)"))
    assert not own_pager(tree)


@pytest.fixture(scope="module")
def rump_ext2fs(real_tree, tmp_path_factory):
    out = os.environ.get("RUMPBUILD_UTIL_OUT") or str(tmp_path_factory.mktemp("real"))
    env = dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))
    p = subprocess.run([sys.executable, "-m", "rumpbuild", "util", "ext2fs", "--src", str(real_tree), "--out", out,
                        "-q", "--json"], capture_output=True, text=True, env=env, cwd=out)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout)


def test_the_kernels_calls_reach_the_replacement(rump_ext2fs):
    if not shutil.which("objdump"):
        pytest.skip("needs objdump")
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", rump_ext2fs["program"]], capture_output=True,
                         text=True, check=True).stdout
    calls = [line for line in dis.splitlines() if "call" in line and "uvm_page" in line]
    for name in PAGER_CALLS:
        assert any(f"<__wrap_rumpns_{name}>" in c for c in calls), name
    # rbu_bio.c's weak reference found rbu_pager.c's readv helper (reads into the pages themselves)
    assert re.search(r"call\s+\w+ <rumpbuild_pager_readv>", dis)
    for name in ("uvm_pagermapin", "uvm_pagermapout"):  # vm.c's own are left unused (its uvm_pageratop
        assert not any(f"<rumpns_{name}>" in c for c in calls), name  # is the replacement's fallback)


def _files(seed: int) -> dict[str, bytes]:
    rnd = random.Random(seed)
    sparse = bytearray(1_000_123)
    sparse[:10_000] = rnd.randbytes(10_000)
    sparse[300_000:307_777] = rnd.randbytes(7_777)
    sparse[1_000_000:] = rnd.randbytes(123)
    return {"sparse": bytes(sparse), "odd": rnd.randbytes(4096 * 37 + 1001), "big": rnd.randbytes(3 << 20)}


def _write_sparse(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:  # only the non-zero runs: the rest stays a hole
        for lo, hi in ((0, 10_000), (300_000, 307_777), (1_000_000, len(data))):
            f.seek(lo)
            f.write(data[lo:hi])


class _Mount:
    def __init__(self, doc, mode, image, mnt):
        self.argv, self.mnt = doc["run"] + [mode, "-f", str(image), str(mnt)], mnt

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stderr=subprocess.PIPE)
        end = time.monotonic() + 60
        while not os.path.ismount(self.mnt):
            assert self.proc.poll() is None and time.monotonic() < end, self.proc.stderr.read()
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", str(self.mnt)], check=True)
        assert self.proc.wait(timeout=120) == 0


@pytest.mark.parametrize("block", [1024, 4096])
@pytest.mark.parametrize("mode", ["-m", "-s"])
def test_files_read_back_byte_for_byte(rump_ext2fs, tmp_path, block, mode):
    if not shutil.which("mke2fs") or not shutil.which("e2fsck"):
        pytest.skip("needs e2fsprogs")
    if not rump_ext2fs["fuse"] or not os.path.exists("/dev/fuse") or os.geteuid() != 0:
        pytest.skip("needs a FUSE face, /dev/fuse and root")
    image, mnt = tmp_path / "e2.img", tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", str(block), str(image), str(32768 * 1024 // block)],
                   check=True)
    want = _files(block)
    with _Mount(rump_ext2fs, mode, image, mnt):
        _write_sparse(mnt / "sparse", want["sparse"])
        (mnt / "odd").write_bytes(want["odd"])
        (mnt / "big").write_bytes(want["big"])
    with _Mount(rump_ext2fs, mode, image, mnt):  # a remount: the pages are read from the image
        with open(mnt / "big", "rb") as f:  # some pages valid before the whole file is read
            f.seek(100_000)
            assert f.read(5000) == want["big"][100_000:105_000]
        with open(mnt / "odd", "r+b") as f:
            f.seek(50_000)
            f.write(b"X" * 100)
        want["odd"] = want["odd"][:50_000] + b"X" * 100 + want["odd"][50_100:]
        for name, data in want.items():
            assert (mnt / name).read_bytes() == data, name
    for name, data in want.items():
        back = tmp_path / f"{name}.back"
        subprocess.run(rump_ext2fs["run"] + [str(image), "get", f"/{name}", str(back)], check=True)
        assert back.read_bytes() == data, name
    fsck = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
