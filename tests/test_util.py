"""`rumpbuild util`: rump_<fs> puts files into host-made images and gets them back, and host tools agree.

The example tree's rump kernel has the calls rump_msdos uses (stat,
getdents, statvfs1, unlink, rmdir, rename, truncate, utimensat, pread, ...),
and its msdos has subfolders and long names, so its rump_msdos proves
ls/stat/df, recursive put/get of mixed trees (spaces, UTF-8, a folder
outgrowing its cluster), mv/rm/mkdir, partitions, error handling and, where
FUSE works here, the FUSE face.  With RUMPBUILD_NETBSDSRC the real tree's
rump_msdos proves the same and SIGTERM during a FUSE copy.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rumpbuild.smoke.disklabel import PART_START, SECSIZE, write_disk, write_mbr_disk

MB5 = 5 * 1024 * 1024


def _need(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip("needs " + ", ".join(missing))


def _fuse_usable() -> str:
    """'' when FUSE mounts work here, else why not."""
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not shutil.which("fusermount3"):
        return "no fusermount3 (apt-get install fuse3)"
    if os.geteuid() != 0:
        return "FUSE tests run as root"
    return ""


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    return dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))


def _build(tmp_path_factory, cache_env, *args, out=None) -> dict:
    out = out or tmp_path_factory.mktemp("util")
    p = subprocess.run([sys.executable, "-m", "rumpbuild", "util", *map(str, args), "--out", str(out), "-q",
                        "--json"], capture_output=True, text=True, env=cache_env, cwd=out)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr[-3000:]
    doc = json.loads(p.stdout)
    assert os.access(doc["program"], os.X_OK)
    return doc


@pytest.fixture(scope="module")
def ex_msdos(tmp_path_factory, cache_env):
    _need("mkfs.vfat", "mcopy", "fsck.vfat")
    return _build(tmp_path_factory, cache_env, "msdos")


@pytest.fixture(scope="module")
def real_out(tmp_path_factory, real_tree):
    # one output folder: the base builds once; RUMPBUILD_UTIL_OUT reuses an existing one
    return Path(os.environ.get("RUMPBUILD_UTIL_OUT") or tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def real_msdos(tmp_path_factory, cache_env, real_tree, real_out):
    _need("mkfs.vfat", "mcopy", "fsck.vfat")
    return _build(tmp_path_factory, cache_env, "msdos", "--src", real_tree, "-j2", out=real_out)


@pytest.fixture(scope="module")
def real_ext2fs(tmp_path_factory, cache_env, real_tree, real_out):
    _need("mke2fs", "e2fsck", "debugfs")
    return _build(tmp_path_factory, cache_env, "ext2fs", "--src", real_tree, "-j2", out=real_out)


def _run(doc, *args, ok=True):
    p = subprocess.run(doc["run"] + [str(a) for a in args], capture_output=True, timeout=300)
    if ok:
        assert p.returncode == 0, (args, p.stderr.decode(errors="replace"))
    return p


def _vfat(path: Path, kib: int = 16384) -> Path:
    subprocess.run(["mkfs.vfat", "-C", str(path), str(kib)], check=True, capture_output=True)
    return path


def _fsck_clean(image, offset=None):
    if offset:  # fsck.vfat reads a partition from its own file
        part = Path(str(image) + ".part")
        with open(image, "rb") as f:
            f.seek(offset[0])
            part.write_bytes(f.read(offset[1]))
        image = part
    p = subprocess.run(["fsck.vfat", "-n", str(image)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def _digests(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def _flat_files(root: Path) -> Path:
    """8.3 names in one folder, put and got one file at a time."""
    root.mkdir()
    (root / "EMPTY.DAT").write_bytes(b"")
    (root / "ONE.DAT").write_bytes(b"x")
    (root / "BIG.DAT").write_bytes(os.urandom(MB5))
    (root / "README.TXT").write_text("rump_msdos wrote this\n")
    return root


def _mcopy_out(img: Path, what: str, dest: Path) -> Path:
    """mtools' copy of WHAT ("::/src", "::/*") from the FAT image into DEST: the host's own reading."""
    dest.mkdir()
    subprocess.run(["mcopy", "-s", "-n", "-i", str(img), what, str(dest)], check=True, capture_output=True)
    return dest


def _mixed_tree(root: Path) -> Path:
    """Empty, 1-byte and 5 MB files, names with spaces and UTF-8, nested folders."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").write_bytes(b"")
    (root / "one byte").write_bytes(b"\n")
    (root / "big.bin").write_bytes(os.urandom(MB5))
    (root / "name with spaces.txt").write_text("spaces\n")
    (root / "grüße 日本.txt").write_text("utf-8\n")
    (root / "sub" / "deeper" / "leaf.txt").write_text("deep\n")
    (root / "sub" / "Ünïcode dir").mkdir()
    (root / "sub" / "Ünïcode dir" / "x").write_bytes(os.urandom(3000))
    return root


# ---------------------------------------------------------------------------- example tree

