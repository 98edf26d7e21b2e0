"""rump_<fs> -m (FUSE served by several threads) on every file system of the 2016 tree that has one.

Writable ones (ffs, ext2fs, msdos, tmpfs, and msdos behind cgd and behind RAID 1): under -m, four
writers, two readers and a `cp -a` of a mixed tree run at once through one mount; `diff -r`; the
daemon exits 0 on unmount; the host's checker (e2fsck, fsck.vfat) is clean; a remount with -s shows
the same tree and the scriptable face's `get -r` reads it back equal.  Read-only ones (cd9660, ntfs,
hfs, udf): four threads read, at once, a tree the host's tools wrote and get its digests (nilfs:
an empty one, listed);
on kernfs and fdesc what the kernel fills in.rump_zfs: the writable workload into a mirror pool's dataset, `get -r`, scrub.

Real tree only (RUMPBUILD_NETBSDSRC), as root with /dev/fuse.  The utilities build into one output
folder for the module; RUMPBUILD_UTIL_OUT names an existing one to reuse (rumpbuild rebuilds only
what changed), RUMPBUILD_ZFS_OUT the same for rump_zfs (tests/test_util_zfs.py).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import threading
import time
import tomllib
import unicodedata
from pathlib import Path

import pytest

from rumpbuild.smoke import runner
from test_util import (_build, _daemon_pids, _digests, _fsck_clean, _fuse_usable, _mixed_tree, _mt_workload,
                       _need, _run, _start_fuse, _vfat, _wait_gone, cache_env, real_out)  # noqa: F401 - fixtures
from test_util_zfs import real_rump_zfs  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(bool(_fuse_usable()), reason=_fuse_usable() or "FUSE usable")

@pytest.fixture(scope="module")
def util(tmp_path_factory, cache_env, real_tree, real_out):
    """util(NAME, *more args): the real tree's rump_NAME, built once per module into one folder."""
    built: dict[tuple, dict] = {}

    def get(name: str, *more) -> dict:
        key = (name, *map(str, more))
        if key not in built:
            built[key] = _build(tmp_path_factory, cache_env, name, *more, "--src", real_tree, "-j2", out=real_out)
            assert built[key]["fuse"], built[key]["fuse_why_not"]
        return built[key]

    return get


def _unmount(mnt: Path, proc: subprocess.Popen):
    subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
    rc = proc.wait(timeout=300)
    assert rc == 0, (rc, proc.stderr.read().decode(errors="replace"))


def _wait_mounted(proc: subprocess.Popen, mnt: Path):
    end = time.monotonic() + 300
    while not os.path.ismount(mnt):
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            pytest.fail(f"no mount at {mnt}: {proc.stderr.read().decode(errors='replace')}")
        time.sleep(0.1)


