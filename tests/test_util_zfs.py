"""rump_zfs (`rumpbuild util zfs`): the zfs face of rump_<fs>.

In CI (the example tree has no zfs): zfs_util.c, the host half, compiled
with the host compiler against a stub of the rump kernel and of the zfs
helper's entry points that records each call — so the operands, zpool
create's images, the checks before anything boots, the exit statuses, the
import/export around every command and the image lock are tested as they
run; `rumpbuild util zfs` on the example tree says there is no zfs.  On a
real tree (RUMPBUILD_NETBSDSRC with external/cddl/osnet): a pool on sparse
images, a tree put in, the dataset FUSE-mounted and written with cp -a, a
new process reads the same bytes back, the scrub is clean.
"""

from __future__ import annotations

import argparse
import fcntl
import filecmp
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from rumpbuild.tree.locate import example_tree_path
from rumpbuild.zfs import util as zfs_util

STUB = r"""
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zfs_util.h"

int rumpns_zil_disable, rumpns_zfs_txg_timeout = 30;

static const char *env(const char *n, const char *d) { const char *v = getenv(n); return v ? v : d; }
static int fail(const char *what, char *msg, size_t len)
{
	if (strcmp(env("STUB_FAIL", ""), what) != 0)
		return 0;
	snprintf(msg, len, "ZFS_IOC_%s failed with EINVAL", what);
	return EINVAL;
}
int rump_init(void) { printf("CALL rump_init zil_disable=%d\n", rumpns_zil_disable); return 0; }
int rump_pub_etfs_register(const char *key, const char *host, int type)
{ printf("CALL etfs %s %s %d\n", key, host, type); return 0; }
int rumpbuild_zfs_pool_create(const char *pool, const char *const *paths, int n, int mirror, char *msg, size_t len)
{
	printf("CALL create %s n=%d mirror=%d", pool, n, mirror);
	for (int i = 0; i < n; i++) printf(" %s", paths[i]);
	printf("\n");
	return fail("POOL_CREATE", msg, len);
}
int rumpbuild_zfs_pool_import(const char *want, const void *const *labels, const size_t *lens,
    const char *const *paths, int n, char *found, size_t flen, char *msg, size_t mlen)
{
	const char *pool = env("STUB_POOL", "tank");

	printf("CALL import zil_disable=%d txg=%d want=%s", rumpns_zil_disable, rumpns_zfs_txg_timeout, want);
	for (int i = 0; i < n; i++) printf(" %s:%zu:%.8s", paths[i], lens[i], (const char *)labels[i]);
	printf("\n");
	snprintf(found, flen, "%s", pool);
	if (want[0] && strcmp(want, pool) != 0) {
		snprintf(msg, mlen, "the images hold pool '%s', not '%s'", pool, want);
		return ESRCH;
	}
	return fail("POOL_IMPORT", msg, mlen);
}
int rumpbuild_zfs_pool_export(const char *pool, char *msg, size_t len) { printf("CALL export %s\n", pool); return 0; }
int rumpbuild_zfs_pool_scrub(const char *pool, char *msg, size_t len) { printf("CALL scrub %s\n", pool); return 0; }
int rumpbuild_zfs_pool_stats(const char *pool, uint64_t *v, int n, char *msg, size_t len)
{
	memset(v, 0, n * sizeof(*v));
	v[0] = 7; v[1] = 1; v[2] = 1; v[3] = 4096; v[4] = 512; v[5] = atoi(env("STUB_ERRORS", "0"));
	v[9] = 1000; v[10] = 2000;
	return 0;
}
int rumpbuild_zfs_dataset_create(const char *name, char *msg, size_t len)
{ printf("CALL mkds %s\n", name); return fail("CREATE", msg, len); }
int rumpbuild_zfs_dataset_list(const char *parent, int snaps, char *buf, size_t len, char *msg, size_t mlen)
{
	/* tank has tank/a and tank@s1; everything else is a leaf */
	snprintf(buf, len, "%s", strcmp(parent, "tank") == 0 ? "tank/a\ntank@s1\n" : "");
	return 0;
}
int rumpbuild_zfs_snapshot(const char *fs, const char *snap, char *msg, size_t len)
{ printf("CALL snapshot %s %s\n", fs, snap); return 0; }
int rumpbuild_zfs_destroy(const char *name, char *msg, size_t len) { printf("CALL destroy %s\n", name); return 0; }
int rumpbuild_zfs_dataset_space(const char *name, uint64_t *avail, uint64_t *used, char *msg, size_t len)
{ *avail = 777; *used = 333; return 0; }
int rumpbuild_zfs_mountargs(const char *ds, void *buf, unsigned long *len) { return 0; }

/* harness IMAGE... -- zpool|zfs ...   or   harness --operands IMAGE... -- DATASET [MOUNTPOINT] */
int
main(int argc, char **argv)
{
	int ops = argc > 1 && strcmp(argv[1], "--operands") == 0, first = 1 + ops, k = first;

	while (k < argc && strcmp(argv[k], "--") != 0)
		k++;
	if (ops) {
		int rv = rbu_zfs_operands(argv + first, k - first, argv[k + 1], k + 2 < argc ? argv[k + 2] : NULL, stderr);
		if (rv == 0 && rbu_zfs_import() == 0)
			printf("MOUNT %s\n", argv[k + 1]);
		return rv ? 2 : 0;
	}
	return rbu_zfs_admin(argv + first, k - first, argc - k - 1, argv + k + 1, stdout, stderr);
}
"""