def test_example_put_get_roundtrip_host_tools_agree(ex_msdos, tmp_path):
    src = _flat_files(tmp_path / "src")
    img = _vfat(tmp_path / "fat.img")
    for f in sorted(src.iterdir()):
        _run(ex_msdos, img, "put", f, "/" + f.name)
    back = tmp_path / "back"
    back.mkdir()
    for f in sorted(src.iterdir()):
        _run(ex_msdos, img, "get", "/" + f.name, back / f.name)
    assert _digests(back) == _digests(src)
    assert _run(ex_msdos, img, "cat", "README.TXT").stdout == b"rump_msdos wrote this\n"
    # mtools reads the same bytes, fsck.vfat finds nothing wrong
    mt = tmp_path / "mtools"
    mt.mkdir()
    for f in sorted(src.iterdir()):
        subprocess.run(["mcopy", "-n", "-i", str(img), "::/" + f.name, str(mt / f.name)], check=True)
    assert _digests(mt) == _digests(src)
    _fsck_clean(img)


EX_CALLS = ("stat", "lstat", "getdents", "statvfs1", "unlink", "rmdir", "rename", "truncate", "ftruncate",
            "utimensat", "sync", "pread", "pwrite", "chmod", "lchown")


def _ls(doc, img, path="/"):
    return _run(doc, img, "ls", path).stdout.decode().splitlines()


def _ex_tree(root: Path) -> Path:
    """The mixed tree, 8.3 names in both cases, and a folder of long names that outgrows its first cluster."""
    _mixed_tree(root)
    (root / "UPPER.TXT").write_text("upper case 8.3 name\n")
    (root / "readme.txt").write_text("lower case 8.3 name\n")
    (root / "MixedCase.Txt").write_text("8.3, but only a long name keeps its case\n")
    (root / "sub" / "many").mkdir()
    for i in range(90):  # 3 slots each: 270 entries > the 64 a 2 KiB cluster holds
        (root / "sub" / "many" / f"file number {i:03d}.txt").write_text(f"file {i}\n" * (i + 1))
    return root


def test_example_kernel_has_the_calls_rump_msdos_uses(ex_msdos):
    assert not set(EX_CALLS) & set(ex_msdos["missing_calls"]), ex_msdos["missing_calls"]
    assert ex_msdos["fuse"] or "rump kernel" not in ex_msdos["fuse_why_not"], ex_msdos["fuse_why_not"]


def test_example_ls_stat_df_on_what_mtools_wrote(ex_msdos, tmp_path):
    img = _vfat(tmp_path / "fat.img")
    (tmp_path / "HELLO.TXT").write_text("hello from mtools\n")
    (tmp_path / "DATA.BIN").write_bytes(os.urandom(70000))
    os.utime(tmp_path / "DATA.BIN", (1600000000, 1600000000))  # 2020-09-13 12:26:40 UTC
    mt = ["-i", str(img)]
    subprocess.run(["mcopy", "-m", *mt, str(tmp_path / "HELLO.TXT"), str(tmp_path / "DATA.BIN"), "::/"], check=True,
                   env=dict(os.environ, TZ="UTC"))
    subprocess.run(["mmd", *mt, "::/FOLDER"], check=True)
    subprocess.run(["mcopy", *mt, str(tmp_path / "HELLO.TXT"), "::/FOLDER/INNER.TXT"], check=True)
    subprocess.run(["mcopy", *mt, str(tmp_path / "HELLO.TXT"), "::/FOLDER/a long name, ünïcode.txt"], check=True)
    assert _ls(ex_msdos, img) == ["DATA.BIN", "FOLDER", "HELLO.TXT"]
    assert _ls(ex_msdos, img, "/FOLDER") == ["INNER.TXT", "a long name, ünïcode.txt"]
    assert _run(ex_msdos, img, "cat", "/folder/A LONG NAME, ünïcode.txt").stdout == b"hello from mtools\n"
    long = {l.split()[-1]: l.split() for l in _run(ex_msdos, img, "ls", "-l", "/").stdout.decode().splitlines()}
    assert long["DATA.BIN"][0] == "-rw-r--r--" and long["DATA.BIN"][4] == "70000"
    assert long["DATA.BIN"][5:7] == ["2020-09-13", "12:26"]  # mcopy -m kept the mtime (UTC here)
    assert long["FOLDER"][0].startswith("d")
    st = _run(ex_msdos, img, "stat", "/HELLO.TXT").stdout.decode()
    assert "Size: 18" in st and "regular file" in st
    df = _run(ex_msdos, img, "df").stdout.decode().splitlines()
    total, used = int(df[1].split()[1]), int(df[1].split()[2])
    assert "1K-blocks" in df[0] and 15000 < total < 16384 and 70 <= used < 200  # 2 KiB clusters
    assert _run(ex_msdos, img, "cat", "/FOLDER/INNER.TXT").stdout == b"hello from mtools\n"
    _fsck_clean(img)


