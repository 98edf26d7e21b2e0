"""rump_<fs> for the file systems whose smoke facts need more than an image.

nilfs mounts through a block device node on a tmpfs (`device_dir`), ptyfs
links the tty layer (`with`), procfs links only with stubs (`stubs`), hfs
reads the HFS+ tree xorriso writes, and layered file systems (`lower`) have
no utility: `rumpbuild util` says why.  Real-tree tests need
RUMPBUILD_NETBSDSRC (skipped without it) and share one output folder per
module (RUMPBUILD_UTIL_OUT names one to reuse, e.g. a folder built before);
the layered refusal needs no tree and runs on the example tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import unicodedata
from pathlib import Path

import pytest

from rumpbuild.smoke.runner import HERE as SMOKE_DIR
from rumpbuild.smoke.runner import make_image

pytestmark = pytest.mark.live  # runs real compilers

MB5 = 5 * 1024 * 1024
LAYERED = ("null", "umap", "union", "overlay")


def _need(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip("needs " + ", ".join(missing))


def _fuse_or_skip():
    if not os.path.exists("/dev/fuse") or not shutil.which("fusermount3") or os.geteuid() != 0:
        pytest.skip("FUSE tests need /dev/fuse, fusermount3 and root")


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    return dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def real_out(tmp_path_factory, real_tree):
    return os.environ.get("RUMPBUILD_UTIL_OUT") or str(tmp_path_factory.mktemp("real"))  # the base builds once


def _util(env, out, *args):
    return subprocess.run([sys.executable, "-m", "rumpbuild", "util", *map(str, args), "--out", str(out), "-q"],
                          capture_output=True, text=True, env=env, cwd=out)


def _build(env, out, *args) -> dict:
    p = _util(env, out, *args, "--json")
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr[-3000:]
    doc = json.loads(p.stdout)
    assert os.access(doc["program"], os.X_OK)
    return doc


def _run(doc, *args, ok=True, timeout=120):
    p = subprocess.run(doc["run"] + [str(a) for a in args], capture_output=True, timeout=timeout)
    if ok:
        assert p.returncode == 0, (args, p.stderr.decode(errors="replace"))
    return p


def _one_line_error(p, *needles):
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 1, (p.returncode, err)
    assert len(err.strip().splitlines()) == 1, err
    for n in needles:
        assert n in err, err
    return err


class _Fuse:
    """A FUSE mount of *args* at *mnt* (the daemon); unmounted and waited for on exit."""

    def __init__(self, doc, mnt: Path, *args):
        self.doc, self.mnt, self.args = doc, mnt, args

    def __enter__(self):
        self.mnt.mkdir(exist_ok=True)
        p = _run(self.doc, *self.args, self.mnt)
        assert os.path.ismount(self.mnt), p.stderr
        return self.mnt

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", str(self.mnt)], capture_output=True)
        for _ in range(100):  # the daemon unmounts the rump file system after the FUSE one
            if not os.path.ismount(self.mnt):
                break
            time.sleep(0.1)
        assert not os.path.ismount(self.mnt)


# ---------------------------------------------------------------------------- layered: no utility

@pytest.mark.parametrize("name", LAYERED)
def test_example_tree_layered_file_system_refused_before_reading_the_tree(name, tmp_path, cache_env):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "rumpbuild", "util", name, "--out", str(out)],
                       capture_output=True, text=True, env=cache_env, cwd=tmp_path)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    first = p.stderr.splitlines()[0]
    assert first == (f"rumpbuild: error: {name} is a layered file system: it serves folders of another mount "
                     f"and has no image of its own, so there is no rump_{name}")
    assert f"rumpbuild test {name}" in p.stderr
    assert not out.exists()  # nothing built, not even the output folder


def test_facts_mark_exactly_the_layered_ones():
    with open(SMOKE_DIR / "filesystems.toml", "rb") as f:
        table = tomllib.load(f)
    assert sorted(n for n, facts in table.items() if facts.get("lower")) == sorted(LAYERED)


def test_real_layered_refused_too(real_tree, real_out, cache_env):
    p = _util(cache_env, real_out, "overlay", "--src", real_tree)
    assert p.returncode == 1 and "layered file system" in p.stderr and "Traceback" not in p.stderr


# ---------------------------------------------------------------------------- nilfs: device_dir

@pytest.fixture(scope="module")
def real_nilfs(real_tree, real_out, cache_env):
    _need("mkfs.nilfs2")
    return _build(cache_env, real_out, "nilfs", "--src", real_tree, "-j2")


@pytest.fixture
def nilfs_image(tmp_path):
    return Path(make_image("nilfs", str(tmp_path)))  # the smoke test's recipe: mkfs.nilfs2, 32 MB


def test_real_nilfs_links_tmpfs_and_reads_what_mkfs_nilfs2_wrote(real_nilfs, nilfs_image, tmp_path):
    assert "rumpfs_tmpfs" in real_nilfs["libraries"]  # the device node's file system
    ls = _run(real_nilfs, nilfs_image, "ls", "-l", "/").stdout.decode()
    assert [line.split()[-1] for line in ls.splitlines()] == [".nilfs"], ls
    assert ls.startswith("-rw-r--r--")
    st = _run(real_nilfs, nilfs_image, "stat", "/", "/.nilfs").stdout.decode()
    assert "directory" in st and "regular file" in st and "Inode: 2 " in st
    assert _run(real_nilfs, nilfs_image, "cat", "/.nilfs").stdout == b""
    _run(real_nilfs, nilfs_image, "get", "-r", "/", tmp_path / "got")
    assert sorted(os.listdir(tmp_path / "got")) == [".nilfs"]
    df = _run(real_nilfs, nilfs_image, "df").stdout.decode()
    assert "(read-only)" in df


def test_real_nilfs_refuses_writes_and_leaves_the_image_alone(real_nilfs, nilfs_image, tmp_path):
    before = nilfs_image.read_bytes()
    (tmp_path / "h.txt").write_text("hello\n")
    _one_line_error(_run(real_nilfs, nilfs_image, "mkdir", "/x", ok=False), "'/x'", "Read-only file system")
    _one_line_error(_run(real_nilfs, nilfs_image, "put", tmp_path / "h.txt", "/h.txt", ok=False),
                    "'/h.txt'", "Read-only file system")
    assert nilfs_image.read_bytes() == before


def test_real_nilfs_in_a_disklabel_partition(real_nilfs, nilfs_image, tmp_path):
    from rumpbuild.smoke.disklabel import wrap

    spec = wrap(str(nilfs_image), str(tmp_path / "disk.img"), "e")  # the device node serves the byte range
    assert spec.endswith("%DISKLABEL:e%")
    ls = _run(real_nilfs, spec, "ls", "/").stdout.decode()
    assert ls.split() == [".nilfs"], ls


def test_real_nilfs_not_an_image_is_one_line(real_nilfs, tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\0" * (1 << 20))
    _one_line_error(_run(real_nilfs, junk, "ls", "/", ok=False), "cannot mount it as nilfs")


def test_real_nilfs_fuse_mount_lists_root_read_only(real_nilfs, nilfs_image, tmp_path):
    _need("mkfs.nilfs2")
    _fuse_or_skip()
    with _Fuse(real_nilfs, tmp_path / "mnt", nilfs_image) as mnt:
        assert os.listdir(mnt) == [".nilfs"]
        assert (mnt / ".nilfs").read_bytes() == b""
        with pytest.raises(OSError) as e:
            (mnt / "new").write_text("x")
        assert e.value.errno == 30  # EROFS


# ---------------------------------------------------------------------------- ptyfs: with

@pytest.fixture(scope="module")
def real_ptyfs(real_tree, real_out, cache_env):
    return _build(cache_env, real_out, "ptyfs", "--src", real_tree, "-j2")


def test_real_ptyfs_links_tty_and_lists_an_empty_root(real_ptyfs, tmp_path):
    assert "rumpkern_tty" in real_ptyfs["libraries"]  # `with`: no MODULE() records it
    p = _run(real_ptyfs, "ls", "-l", "/")
    assert p.stdout == b""  # no pty open: only . and .., which ls leaves out
    assert "directory" in _run(real_ptyfs, "stat", "/").stdout.decode()
    _one_line_error(_run(real_ptyfs, "mkdir", "/x", ok=False), "Read-only file system")
    usage = _run(real_ptyfs, "ls", "-x", ok=False).stderr.decode()
    assert usage.startswith("usage: rump_ptyfs ls ")  # no IMAGE operand


def test_real_ptyfs_fuse_root_holds_dot_and_dotdot(real_ptyfs, tmp_path):
    _fuse_or_skip()
    with _Fuse(real_ptyfs, tmp_path / "mnt") as mnt:
        names = subprocess.run(["ls", "-a", str(mnt)], capture_output=True, text=True, check=True).stdout.split()
        assert names == [".", ".."]


# ---------------------------------------------------------------------------- procfs: stubs

@pytest.fixture(scope="module")
def real_procfs(real_tree, real_out, cache_env):
    return _build(cache_env, real_out, "procfs", "--src", real_tree, "-j2", "--stubs")


def test_real_procfs_without_stubs_is_refused_like_rumpbuild_test(real_tree, real_out, cache_env):
    p = _util(cache_env, real_out, "procfs", "--src", real_tree, "-j2")
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert p.stderr.splitlines()[0].startswith("rumpbuild: error: rump_procfs links only with stubs: procfs calls")
    assert "rumpbuild util procfs --stubs" in p.stderr


def test_real_procfs_lists_its_root_and_a_stub_stop_is_one_line(real_procfs):
    names = _run(real_procfs, "ls", "/").stdout.decode().split()
    for name in ("curproc", "self", "version", "cpuinfo", "meminfo", "uptime"):
        assert name in names, names
    ls = _run(real_procfs, "ls", "-l", "/").stdout.decode()
    assert "self -> curproc" in ls
    # reading a file reaches lwp_addref, a panicking stub: one line and exit 1, not an abort
    p = _run(real_procfs, "cat", "/version", ok=False)
    assert p.stdout == b""
    _one_line_error(p, "rump_procfs: cat: the rump kernel reached a kernel function this build links as a "
                    "panicking stub")


# ---------------------------------------------------------------------------- hfs

@pytest.fixture(scope="module")
def real_hfs(real_tree, real_out, cache_env):
    _need("xorriso")
    return _build(cache_env, real_out, "hfs", "--src", real_tree, "-j2")


def _mixed_tree(root: Path) -> Path:
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


def _hfsplus_image(tree: Path, image: Path) -> Path:
    """The smoke test's recipe (images.toml [hfsplus]: xorriso -hfsplus, the HFS+ partition cut out)."""
    with open(SMOKE_DIR / "images.toml", "rb") as f:
        recipe = tomllib.load(f)["hfsplus"]
    for cmd in recipe["commands"]:
        subprocess.run(["/bin/sh", "-c", cmd.format(image=image, dir=tree)], check=True, capture_output=True)
    return image