def _same(a: Path, b: Path):
    p = subprocess.run(["diff", "-r", "-x", "lost+found", str(a), str(b)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]


# ---------------------------------------------------------------------------- writable file systems

def _mk_ffs(img: Path, tmp: Path):
    _need("makefs")
    empty = tmp / "ffs-empty"
    empty.mkdir()
    subprocess.run(["makefs", "-t", "ffs", "-o", "version=1", "-s", "128m", "-f", "4000", str(img), str(empty)],
                   check=True, capture_output=True)


def _mk_ext2(img: Path, tmp: Path):
    _need("mke2fs", "e2fsck")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", str(img), "128M"], check=True)


def _check_ext2(img: Path):
    p = subprocess.run(["e2fsck", "-fn", str(img)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


WRITABLE = {
    # name: (make the image, check it with the host's tool, symlinks in the tree, largest file)
    "ffs": (_mk_ffs, None, True, 1500000),
    "ext2fs": (_mk_ext2, _check_ext2, True, 1500000),
    "msdos": (lambda img, tmp: _vfat(img, 131072), _fsck_clean, False, 1500000),
    "tmpfs": (None, None, True, 150000),  # 16 MiB, 1000 nodes (its mount arguments)
}


def _tree_in(root: Path, symlinks: bool, small: bool) -> Path:
    _mixed_tree(root)
    if small:  # tmpfs: its 16 MiB hold the workload, not a 5 MB file too
        (root / "big.bin").write_bytes(os.urandom(300000))
    if symlinks:
        os.symlink("one byte", root / "link to one byte")
        os.symlink("../empty", root / "sub" / "up link")
    return root


def _mt_round(doc, operands: list, mnt: Path, expect: Path, src: Path, big: int, proc=None):
    """-m: the workload and a `cp -a` of SRC at once; diff; unmount; the daemon exits 0.
    PROC: a daemon started already (in the foreground), serving MNT once it is mounted."""
    proc = proc or _start_fuse(doc, "-m", *operands, mnt)
    _wait_mounted(proc, mnt)
    try:
        assert len(os.listdir(f"/proc/{proc.pid}/task")) > 1
        cp = subprocess.Popen(["cp", "-a", str(src), str(mnt / "tree")], stderr=subprocess.PIPE)
        errors = _mt_workload(mnt, expect, big=big)
        assert cp.wait(timeout=300) == 0, cp.stderr.read()
        assert not errors, errors
        shutil.copytree(src, expect / "tree", symlinks=True)
        _same(expect, mnt)
        st = os.statvfs(mnt)
        assert st.f_blocks > 0 and st.f_bfree < st.f_blocks
    except BaseException:
        subprocess.run(["fusermount3", "-u", str(mnt)])
        proc.wait(timeout=300)
        raise
    _unmount(mnt, proc)


@pytest.mark.parametrize("fs", sorted(WRITABLE))
def test_real_mt_writers_readers_cp_then_s_remount_and_get(util, fs, tmp_path):
    make, check, symlinks, big = WRITABLE[fs]
    doc = util(fs)
    mnt, expect = tmp_path / "mnt", tmp_path / "expect"
    mnt.mkdir()
    expect.mkdir()
    src = _tree_in(tmp_path / "src", symlinks, small=make is None)
    operands: list = []
    if make is not None:
        img = tmp_path / f"{fs}.img"
        make(img, tmp_path)
        operands = [img]
    if make is None:  # tmpfs: the file system lives as long as the process
        proc = _start_fuse(doc, "-m", mnt)
        try:
            errors = _mt_workload(mnt, expect, big=big, files=6)
            assert not errors, errors
            subprocess.run(["cp", "-a", str(src), str(mnt / "tree")], check=True)
            shutil.copytree(src, expect / "tree", symlinks=True)
            _same(expect, mnt)
        except BaseException:
            subprocess.run(["fusermount3", "-u", str(mnt)])
            raise
        _unmount(mnt, proc)
        return
    _mt_round(doc, operands, mnt, expect, src, big)
    if check:
        check(img)
    _run(doc, "-s", img, mnt)  # one serving thread, as a daemon
    try:
        _same(expect, mnt)
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
    _wait_gone(img)
    if check:
        check(img)
    back = tmp_path / "back"
    _run(doc, img, "get", "-r", "/", back)
    _same(expect, back)


STATES = {
    "cgd": """\
[[cgd]]
device = "cgd0"
image = "disk.img"
cipher = "aes-cbc"
keylength = 256
key = { file = "key.bin" }

[mount]
fs = "msdos"
device = "cgd0"
""",
    "raid1": """\
[[raid]]
device = "raid0"
level = 1
components = ["a.img", "b.img"]

[mount]
fs = "msdos"
device = "raid0"
""",
}


@pytest.mark.parametrize("stem", sorted(STATES))
def test_real_mt_state_msdos(util, stem, tmp_path):
    """rump_msdos-cgd / rump_msdos-raid1: the same workload through cgd or RAID 1 under -m; a second
    run (-s) and `get -r` read it back."""
    _need("mkfs.vfat", "fsck.vfat")
    (tmp_path / "key.bin").write_bytes(os.urandom(32))
    state = tmp_path / f"{stem}.toml"
    state.write_text(STATES[stem])
    doc = util("msdos", "--state", state)
    assert doc["program"].endswith(f"rump_msdos-{stem}")
    plain = _vfat(tmp_path / "plain.img", 65536)
    _run(doc, "--init-from", plain, "ls", "/")
    mnt, expect = tmp_path / "mnt", tmp_path / "expect"
    mnt.mkdir()
    expect.mkdir()
    src = _tree_in(tmp_path / "src", False, small=False)
    _mt_round(doc, [], mnt, expect, src, 1500000)
    proc = _start_fuse(doc, "-s", mnt)
    try:
        _same(expect, mnt)
    finally:
        _unmount(mnt, proc)
    back = tmp_path / "back"
    _run(doc, "get", "-r", "/", back)
    _same(expect, back)
    if stem == "raid1":  # a mirror: both halves hold the same blocks
        assert (tmp_path / "a.img").read_bytes()[64 * 1024:] == (tmp_path / "b.img").read_bytes()[64 * 1024:]


# ---------------------------------------------------------------------------- read-only file systems

def _ro_tree(root: Path, utf8: bool = True) -> Path:
    """SRC/tree: the mixed tree and 300 small files in one folder."""
    tree = root / "tree"
    tree.mkdir(parents=True)
    _mixed_tree(tree)
    if not utf8:
        for p in list(tree.rglob("*"))[::-1]:
            if not p.name.isascii():
                p.rename(p.with_name(p.name.encode("ascii", "replace").decode().replace("?", "_")))
    many = tree / "many"
    many.mkdir()
    for i in range(300):
        (many / f"f{i:03d}.txt").write_bytes(os.urandom(i * 29 % 9000))
    return root


def _mk_iso(img: Path, src: Path):
    _need("xorriso")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-o", str(img), str(src)], check=True)


def _mk_ntfs(img: Path, src: Path):
    _need("mkntfs", "ntfs-3g")
    subprocess.run(["truncate", "-s", "64M", str(img)], check=True)
    subprocess.run(["mkntfs", "-q", "-F", "-f", str(img)], check=True, capture_output=True)
    m = img.parent / "ntfs-3g"
    m.mkdir()
    subprocess.run(["ntfs-3g", str(img), str(m)], check=True)
    try:
        subprocess.run(["cp", "-r", str(src / "tree"), str(m)], check=True)
    finally:
        subprocess.run(["umount", str(m)], check=True)
    _wait_gone(img)  # ntfs-3g has written everything once it exits


def _mk_recipe(recipe: str):
    """An image recipe of rumpbuild/smoke/images.toml, with SRC as its folder."""
    def make(img: Path, src: Path):
        spec = tomllib.loads((Path(runner.__file__).parent / "images.toml").read_text())[recipe]
        _need(*spec["tools"])
        for cmd in spec["commands"]:
            subprocess.run(["/bin/sh", "-c", cmd.format(image=shlex.quote(str(img)), dir=shlex.quote(str(src)))],
                           check=True, capture_output=True)
    return make


READONLY = {
    # name: (make the image from SRC, the host tool writes files: False = an empty file system)
    "cd9660": (_mk_iso, True),
    "ntfs": (_mk_ntfs, True),
    "hfs": (_mk_recipe("hfsplus"), True),
    "udf": (_mk_recipe("udf"), True),  # genisoimage -udf (2048-byte sectors: the anchor probe)
    "nilfs": (_mk_recipe("nilfs"), False),  # nor into a nilfs one
}


@pytest.mark.parametrize("fs", sorted(READONLY))
def test_real_mt_parallel_readers_of_a_host_made_tree(util, fs, tmp_path):
    make, has_files = READONLY[fs]
    doc = util(fs)
    src = _ro_tree(tmp_path / "src") if has_files else tmp_path / "src"
    src.mkdir(exist_ok=True)
    img = tmp_path / f"{fs}.img"
    make(img, src)
    p = _run(doc, img, "ls", "/", ok=False)
    if p.returncode != 0 and fs == "nilfs":
        pytest.skip(f"rump_nilfs does not mount mkfs.nilfs2's image here: {p.stderr.decode().strip()}")
    assert p.returncode == 0, p.stderr
    want = _digests(src / "tree") if has_files else None
    root_list = sorted(os.listdir(src)) if has_files else None
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    proc = _start_fuse(doc, "-m", img, mnt)
    errors: list[str] = []

    def reader(n: int):
        try:
            for _ in range(3):
                if has_files:
                    # HFS+ keeps names decomposed (NFD), as macOS writes them
                    got = {unicodedata.normalize("NFC", k): v for k, v in _digests(mnt / "tree").items()}
                    if got != want:
                        diff = sorted(set(got.items()) ^ set(want.items()))[:6]
                        errors.append(f"reader {n}: digests differ: {diff}")
                        return
                    if not set(root_list) <= set(os.listdir(mnt)):
                        errors.append(f"reader {n}: / lacks {set(root_list) - set(os.listdir(mnt))}")
                else:
                    os.listdir(mnt)
                    os.statvfs(mnt)
                    os.stat(mnt)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"reader {n}: {e!r}")

    try:
        assert len(os.listdir(f"/proc/{proc.pid}/task")) > 1
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not errors, errors
        with pytest.raises(OSError):  # read-only: said by the mount, not by a crash
            (mnt / "new.txt").write_text("x")
    finally:
        _unmount(mnt, proc)
    assert not _daemon_pids(img)


# (kernfs, fdesc: what the file system shows, as the scriptable face shows it)
KERNEL_FILLED = {"kernfs": ["version", "copyright", "hz", "pagesize"], "fdesc": []}


@pytest.mark.parametrize("fs", sorted(KERNEL_FILLED))
def test_real_mt_parallel_readers_kernel_filled(util, fs, tmp_path):
    """rump_kernfs / rump_fdesc (no image): four threads list the root and read its fixed files (or
    its links) at once, and see what `ls` and `cat` show."""
    doc = util(fs)
    names = _run(doc, "ls", "/").stdout.decode().split()
    files = {f: _run(doc, "cat", f"/{f}").stdout for f in KERNEL_FILLED[fs]}
    assert names and (fs != "kernfs" or b"NetBSD" in files["version"])
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    proc = _start_fuse(doc, "-m", mnt)
    errors: list[str] = []

    def reader(n: int):
        try:
            for _ in range(20):
                if sorted(os.listdir(mnt)) != names:
                    errors.append(f"reader {n}: / lists {sorted(os.listdir(mnt))}, not {names}")
                for f, want in files.items():
                    if (mnt / f).read_bytes() != want:
                        errors.append(f"reader {n}: {f} reads {(mnt / f).read_bytes()!r}, not {want!r}")
                if fs == "fdesc" and os.readlink(mnt / "stdin") != "fd/0":
                    errors.append(f"reader {n}: stdin -> {os.readlink(mnt / 'stdin')}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"reader {n}: {e!r}")

    try:
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not errors, errors[:4]
    finally:
        _unmount(mnt, proc)


# ---------------------------------------------------------------------------- zfs

def test_real_mt_zfs_mirror_workload_get_scrub(real_rump_zfs, tmp_path):
    """rump_zfs in the default mode (-m; its threads take turns on one lock: no lwp binding): the
    workload and a `cp -a` at once into a dataset of a mirror pool; diff; a new process gets it all
    back; scrub finds 0 errors.  The workload's 3 MiB write once killed rump_zfs in -s and -m alike
    (FUSE's 1 MiB writes; now done in 64 KiB pieces)."""
    z = real_rump_zfs.program
    assert real_rump_zfs.fuse, real_rump_zfs.fuse_why_not
    a, b = tmp_path / "a.img", tmp_path / "b.img"

    def ok(*args):
        p = subprocess.run([z, *map(str, args)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, (args, p.stderr)
        return p.stdout

    ok("zpool", "create", "-s", "2G", "tank", "mirror", a, b)
    ok(a, b, "zfs", "create", "tank/data")
    mnt, expect = tmp_path / "mnt", tmp_path / "expect"
    mnt.mkdir()
    expect.mkdir()
    src = _tree_in(tmp_path / "src", True, small=False)
    proc = subprocess.Popen([z, "-f", a, b, "tank/data", mnt], cwd=tmp_path, stderr=subprocess.PIPE)
    _mt_round({"run": [z], "program": z}, [], mnt, expect, src, 1500000, proc=proc)
    back = tmp_path / "back"
    ok(a, b, "tank/data", "get", "-r", "/", back)
    _same(expect, back)
    assert ", 0 errors" in ok(a, b, "zpool", "scrub")