def test_example_tree_put_get_mv_rm_mtools_fsck(ex_msdos, tmp_path):
    src = _ex_tree(tmp_path / "src")
    img = _vfat(tmp_path / "fat.img")
    _run(ex_msdos, img, "put", "-r", src, "/")
    _run(ex_msdos, img, "get", "-r", "/src", tmp_path / "back")
    assert _digests(tmp_path / "back") == _digests(src)
    assert _ls(ex_msdos, img, "/src") == sorted(os.listdir(src))
    listing = _run(ex_msdos, img, "ls", "-l", "/src").stdout.decode()
    assert "grüße 日本.txt" in listing and f"{MB5:10d}" in listing
    # mtools reads the tree rump_msdos wrote, long names and all; fsck.vfat finds nothing wrong
    mt = _mcopy_out(img, "::/src", tmp_path / "mtools")
    assert _digests(mt / "src") == _digests(src)
    _fsck_clean(img)
    # put over an existing, longer file truncates it
    (tmp_path / "SHORT.TXT").write_text("short\n")
    _run(ex_msdos, img, "put", tmp_path / "SHORT.TXT", "/src/big.bin")
    assert _run(ex_msdos, img, "cat", "/src/big.bin").stdout == b"short\n"
    _run(ex_msdos, img, "mv", "/src/one byte", "/src/sub/moved file")
    _run(ex_msdos, img, "mv", "/src/sub/deeper", "/deeper dir")  # a folder to another parent: its ".." follows
    _run(ex_msdos, img, "rm", "-r", "/src/sub")
    _run(ex_msdos, img, "mkdir", "-p", "/new/a b/c")
    assert _ls(ex_msdos, img) == ["deeper dir", "new", "src"]
    assert _ls(ex_msdos, img, "/src") == sorted(set(os.listdir(src)) - {"one byte", "sub"})
    assert _run(ex_msdos, img, "cat", "/DEEPER~1/LEAF.TXT").stdout == b"deep\n"  # by the 8.3 alias, any case
    p = _run(ex_msdos, img, "rm", "/new", ok=False)
    assert p.returncode == 1 and p.stderr.decode() == "rump_msdos: rm: cannot remove '/new': Is a directory\n"
    p = _run(ex_msdos, img, "put", tmp_path / "SHORT.TXT", "/smile \U0001F600.txt", ok=False)
    assert p.returncode == 1 and "'/smile \U0001F600.txt': Invalid argument" in p.stderr.decode()  # UCS-2 only
    _fsck_clean(img)
    got = subprocess.run(["mtype", "-i", str(img), "::/deeper dir/leaf.txt"], capture_output=True, text=True)
    assert got.stdout == "deep\n"
    listing = subprocess.run(["mdir", "-b", "-i", str(img), "::/"], capture_output=True, text=True).stdout
    assert sorted(listing.splitlines()) == ["::/deeper dir/", "::/new/", "::/src/"]


def test_example_fuse_copy_diff_remount(ex_msdos, tmp_path):
    why = _fuse_usable()
    if why:
        pytest.skip(why)
    assert ex_msdos["fuse"], ex_msdos["fuse_why_not"]
    src = _ex_tree(tmp_path / "src")
    img = _vfat(tmp_path / "fuse.img", 32768)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    for round_ in ("first", "remount"):
        # daemon: returns once the mount is up; first in the default mode (-m), then with -s
        _run(ex_msdos, *(["-s"] if round_ == "remount" else []), img, mnt)
        try:
            assert os.path.ismount(mnt)
            (daemon,) = _daemon_pids(img)
            # the example kernel starts no threads: more than one is FUSE's workers (-m)
            assert (len(os.listdir(f"/proc/{daemon}/task")) > 1) == (round_ == "first")
            if round_ == "first":
                os.utime(src / "big.bin", (1600000000, 1600000000))
                subprocess.run(["cp", "-a", f"{src}/.", str(mnt)], check=True)  # chmod, chown, utimens too
            subprocess.run(["diff", "-r", str(src), str(mnt)], check=True)
            assert sorted(os.listdir(mnt / "sub" / "many")) == sorted(os.listdir(src / "sub" / "many"))
            st = os.stat(mnt / "big.bin")
            assert st.st_size == MB5 and st.st_mtime == 1600000000
            st = os.statvfs(mnt)
            assert st.f_blocks > 0 and st.f_bfree < st.f_blocks
            if round_ == "remount":  # pwrite past the end leaves a gap of zeros; unlink
                fd = os.open(mnt / "a gap.bin", os.O_CREAT | os.O_RDWR)
                try:
                    os.pwrite(fd, b"end", 5000)
                    assert os.pread(fd, 6000, 0) == bytes(5000) + b"end"
                finally:
                    os.close(fd)
                os.remove(mnt / "a gap.bin")
        finally:
            subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
        _wait_gone(img)
        _fsck_clean(img)
    mt = _mcopy_out(img, "::/*", tmp_path / "mtools")
    assert _digests(mt) == _digests(src)