def _files_nfc(root: Path) -> dict:
    """{NFC relative path: bytes}: HFS+ keeps names decomposed (NFD), as xorriso writes them."""
    return {unicodedata.normalize("NFC", str(p.relative_to(root))): p.read_bytes()
            for p in root.rglob("*") if p.is_file()}


def test_real_hfs_reads_the_tree_xorriso_wrote(real_hfs, tmp_path):
    tree = _mixed_tree(tmp_path / "tree")
    img = _hfsplus_image(tree, tmp_path / "hfs.img")
    ls = _run(real_hfs, img, "ls", "/").stdout.decode()
    assert "name with spaces.txt" in ls.splitlines() and "big.bin" in ls.splitlines()
    assert _run(real_hfs, img, "cat", "/sub/deeper/leaf.txt").stdout == b"deep\n"
    nfd = unicodedata.normalize("NFD", "/grüße 日本.txt")
    assert _run(real_hfs, img, "cat", nfd).stdout == b"utf-8\n"
    _run(real_hfs, img, "get", "-r", "/", tmp_path / "got")
    assert _files_nfc(tmp_path / "got") == _files_nfc(tree)
    _one_line_error(_run(real_hfs, img, "mkdir", "/x", ok=False), "Read-only file system")


def test_real_hfs_fuse_mount_reads_the_tree(real_hfs, tmp_path):
    _fuse_or_skip()
    tree = _mixed_tree(tmp_path / "tree")
    img = _hfsplus_image(tree, tmp_path / "hfs.img")
    with _Fuse(real_hfs, tmp_path / "mnt", img) as mnt:
        assert _files_nfc(mnt) == _files_nfc(tree)
        with pytest.raises(OSError) as e:
            (mnt / "new").write_text("x")
        assert e.value.errno == 30  # EROFS
