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
from test_util import _mixed_tree  # the tree every rump_<fs> proof reads back (5 MB, empty, UTF-8 names…)

pytestmark = pytest.mark.live  # runs real compilers

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


def _fuse_serves_the_tree_read_only(doc, img: Path, tree: Path, mnt: Path):
    """Mount *img* through FUSE: the files are *tree*'s (names compared in NFC) and a write is EROFS."""
    _fuse_or_skip()
    with _Fuse(doc, mnt, img) as m:
        assert _files_nfc(m) == _files_nfc(tree)
        with pytest.raises(OSError) as e:
            (m / "new").write_text("x")
        assert e.value.errno == 30  # EROFS


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
    _fuse_serves_the_tree_read_only(real_hfs, _hfsplus_image(tree, tmp_path / "hfs.img"), tree, tmp_path / "mnt")


# ---------------------------------------------------------------------------- udf: the image's sector size

PROBE_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include "rbu_sector.h"
int main(int argc, char **argv)
{
	int set = rbu_set_sector_shift(argv[1], strtoull(argv[2], NULL, 0), 256);
	const char *env = getenv("RUMP_BLKSECTSHIFT");
	printf("%d %d %s\n", rbu_anchor_shift(argv[1], strtoull(argv[2], NULL, 0), 256), set, env ? env : "-");
	return 0;
}
"""


@pytest.fixture(scope="module")
def sector_probe(tmp_path_factory):
    """rbu_sector.h (shared by rump_<fs> and the smoke test) in a host program: 'SHIFT SET ENV' per image."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("needs a host C compiler")
    d = tmp_path_factory.mktemp("probe")
    (d / "probe.c").write_text(PROBE_C)
    util_dir = Path(SMOKE_DIR).parent / "util"
    subprocess.run([cc, "-Wall", "-Werror", f"-I{util_dir}", "-o", str(d / "probe"), str(d / "probe.c")], check=True)

    def probe(image, off=0, env=None):
        p = subprocess.run([str(d / "probe"), str(image), str(off)], capture_output=True, text=True, check=True,
                           env=dict({k: v for k, v in os.environ.items() if k != "RUMP_BLKSECTSHIFT"}, **(env or {})))
        shift, set_, value = p.stdout.split()
        return int(shift), int(set_), value
    return probe


def _genisoimage_udf(tree: Path, image: Path) -> Path:
    """The smoke test's recipe (images.toml [udf]: genisoimage -udf)."""
    with open(SMOKE_DIR / "images.toml", "rb") as f:
        recipe = tomllib.load(f)["udf"]
    _need(*recipe["tools"])
    for cmd in recipe["commands"]:
        subprocess.run(["/bin/sh", "-c", cmd.format(image=image, dir=tree)], check=True, capture_output=True)
    return image


def _mkudffs(image: Path, blocksize: int) -> Path:
    _need("mkudffs")
    subprocess.run(["truncate", "-s", "16M", str(image)], check=True)
    subprocess.run(["mkudffs", "--media-type=hd", f"--blocksize={blocksize}", str(image)], check=True,
                   capture_output=True)
    return image


def test_sector_probe_finds_each_media_sector_size(sector_probe, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "HELLO.TXT").write_text("hello\n")
    iso = _genisoimage_udf(tree, tmp_path / "udf.iso")
    assert sector_probe(iso) == (11, 11, "11")  # a CD's 2048 bytes: set for the kernel
    for bs, shift in ((512, 9), (1024, 10), (2048, 11), (4096, 12)):
        img = _mkudffs(tmp_path / f"hd{bs}.img", bs)
        # 512 is the kernel's default: nothing to set
        assert sector_probe(img) == (shift, 0 if shift == 9 else shift, "-" if shift == 9 else str(shift)), bs


def test_sector_probe_at_a_partitions_offset_and_on_what_is_not_udf(sector_probe, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "HELLO.TXT").write_text("hello\n")
    iso = _genisoimage_udf(tree, tmp_path / "udf.iso")
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * (1 << 20) + iso.read_bytes())
    assert sector_probe(disk, 1 << 20)[0] == 11
    assert sector_probe(disk, 0)[:2] == (0, 0)  # the partition's start matters
    plain = tmp_path / "plain.iso"
    _need("xorriso")
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-o", str(plain), str(tree)], check=True)
    assert sector_probe(plain) == (0, 0, "-")  # ISO 9660 only: no anchor
    bad = bytearray(iso.read_bytes())
    bad[256 * 2048 + 4] ^= 0xFF  # the tag's checksum
    (tmp_path / "bad.iso").write_bytes(bytes(bad))
    assert sector_probe(tmp_path / "bad.iso") == (0, 0, "-")
    assert sector_probe(tmp_path / "missing.iso") == (0, 0, "-")