def test_example_disklabel_two_partitions(ex_msdos, tmp_path):
    a, e = _vfat(tmp_path / "a.img", 2048), _vfat(tmp_path / "e.img", 4096)
    disk = tmp_path / "disk.img"
    write_disk(str(disk), {"a": str(a), "e": str(e)})
    (tmp_path / "A.TXT").write_text("partition a\n")
    (tmp_path / "E.TXT").write_text("partition e\n")
    _run(ex_msdos, f"{disk}%DISKLABEL:a%", "put", tmp_path / "A.TXT", "/A.TXT")
    _run(ex_msdos, f"{disk}%DISKLABEL:e%", "put", tmp_path / "E.TXT", "/E.TXT")
    assert _run(ex_msdos, f"{disk}%DISKLABEL:a%", "cat", "/A.TXT").stdout == b"partition a\n"
    assert _run(ex_msdos, f"{disk}%DISKLABEL:e%", "cat", "/E.TXT").stdout == b"partition e\n"
    p = _run(ex_msdos, f"{disk}%DISKLABEL:e%", "cat", "/A.TXT", ok=False)
    assert p.returncode == 1 and p.stderr.decode().strip() == "rump_msdos: cat: /A.TXT: No such file or directory"
    # each partition is a clean FAT holding its own file, read by mtools at the label's offset
    a_off = PART_START * SECSIZE
    e_off = a_off + a.stat().st_size
    for off, size, name, text in ((a_off, a.stat().st_size, "A.TXT", "partition a\n"),
                                  (e_off, e.stat().st_size, "E.TXT", "partition e\n")):
        got = subprocess.run(["mtype", "-i", f"{disk}@@{off}", "::/" + name], capture_output=True, text=True)
        assert got.stdout == text
        _fsck_clean(disk, (off, size))


def test_example_errors_exit_1_with_one_line(ex_msdos, tmp_path):
    img = _vfat(tmp_path / "small.img", 1024)
    big = tmp_path / "BIG.DAT"
    big.write_bytes(os.urandom(2 * 1024 * 1024))
    cases = [
        ((img, "cat", "/NONE.TXT"), "cat: /NONE.TXT: No such file or directory"),
        ((img, "put", big, "/BIG.DAT"), "put: error writing '/BIG.DAT': No space left on device"),
        (("-o", "ro", img, "put", big, "/RO.DAT"), "put: cannot create regular file '/RO.DAT': Read-only file system"),
        ((tmp_path / "none.img", "cat", "/X"), "none.img: No such file or directory"),
        ((f"{img}%DISKLABEL:a%", "cat", "/X"), "no NetBSD disklabel found"),
        ((f"{img}%MBR:1%", "cat", "/X"), "no MBR partition table"),
        ((f"{img}%NOPE%", "cat", "/X"), "unknown partition suffix '%NOPE%'"),
    ]
    for args, message in cases:
        p = _run(ex_msdos, *args, ok=False)
        err = p.stderr.decode()
        assert p.returncode == 1 and message in err and err.count("\n") == 1, (args, err)
    disk = tmp_path / "disk.img"
    write_disk(str(disk), {"a": str(img)})
    p = _run(ex_msdos, f"{disk}%DISKLABEL:c%", "ls", ok=False)
    assert p.returncode == 1 and "the disklabel has no partition c" in p.stderr.decode()
    p = _run(ex_msdos, img, "frobnicate", "x", ok=False)
    assert p.returncode == 2 and "unknown command 'frobnicate'" in p.stderr.decode()
    helptext = _run(ex_msdos, "--help").stdout.decode()
    assert "usage: rump_msdos" in helptext and ("no FUSE face" in helptext) == (not ex_msdos["fuse"])
    assert ("-m (the default)" in helptext) == ex_msdos["fuse"]
    p = _run(ex_msdos, img, "ls", "/NONE", ok=False)
    assert p.returncode == 1 and p.stderr.decode() == "rump_msdos: ls: cannot access '/NONE': No such file or directory\n"
    assert _run(ex_msdos, "--version").stdout.decode().startswith("rump_msdos (rumpbuild ")


def test_example_mbr_partition_needs_withsize(ex_msdos, tmp_path):
    """The example tree's rump kernel has no byte-range etfs: MBR partitions are refused, by name."""
    disk = tmp_path / "mbr.img"
    write_mbr_disk(str(disk), [str(_vfat(tmp_path / "p1.img", 1024))])
    p = _run(ex_msdos, f"{disk}%MBR:1%", "cat", "/X", ok=False)
    assert p.returncode == 1 and "no rump_pub_etfs_register_withsize" in p.stderr.decode()
    p = _run(ex_msdos, f"{disk}%MBR:2%", "cat", "/X", ok=False)
    assert p.returncode == 1 and "MBR partition 2 is empty" in p.stderr.decode()


def test_evbarm_reads_what_amd64_wrote(ex_msdos, tmp_path_factory, cache_env, tmp_path):
    """The zig/musl evbarm build (commands only, says so) under qemu-arm, on the amd64 build's image."""
    from rumpbuild.arch import resolve

    _need(resolve("evbarm").qemu)
    arm = _build(tmp_path_factory, cache_env, "msdos", "--arch", "evbarm", "--toolchain", "zig")
    assert arm["fuse"] is False and arm["fuse_why_not"] and arm["run"][0].endswith(resolve("evbarm").qemu)
    src = _flat_files(tmp_path / "src")
    img = _vfat(tmp_path / "fat.img")
    for f in sorted(src.iterdir()):
        _run(ex_msdos, img, "put", f, "/" + f.name)
    back = tmp_path / "back"
    back.mkdir()
    for f in sorted(src.iterdir()):
        _run(arm, img, "get", "/" + f.name, back / f.name)
    assert _digests(back) == _digests(src)
    (tmp_path / "ARM.TXT").write_text("written under qemu-arm\n")
    _run(arm, img, "put", tmp_path / "ARM.TXT", "/ARM.TXT")
    assert _run(ex_msdos, img, "cat", "/ARM.TXT").stdout == b"written under qemu-arm\n"
    _fsck_clean(img)