MB = 1 << 20


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a host C compiler")
    d = tmp_path_factory.mktemp("zfsutil")
    (d / "stub.c").write_text(STUB)
    exe = d / "harness"
    rump_inc = example_tree_path() / "sys" / "rump" / "include"
    subprocess.run([cc, "-std=gnu11", "-Wall", "-Werror", "-D_FILE_OFFSET_BITS=64", f"-I{zfs_util.HERE}",
                    f"-I{rump_inc}", str(zfs_util.HOST_SOURCE), str(d / "stub.c"), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    return exe


def run(harness, cwd, *args, env=None):
    p = subprocess.run([str(harness), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120,
                       env={**os.environ, **(env or {})})
    calls = [line[5:] for line in p.stdout.splitlines() if line.startswith("CALL ")]
    return p.returncode, p.stdout, p.stderr, calls


def test_zpool_create_makes_sparse_images_and_exports(harness, tmp_path):
    rc, out, err, calls = run(harness, tmp_path, "--", "zpool", "create", "-s", "100M", "tank", "mirror", "a.img",
                              "b.img")
    assert rc == 0, err
    for name in ("a.img", "b.img"):
        st = os.stat(tmp_path / name)
        assert st.st_size == 100 * MB and st.st_blocks == 0  # sparse: nothing written by the host
    assert calls == ["rump_init zil_disable=0", "etfs /rumpbuild-zfs0 a.img 0", "etfs /rumpbuild-zfs1 b.img 0",
                     "create tank n=2 mirror=1 /rumpbuild-zfs0 /rumpbuild-zfs1", "export tank"]
    assert "created pool tank on 2 images (mirror)" in out


def test_zpool_create_refuses_before_booting(harness, tmp_path):
    small = tmp_path / "small.img"
    small.write_bytes(b"\0" * MB)
    labelled = tmp_path / "used.img"
    with open(labelled, "wb") as f:
        f.truncate(64 * MB)
        f.seek(16 * 1024)
        f.write(b"\x01\x01\0\0 a zfs label nvlist")
    cases = [
        (("zpool", "create", "-s", "10M", "t", "n.img"), 2, "64M or more"),
        (("zpool", "create", "t", "mirror", "n.img"), 2, "two or more images"),
        (("zpool", "create", "t/x", "n.img"), 2, "not a pool name"),
        (("zpool", "create", "t", "small.img"), 1, "zfs needs 64 MB"),
        (("zpool", "create", "t", "used.img"), 1, "-f overwrites it"),
        (("zpool", "create", "-q", "t", "n.img"), 2, "unknown option -q"),
        (("zpool", "frob"), 2, "unknown zpool command"),
        (("zpool", "status"), 2, "give the pool's images first"),
        (("zfs", "list"), 2, "give the pool's images first"),
    ]
    for words, status, said in cases:
        rc, _out, err, calls = run(harness, tmp_path, "--", *words)
        assert rc == status and said in err and err.count("\n") == 1, (words, rc, err)
        assert calls == [], words  # nothing booted
    assert not (tmp_path / "n.img").exists()
    rc, _o, err, _c = run(harness, tmp_path, "small.img", "--", "zpool", "create", "t", "x.img")
    assert rc == 2 and "after the pool name" in err
    rc, _o, err, calls = run(harness, tmp_path, "--", "zpool", "create", "-f", "t", "used.img")
    assert rc == 0 and "create t n=1 mirror=0 /rumpbuild-zfs0" in calls, err


def test_failed_create_removes_only_the_images_it_made(harness, tmp_path):
    old = tmp_path / "old.img"
    with open(old, "wb") as f:
        f.truncate(64 * MB)
    rc, _out, err, calls = run(harness, tmp_path, "--", "zpool", "create", "t", "old.img", "new.img",
                               env={"STUB_FAIL": "POOL_CREATE"})
    assert rc == 1 and "creating pool t: ZFS_IOC_POOL_CREATE failed with EINVAL" in err
    assert old.exists() and not (tmp_path / "new.img").exists()
    assert "export t" not in calls


def test_pool_commands_import_from_the_labels_and_export(harness, tmp_path):
    img = tmp_path / "p.img"
    with open(img, "wb") as f:
        f.truncate(64 * MB)
        f.seek(16 * 1024)
        f.write(b"LABELNV!")
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zpool", "status")
    assert rc == 0, err
    assert calls[2].startswith("import zil_disable=0 txg=30 want= /rumpbuild-zfs0:") and calls[2].endswith(":LABELNV!")
    assert calls[-1] == "export tank"
    assert "pool tank: ONLINE, 1000 of 2000 bytes allocated" in out and "errors: 0 read, 0 write" in out
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zpool", "scrub", "tank")
    assert rc == 0 and "scrub tank" in calls and "repaired 512 bytes, 0 errors" in out
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zpool", "scrub", env={"STUB_ERRORS": "3"})
    assert rc == 1 and "3 errors" in out and calls[-1] == "export tank"
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zpool", "import", "other")
    assert rc == 1 and "the images hold pool 'tank', not 'other'" in err and "export tank" not in calls
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zpool", "import", env={"STUB_FAIL": "POOL_IMPORT"})
    assert rc == 1 and "ZFS_IOC_POOL_IMPORT failed with EINVAL (a vdev missing, damaged or truncated?)" in err


def test_dataset_commands(harness, tmp_path):
    with open(tmp_path / "p.img", "wb") as f:
        f.truncate(64 * MB)
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zfs", "list")
    assert rc == 0, err
    assert [line.split() for line in out.splitlines() if not line.startswith("CALL")] == [
        ["NAME", "USED", "AVAIL"], ["tank", "333", "777"], ["tank/a", "333", "777"], ["tank@s1"]]
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zfs", "create", "tank/b")
    assert rc == 0 and "mkds tank/b" in calls and calls[-1] == "export tank"
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zfs", "snapshot", "tank/a@s2")
    assert rc == 0 and "snapshot tank/a s2" in calls
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zfs", "destroy", "tank/a")
    assert rc == 0 and "destroy tank/a" in calls
    for words, status, said in [(("zfs", "create", "tank"), 2, "a pool's root dataset"),
                                (("zfs", "destroy", "tank"), 2, "a pool goes with its images"),
                                (("zfs", "snapshot", "tank/a"), 2, "names no snapshot"),
                                (("zfs", "snapshot", "@x"), 2, "names no snapshot"),
                                (("zfs", "rename", "a", "b"), 2, "unknown zfs command")]:
        rc, _out, err, calls = run(harness, tmp_path, "p.img", "--", *words)
        assert rc == status and said in err and calls == [], (words, err)
    rc, out, err, calls = run(harness, tmp_path, "p.img", "--", "zfs", "create", "tank/c",
                              env={"STUB_FAIL": "CREATE"})
    assert rc == 1 and "zfs create tank/c: ZFS_IOC_CREATE failed" in err and calls[-1] == "export tank"


def test_operands_of_the_file_commands_and_the_mount(harness, tmp_path):
    with open(tmp_path / "p.img", "wb") as f:
        f.truncate(64 * MB)
    (tmp_path / "mnt").mkdir()
    rc, out, err, calls = run(harness, tmp_path, "--operands", "p.img", "--", "tank/a", "mnt")
    assert rc == 0 and "MOUNT tank/a" in out, err
    # the mount step: the intent log is off before the mount, the pool named by the dataset is imported
    assert calls == ["etfs /rumpbuild-zfs0 p.img 0", "import zil_disable=1 txg=5 want=tank /rumpbuild-zfs0:114648:"]
    for args, said in [(("--", "tank"), "no image before tank"),
                       (("p.img", "--", "p.img"), "p.img is a file"),
                       (("p.img", "--", "tank@s"), "not a dataset name"),
                       (("p.img", "--", "tank", "nowhere"), "nowhere is no command"),
                       (("missing.img", "--", "tank"), "missing.img: No such file")]:
        rc, _out, err, calls = run(harness, tmp_path, "--operands", *args)
        assert rc == 2 and said in err and calls == [], (args, err)


def test_a_second_process_waits_for_the_images(harness, tmp_path):
    img = tmp_path / "p.img"
    with open(img, "wb") as f:
        f.truncate(64 * MB)
    with open(img, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a FUSE daemon still exporting its pool
        p = subprocess.Popen([str(harness), "p.img", "--", "zpool", "status"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert p.poll() is None  # still waiting: it did not import while the images were in use
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0 and "pool tank: ONLINE" in out
    assert "in use by another process" in err and "waiting" in err


def test_util_zfs_on_a_tree_without_zfs(run_cli, tmp_path):
    status, _out, err = run_cli("util", "zfs", "--out", tmp_path / "o", "-q")
    assert status == 1 and "zfs" in err and "Traceback" not in err


# -- real tree ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_rump_zfs(tmp_path_factory):
    from rumpbuild.session import BuildSession
    from rumpbuild.util.build import build_util

    src = os.environ.get("RUMPBUILD_NETBSDSRC")
    if not src or not (Path(src) / "external" / "cddl" / "osnet").is_dir():
        pytest.skip("set RUMPBUILD_NETBSDSRC to a NetBSD tree with external/cddl/osnet")
    out = os.environ.get("RUMPBUILD_ZFS_OUT") or str(tmp_path_factory.mktemp("zfsutilreal"))
    session = BuildSession.from_args(argparse.Namespace(src=src, arch="amd64", toolchain="gcc", out=out,
                                                        defines=["MKZFS=yes"], quiet=True, jobs=2))
    return build_util(session, session.find_component("zfs"))


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _same, diff, errs = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not diff and not errs and all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


def test_real_pool_put_fuse_reimport_scrub(real_rump_zfs, tmp_path):
    z = real_rump_zfs.program
    tree = tmp_path / "tree"
    for i in range(12):
        d = tree / f"d{i % 3}" / f"e{i % 2}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i}.bin").write_bytes(os.urandom(i * 37_000))
    a, b = tmp_path / "a.img", tmp_path / "b.img"

    def ok(*args):
        p = subprocess.run([z, *map(str, args)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, (args, p.stderr)
        return p.stdout

    assert "created pool tank on 2 images (mirror)" in ok("zpool", "create", "-s", "4G", "tank", "mirror", a, b)
    assert os.stat(a).st_blocks * 512 < 64 * MB  # sparse
    ok(a, b, "zfs", "create", "tank/data")
    ok(a, b, "tank/data", "put", "-r", tree, "/put")
    if real_rump_zfs.fuse and os.path.exists("/dev/fuse") and shutil.which("fusermount3"):
        mnt = tmp_path / "mnt"
        mnt.mkdir()
        ok(a, b, "tank/data", mnt)
        try:
            subprocess.run(["cp", "-a", str(tree), str(mnt / "fuse")], check=True, timeout=600)
            assert _same_tree(tree, mnt / "fuse") and _same_tree(tree, mnt / "put")
        finally:
            subprocess.run(["fusermount3", "-u", str(mnt)], timeout=60)
    # a new process (it waits for the FUSE daemon's export) imports the pool and reads it all back
    back = tmp_path / "back"
    ok(a, b, "tank/data", "get", "-r", "/", back)
    assert _same_tree(tree, back / "put")
    if (back / "fuse").exists():
        assert _same_tree(tree, back / "fuse")
    assert ", 0 errors" in ok(a, b, "zpool", "scrub")
    assert "tank/data" in ok(b, a, "zfs", "list")  # images in any order