def test_sector_probe_leaves_the_users_setting(sector_probe, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    iso = _genisoimage_udf(tree, tmp_path / "udf.iso")
    assert sector_probe(iso, env={"RUMP_BLKSECTSHIFT": "9"}) == (11, 0, "9")


def test_udf_facts_pass_the_anchor_to_the_smoke_test():
    from rumpbuild.smoke.runner import facts_args, fs_facts

    args = facts_args(fs_facts("udf"))
    assert args[args.index("-A") + 1] == "256"
    assert "-A" not in facts_args(fs_facts("cd9660"))


@pytest.fixture(scope="module")
def real_udf(real_tree, real_out, cache_env):
    return _build(cache_env, real_out, "udf", "--src", real_tree, "-j2")


def test_real_udf_reads_the_tree_genisoimage_wrote(real_udf, tmp_path):
    tree = _mixed_tree(tmp_path / "tree")
    img = _genisoimage_udf(tree, tmp_path / "udf.iso")
    ls = _run(real_udf, img, "ls", "/").stdout.decode().splitlines()
    assert "name with spaces.txt" in ls and "big.bin" in ls
    assert _run(real_udf, img, "cat", "/grüße 日本.txt").stdout == b"utf-8\n"
    _run(real_udf, img, "get", "-r", "/", tmp_path / "got")
    assert _files_nfc(tmp_path / "got") == _files_nfc(tree)
    _one_line_error(_run(real_udf, img, "mkdir", "/x", ok=False), "'/x'", "Read-only file system")
    # the probe is what mounts it: the kernel's 512-byte sectors, forced, do not
    p = subprocess.run(real_udf["run"] + [str(img), "ls", "/"], capture_output=True,
                       env=dict(os.environ, RUMP_BLKSECTSHIFT="9"))
    _one_line_error(p, "cannot mount it as udf")


def test_real_udf_still_reads_512_byte_sectors_and_partitions(real_udf, tmp_path):
    from rumpbuild.smoke.disklabel import wrap

    img = _mkudffs(tmp_path / "hd.img", 512)
    assert _run(real_udf, img, "ls", "/").returncode == 0
    tree = _mixed_tree(tmp_path / "tree")
    iso = _genisoimage_udf(tree, tmp_path / "udf.iso")
    spec = wrap(str(iso), str(tmp_path / "disk.img"), "e")  # the probe looks at the partition's start
    assert _run(real_udf, spec, "cat", "/sub/deeper/leaf.txt").stdout == b"deep\n"


def test_real_udf_fuse_mount_reads_the_tree(real_udf, tmp_path):
    _fuse_or_skip()
    tree = _mixed_tree(tmp_path / "tree")
    _fuse_serves_the_tree_read_only(real_udf, _genisoimage_udf(tree, tmp_path / "udf.iso"), tree, tmp_path / "mnt")


# ---------------------------------------------------------------------------- adosfs: a floppy's label

def _amitools_or_skip():
    import importlib.util

    if importlib.util.find_spec("amitools") is None:
        pytest.skip("needs the Python module amitools (pip install amitools)")


def _xdftool(image: Path, *commands):
    """amitools' xdftool on *image* (an .adf name: xdftool knows the kind by it); commands joined by +."""
    argv = [sys.executable, "-m", "amitools.tools.xdftool", str(image)]
    for i, c in enumerate(commands):
        argv += (["+"] if i else []) + list(c)
    return subprocess.run(argv, check=True, capture_output=True)


def _amiga_tree(root: Path) -> Path:
    """Files an Amiga floppy holds: names up to 30 characters, spaces allowed, folders."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").write_bytes(b"")
    (root / "one byte").write_bytes(b"\n")
    (root / "big.bin").write_bytes(os.urandom(300_000))  # most of an 880 KB OFS floppy's 488-byte blocks
    (root / "name with spaces.txt").write_text("spaces\n")
    (root / "sub" / "deeper" / "leaf.txt").write_text("deep\n")
    return root


def _adf(tree: Path, image: Path) -> Path:
    _amitools_or_skip()
    _xdftool(image, ("format", "RUMPBUILD"), *[("write", str(p)) for p in sorted(tree.iterdir())])
    return image


def test_adf_recipe_writes_the_known_file_amitools_reads_back(tmp_path):
    _amitools_or_skip()
    from rumpbuild.smoke.runner import KNOWN_FILE, KNOWN_TEXT

    img = Path(make_image("adf", str(tmp_path)))
    assert img.stat().st_size == 880 * 1024  # a DD floppy: what the `floppy` label stands for
    shutil.copy(img, tmp_path / "copy.adf")
    _xdftool(tmp_path / "copy.adf", ("read", KNOWN_FILE, str(tmp_path / "back")))
    assert (tmp_path / "back").read_text() == KNOWN_TEXT


def test_adf_recipe_without_amitools_names_the_pip_package(monkeypatch):
    import importlib.util

    from rumpbuild.errors import UserError
    from rumpbuild.smoke import runner

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "amitools" else real(name, *a))
    assert runner.missing_image_tool("adf") == ("the Python module 'amitools'", f"{sys.executable} -m pip install "
                                                                                 "amitools")
    with pytest.raises(UserError) as e:
        runner.make_image("adf", "/nonexistent")
    assert "needs the Python module 'amitools'" in str(e.value)


@pytest.fixture(scope="module")
def real_adosfs(real_tree, real_out, cache_env):
    _amitools_or_skip()
    return _build(cache_env, real_out, "adosfs", "--src", real_tree, "-j2")


def test_real_adosfs_reads_the_floppy_xdftool_wrote(real_adosfs, tmp_path):
    tree = _amiga_tree(tmp_path / "tree")
    img = _adf(tree, tmp_path / "disk.adf")
    ls = _run(real_adosfs, img, "ls", "-l", "/").stdout.decode().splitlines()
    assert [line.split(maxsplit=7)[-1] for line in ls] == sorted(os.listdir(tree)), ls
    assert _run(real_adosfs, img, "cat", "/sub/deeper/leaf.txt").stdout == b"deep\n"
    _run(real_adosfs, img, "get", "-r", "/", tmp_path / "got")
    assert _files_nfc(tmp_path / "got") == _files_nfc(tree)
    before = img.read_bytes()
    _one_line_error(_run(real_adosfs, img, "mkdir", "/x", ok=False), "'/x'", "Read-only file system")
    assert img.read_bytes() == before


def test_real_adosfs_in_a_disklabel_partition_and_not_a_floppy(real_adosfs, tmp_path):
    from rumpbuild.smoke.disklabel import wrap

    tree = _amiga_tree(tmp_path / "tree")
    img = _adf(tree, tmp_path / "disk.adf")
    spec = wrap(str(img), str(tmp_path / "disk.img"), "e")  # the label's type is patched for every partition
    assert _run(real_adosfs, spec, "cat", "/name with spaces.txt").stdout == b"spaces\n"
    junk = tmp_path / "junk.adf"
    junk.write_bytes(b"\0" * (880 * 1024))
    _one_line_error(_run(real_adosfs, junk, "ls", "/", ok=False), "cannot mount it as adosfs")


def test_real_adosfs_fuse_mount_reads_the_floppy(real_adosfs, tmp_path):
    _fuse_or_skip()
    tree = _amiga_tree(tmp_path / "tree")
    _fuse_serves_the_tree_read_only(real_adosfs, _adf(tree, tmp_path / "disk.adf"), tree, tmp_path / "mnt")


def test_image_backed_file_systems_take_an_image_operand_even_without_a_recipe():
    """lfs has no image recipe (no host tool writes one), yet rump_lfs must take IMAGE, not run image-less."""
    from rumpbuild.smoke.runner import fs_facts
    from rumpbuild.util.build import image_backed

    assert image_backed(fs_facts("lfs")) and not fs_facts("lfs")["image"]
    assert image_backed(fs_facts("efs")) and image_backed(fs_facts("ffs"))
    assert not image_backed(fs_facts("kernfs")) and not image_backed(fs_facts("tmpfs"))