# ---------------------------------------------------------------------------- the real tree

def test_real_mixed_tree_put_get_mtools_fsck(real_msdos, tmp_path):
    src = _mixed_tree(tmp_path / "src")
    img = _vfat(tmp_path / "fat.img")
    _run(real_msdos, img, "put", "-r", src, "/")
    _run(real_msdos, img, "get", "-r", "/src", tmp_path / "back")
    assert _digests(tmp_path / "back") == _digests(src)
    listing = _run(real_msdos, img, "ls", "-l", "/src").stdout.decode()
    assert "grüße 日本.txt" in listing and f"{MB5:10d}" in listing
    assert _run(real_msdos, img, "stat", "/src/one byte").stdout.decode().split("\n")[1].split()[1] == "1"
    assert "1K-blocks" in _run(real_msdos, img, "df").stdout.decode()
    mt = _mcopy_out(img, "::/src", tmp_path / "mtools")
    assert _digests(mt / "src") == _digests(src)
    _fsck_clean(img)
    _run(real_msdos, img, "mv", "/src/empty", "/src/sub/moved")
    _run(real_msdos, img, "rm", "-r", "/src/sub/deeper")
    _run(real_msdos, img, "mkdir", "-p", "/new/a/b")
    assert _run(real_msdos, img, "ls", "/src/sub").stdout.decode().split("\n")[:2] == ["moved", "Ünïcode dir"]
    p = _run(real_msdos, img, "rm", "/new", ok=False)
    assert p.returncode == 1 and p.stderr.decode() == "rump_msdos: rm: cannot remove '/new': Is a directory\n"
    _fsck_clean(img)


def test_real_ext2fs_reads_mke2fs_tree_writes_what_e2fsprogs_reads(real_ext2fs, tmp_path):
    src = _mixed_tree(tmp_path / "src")
    img = tmp_path / "e2.img"
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", str(src), str(img), "65536"], check=True,
                   capture_output=True)
    _run(real_ext2fs, img, "get", "-r", "/", tmp_path / "back")
    shutil.rmtree(tmp_path / "back" / "lost+found")
    assert _digests(tmp_path / "back") == _digests(src)
    _run(real_ext2fs, img, "put", "-r", src, "/copy")
    p = subprocess.run(["e2fsck", "-fn", str(img)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout
    for rel, digest in _digests(src).items():
        if digest == "dir":
            continue
        out = tmp_path / "dump"
        subprocess.run(["debugfs", "-R", f'dump "/copy/{rel}" {out}', str(img)], check=True, capture_output=True)
        assert hashlib.sha256(out.read_bytes()).hexdigest() == digest, rel


def test_real_partitions_by_byte_range(real_msdos, tmp_path):
    """The 2016 tree's librumpuser knows no %DISKLABEL%: the utility finds the range itself."""
    a, e = _vfat(tmp_path / "a.img", 2048), _vfat(tmp_path / "e.img", 4096)
    disk, mbr = tmp_path / "disk.img", tmp_path / "mbr.img"
    write_disk(str(disk), {"a": str(a), "e": str(e)})
    write_mbr_disk(str(mbr), [str(a), str(e)])
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "e.txt").write_text("e\n")
    for spec_a, spec_e in ((f"{disk}%DISKLABEL:a%", f"{disk}%DISKLABEL:e%"), (f"{mbr}%MBR:1%", f"{mbr}%MBR:2%")):
        _run(real_msdos, spec_a, "put", tmp_path / "a.txt", "/a.txt")
        _run(real_msdos, spec_e, "put", tmp_path / "e.txt", "/e.txt")
        assert _run(real_msdos, spec_a, "ls").stdout == b"a.txt\n"
        assert _run(real_msdos, spec_e, "ls").stdout == b"e.txt\n"


def _daemon_pids(image: Path) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if str(image).encode() in (d / "cmdline").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def _wait_gone(image: Path, timeout=60):
    end = time.monotonic() + timeout
    while _daemon_pids(image):
        assert time.monotonic() < end, "the rump_msdos daemon did not exit after unmount"
        time.sleep(0.1)


def test_real_fuse_copy_diff_remount(real_msdos, tmp_path):
    why = _fuse_usable()
    if why:
        pytest.skip(why)
    assert real_msdos["fuse"], real_msdos["fuse_why_not"]
    src = _mixed_tree(tmp_path / "src")
    img = _vfat(tmp_path / "fuse.img", 32768)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    for round_ in ("first", "remount"):
        _run(real_msdos, img, mnt)  # daemon: returns once the mount is up
        try:
            assert os.path.ismount(mnt)
            if round_ == "first":
                subprocess.run(["cp", "-a", f"{src}/.", str(mnt)], check=True)
            subprocess.run(["diff", "-r", str(src), str(mnt)], check=True)
            st = os.statvfs(mnt)
            assert st.f_blocks > 0 and st.f_bfree < st.f_blocks
        finally:
            subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
        _wait_gone(img)
        _fsck_clean(img)
    mt = _mcopy_out(img, "::/*", tmp_path / "mtools")
    assert _digests(mt) == _digests(src)


def test_real_fuse_sigterm_during_copy_keeps_what_was_written(real_msdos, tmp_path):
    _fuse_sigterm_during_copy(real_msdos, tmp_path)


def test_example_fuse_sigterm_during_copy_keeps_what_was_written(ex_msdos, tmp_path):
    _fuse_sigterm_during_copy(ex_msdos, tmp_path)


def _fuse_sigterm_during_copy(doc, tmp_path):
    why = _fuse_usable()
    if why:
        pytest.skip(why)
    img = _vfat(tmp_path / "term.img", 65536)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    proc = subprocess.Popen(doc["run"] + ["-f", str(img), str(mnt)], stderr=subprocess.PIPE)
    end = time.monotonic() + 30
    while not os.path.ismount(mnt):
        assert proc.poll() is None and time.monotonic() < end, proc.stderr.read() if proc.poll() is not None else ""
        time.sleep(0.05)
    fuse_dev = os.stat(mnt).st_dev
    written = {}
    chunk = os.urandom(64 * 1024)
    for i in range(2000):
        name = f"f{i:04d}.bin"
        data = chunk[i % 97:] + i.to_bytes(4, "little")
        try:
            with open(mnt / name, "wb") as f:
                if os.fstat(f.fileno()).st_dev != fuse_dev:
                    break  # the mount is gone: this file went to the directory beneath
                f.write(data)
        except OSError:
            break  # ENOTCONN / ECONNABORTED once the daemon stopped serving
        written[name] = data
        if i == 40:
            proc.send_signal(signal.SIGTERM)  # in the middle of the copy
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert not os.path.ismount(mnt)
    assert len(written) >= 41
    _fsck_clean(img)
    out = tmp_path / "check"
    out.mkdir()
    subprocess.run(["mcopy", "-n", "-i", str(img), "::/*", str(out)], check=True, capture_output=True)
    for name, data in written.items():
        assert (out / name).read_bytes() == data, name


def test_example_kmod_utility(tmp_path_factory, cache_env, tmp_path):
    """x86: the utility linked with a converted kernel module instead of the component built from source."""
    _need("mkfs.vfat", "mtype")
    out = tmp_path_factory.mktemp("kmod")
    p = subprocess.run([sys.executable, "-m", "rumpbuild", "kmod", "build", "msdos", "--arch", "amd64", "--out",
                        str(out), "-q"], capture_output=True, text=True, env=cache_env)
    assert p.returncode == 0, p.stderr[-2000:]
    doc = _build(tmp_path_factory, cache_env, "msdos", "--arch", "amd64", "--kmod", out / "kmods" / "msdos.kmod")
    assert "rumpfs_msdos" not in doc["libraries"]  # the kmod's archive stands in for it
    img = _vfat(tmp_path / "fat.img", 2048)
    (tmp_path / "K.TXT").write_text("from the kmod\n")
    _run(doc, img, "put", tmp_path / "K.TXT", "/K.TXT")
    got = subprocess.run(["mtype", "-i", str(img), "::/K.TXT"], capture_output=True, text=True)
    assert got.stdout == "from the kmod\n"
    _fsck_clean(img)


def test_example_sigint_during_put_leaves_a_clean_image(ex_msdos, tmp_path):
    """A signal stops the command between blocks and the program unmounts: fsck clean, a prefix on the image."""
    img = _vfat(tmp_path / "fat.img", 65536)
    big = tmp_path / "BIG.DAT"
    big.write_bytes(os.urandom(56 * 1024 * 1024))
    proc = subprocess.Popen(ex_msdos["run"] + [str(img), "put", str(big), "/BIG.DAT"], stderr=subprocess.PIPE)
    time.sleep(0.15)  # here the copy takes ~0.6 s: the signal lands in the middle
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=300)[1].decode()
    assert proc.returncode in (0, 130), err
    if proc.returncode == 130:
        assert "put: stopped by signal 2; unmounting" in err
    _fsck_clean(img)
    got = subprocess.run(["mtype", "-i", str(img), "::/BIG.DAT"], capture_output=True).stdout
    assert 0 < len(got) and big.read_bytes()[:len(got)] == got


STATE_CGD = """\
[[cgd]]
device = "cgd0"
image = "disk.img"
cipher = "aes-cbc"
keylength = 128
key = { file = "key.bin" }

[mount]
fs = "msdos"
device = "cgd0"
"""


def test_example_state_cgd_put_then_get_through_the_key_file(ex_msdos, tmp_path_factory, cache_env, tmp_path):
    """rump_msdos-<stem> with a state file baked in (the example tree's pseudo cgd): --init-from writes a
    FAT made by mkfs.vfat through cgd0, put goes in, a second run gets it back with the key read from the
    key file; the host file holds no plaintext; a wrong key fails the mount with one message and leaves
    the image as it was; the plain utility refuses --state."""
    key = bytes(range(16))
    (tmp_path / "key.bin").write_bytes(key)
    state = tmp_path / "cgd.toml"
    state.write_text(STATE_CGD)
    doc = _build(tmp_path_factory, cache_env, "msdos", "--state", state)
    assert doc["program"].endswith("/bin/rump_msdos-cgd") and doc["state"] == str(state)
    assert "rumpdev_cgd" in doc["libraries"]  # the closure grew by the state's driver, found by name
    assert str(key.hex()) not in Path(doc["program"]).read_bytes().hex()  # the key is not baked in

    plain = _vfat(tmp_path / "plain.img", 2048)
    plain_sum = hashlib.sha256(plain.read_bytes()).hexdigest()
    text = b"behind the pseudo cgd: only ciphertext reaches the host\n"
    (tmp_path / "SECRET.TXT").write_bytes(text)
    p = _run(doc, "-v", "--init-from", plain, "put", tmp_path / "SECRET.TXT", "/SECRET.TXT")
    err = p.stderr.decode()
    # the order: devices set up, the plain image written through them, the mount, teardown after the unmount
    made, up, init, mount, down = (err.find(s) for s in (
        "rump_msdos: init: made ", "rump_msdos: state: cgd0 on", f"bytes of {plain} written through /dev/rcgd0",
        "msdosfs: /dev/cgd0", "rump_msdos: teardown: cgd0 CGDIOCCLR"))
    assert 0 <= made < up < init < mount < down, err
    disk = tmp_path / "disk.img"
    assert disk.stat().st_size == plain.stat().st_size  # made by --init-from, as large as the plain image
    assert hashlib.sha256(plain.read_bytes()).hexdigest() == plain_sum  # only read
    image = disk.read_bytes()
    assert text[:24] not in image and b"SECRET  TXT" not in image and b"mkfs.fat" not in image
    # the plain utility (no state) sees no FAT on the host file
    assert _run(ex_msdos, disk, "cat", "/SECRET.TXT", ok=False).returncode == 1

    # a second run: through cgd0 again, with the key read from key.bin at run time
    _run(doc, "get", "/SECRET.TXT", tmp_path / "back.txt")
    assert (tmp_path / "back.txt").read_bytes() == text
    assert _run(doc, "cat", "/SECRET.TXT").stdout == text

    before = hashlib.sha256(disk.read_bytes()).hexdigest()
    (tmp_path / "key.bin").write_bytes(bytes(range(1, 17)))
    p = _run(doc, "cat", "/SECRET.TXT", ok=False)
    err = p.stderr.decode()
    assert p.returncode == 1 and "cannot mount /dev/cgd0" in err and "wrong key" in err and err.count("\n") == 1, err
    assert hashlib.sha256(disk.read_bytes()).hexdigest() == before
    (tmp_path / "key.bin").write_bytes(key + b"\n")  # a key file that changed length since the build
    p = _run(doc, "cat", "/SECRET.TXT", ok=False)
    assert p.returncode == 1 and "must hold exactly 16 bytes" in p.stderr.decode(), p.stderr
    # the key may come in through the environment instead (as `rumpbuild test` passes it)
    p = subprocess.run(doc["run"] + ["cat", "/SECRET.TXT"], capture_output=True, timeout=300,
                       env=dict(os.environ, RUMPBUILD_STATE_KEY0=key.hex()))
    assert p.returncode == 0 and p.stdout == text, p.stderr
    assert hashlib.sha256(disk.read_bytes()).hexdigest() == before

    p = _run(ex_msdos, "--state", state, disk, "ls", ok=False)
    assert p.returncode == 2 and "rumpbuild util msdos --state FILE" in p.stderr.decode()


def test_example_state_for_another_fs_refused(tmp_path, cache_env):
    (tmp_path / "key.bin").write_bytes(bytes(16))
    state = tmp_path / "cgd.toml"
    state.write_text(STATE_CGD.replace('fs = "msdos"', 'fs = "ffs"'))
    p = subprocess.run([sys.executable, "-m", "rumpbuild", "util", "msdos", "--state", str(state), "--out",
                        str(tmp_path / "o"), "-q"], capture_output=True, text=True, env=cache_env, cwd=tmp_path)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert ':8: [mount] fs = "ffs", but the utility is rump_msdos' in p.stderr, p.stderr


# ---------------------------------------------------------------------------- multithreaded FUSE (-m)

def test_example_fuse_mt_concurrent_writers_readers(ex_msdos, tmp_path):
    _fuse_mt_concurrent(ex_msdos, tmp_path, kernel_threads=False)


def test_real_fuse_mt_concurrent_writers_readers(real_msdos, tmp_path):
    _fuse_mt_concurrent(real_msdos, tmp_path, kernel_threads=True)


def _fuse_mt_concurrent(doc, tmp_path, kernel_threads: bool):
    """-m: four writers (own folders, and two of them into one shared file) and two readers at once
    through one mount; diff, remount with -s, diff, mtools reads it, fsck.vfat is clean."""
    why = _fuse_usable()
    if why:
        pytest.skip(why)
    assert doc["fuse"], doc["fuse_why_not"]
    img = _vfat(tmp_path / "mt.img", 65536)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    expect = tmp_path / "expect"  # what the mount must hold afterwards, built on the host
    expect.mkdir()
    proc = _start_fuse(doc, "-m", img, mnt)
    try:
        errors = _mt_workload(mnt, expect)
        assert not errors, errors
        if not kernel_threads:  # the example kernel starts no threads: more than one is FUSE's workers
            assert len(os.listdir(f"/proc/{proc.pid}/task")) > 1
        subprocess.run(["diff", "-r", str(expect), str(mnt)], check=True)
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    _fsck_clean(img)
    _run(doc, "-s", img, mnt)  # one serving thread, as a daemon
    try:
        subprocess.run(["diff", "-r", str(expect), str(mnt)], check=True)
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
    _wait_gone(img)
    _fsck_clean(img)
    mt = _mcopy_out(img, "::/*", tmp_path / "mtools")
    assert _digests(mt) == _digests(expect)


def _start_fuse(doc, mode: str, *operands) -> subprocess.Popen:
    """rump_<fs> MODE -f OPERANDS... MOUNTPOINT in the foreground, returned once the mount is up."""
    mnt = Path(operands[-1])
    proc = subprocess.Popen(doc["run"] + [mode, "-f", *map(str, operands)], stderr=subprocess.PIPE)
    end = time.monotonic() + 120
    while not os.path.ismount(mnt):
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            pytest.fail(f"{doc['program']} {mode}: no mount: {proc.stderr.read().decode(errors='replace')}")
        time.sleep(0.05)
    return proc


def _mt_workload(mnt: Path, expect: Path, big: int = 1500000, files: int = 12) -> list[str]:
    """Through the mount at once: four writers, each filling a folder of its own (files of 0 bytes to
    BIG), two of them also writing disjoint halves of one shared file through their own descriptors,
    and two readers reading a seed file over and over.  EXPECT gets the same files, written on the
    host; returns what went wrong (empty when nothing did)."""
    import threading

    seed = os.urandom(3 * 1024 * 1024 if big >= 1000000 else 3 * big)
    (mnt / "SEED.BIN").write_bytes(seed)
    (expect / "SEED.BIN").write_bytes(seed)
    shared_size = 4 * 256 * 1024 if big >= 1000000 else 4 * 16 * 1024
    shared = bytearray(shared_size)
    with open(mnt / "SHARED.BIN", "wb") as f:
        f.truncate(shared_size)
    errors: list[str] = []

    def writer(n: int):
        try:
            d = mnt / f"w{n}"
            d.mkdir()
            (expect / f"w{n}").mkdir()
            for i in range(files):
                data = os.urandom([0, 1, 4096, 70000, big // 5, big][i % 6])
                with open(d / f"file {i}.bin", "wb") as f:
                    for off in range(0, len(data), 65536):
                        f.write(data[off:off + 65536])
                (expect / f"w{n}" / f"file {i}.bin").write_bytes(data)
            if n < 2:  # two writers fill disjoint halves of one file through their own descriptors
                part = os.urandom(shared_size // 2)
                fd = os.open(mnt / "SHARED.BIN", os.O_WRONLY)
                try:
                    for off in range(0, len(part), 65536):
                        os.pwrite(fd, part[off:off + 65536], n * len(part) + off)
                finally:
                    os.close(fd)
                shared[n * len(part):(n + 1) * len(part)] = part
        except Exception as e:  # noqa: BLE001 - reported by the caller
            errors.append(f"writer {n}: {e!r}")

    def reader(n: int):
        try:
            for _ in range(6):
                if (mnt / "SEED.BIN").read_bytes() != seed:
                    errors.append(f"reader {n}: SEED.BIN read back differs")
                    return
        except Exception as e:  # noqa: BLE001
            errors.append(f"reader {n}: {e!r}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    errors += [f"{t.name} still running after 300 s" for t in threads if t.is_alive()]
    (expect / "SHARED.BIN").write_bytes(bytes(shared))
    return errors


def test_real_state_cgd_put_get_with_own_block_io(tmp_path_factory, cache_env, real_tree, real_out, tmp_path):
    """The 2016 tree: rump_msdos-cgd runs the utility's own rumpuser_bio (rbu_bio.c) under cgd; its
    deferred image sync happens before the teardown closes the image (put exits 0, nothing on stderr)."""
    _need("mkfs.vfat")
    (tmp_path / "key.bin").write_bytes(os.urandom(16))
    state = tmp_path / "cgd.toml"
    state.write_text(STATE_CGD)
    doc = _build(tmp_path_factory, cache_env, "msdos", "--src", real_tree, "-j2", "--state", state, out=real_out)
    syms = subprocess.run(["nm", doc["program"]], capture_output=True, text=True).stdout
    assert " T __wrap_rumpuser_bio" in syms
    plain = _vfat(tmp_path / "plain.img", 16384)
    data = os.urandom(MB5)
    (tmp_path / "DATA.BIN").write_bytes(data)
    p = _run(doc, "--init-from", plain, "put", tmp_path / "DATA.BIN", "/DATA.BIN")
    assert p.stderr.decode().strip().endswith("through /dev/cgd0d"), p.stderr  # the init line only
    assert data[:4096] not in (tmp_path / "disk.img").read_bytes()
    _run(doc, "get", "/DATA.BIN", tmp_path / "back.bin")
    assert (tmp_path / "back.bin").read_bytes() == data
