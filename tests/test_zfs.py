"""zfs administration (rumpbuild/zfs): what is rumpbuild's own is tested on the example tree —
the helper's generation, compile and rename with a component's kernel flags, the link closure,
the argument rules, the tool's output parsing and the round trip's checks.  The pool round trip
itself runs on a real tree (RUMPBUILD_NETBSDSRC with MKZFS) and skips without it."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
from types import SimpleNamespace
from pathlib import Path

import pytest

from rumpbuild.errors import UserError
from rumpbuild.zfs import helper, names
from rumpbuild.zfs.errors import tool_error
from rumpbuild.zfs.roundtrip import FRONT_LABELS, data_extents, damage, trees_differ, write_tree
from rumpbuild.zfs.tool import ZfsTool, scrub_counts

MOCK = Path(__file__).parent / "fixtures" / "zfsmock"


# -- helper generation --------------------------------------------------------
def test_helper_source_names_every_entry_point_ioctl_and_header():
    src = helper.helper_source("rumpfs_zfs")
    for name in helper.ENTRY_POINTS:
        assert re.search(rf"^{name}\(", src, re.M), name  # defined, at the start of a line
    for ioc in helper.IOCTLS:
        assert f'{{ {ioc}, "{ioc}" }}' in src  # named in the messages
    for ioc in ("ZFS_IOC_POOL_CREATE", "ZFS_IOC_POOL_TRYIMPORT", "ZFS_IOC_POOL_IMPORT", "ZFS_IOC_POOL_SCRUB"):
        assert re.search(rf"(zioc(_get)?|simple)\({ioc},", src), ioc  # and issued
    # snapshot and destroy: the ioctls and zfs_cmd_t fields the 2016 tree's zfs_ioctl.c reads
    assert re.search(r"zc_value, snap,.*\n.*zc_cookie = 0;.*\n(.*\n){1,6}.*zioc\(ZFS_IOC_SNAPSHOT, zc\)", src)
    assert "cmd = ZFS_IOC_DESTROY_SNAPS;" in src and "cmd = ZFS_IOC_DESTROY;" in src
    assert "zc->zc_objset_type = DMU_OST_ZFS;\n\t}" in src  # a file system, not a zvol
    assert "list_names(ZFS_IOC_SNAPSHOT_LIST_NEXT, parent" in src
    assert [m for m in re.findall(r"^#include <(.+)>$", src, re.M)] == helper.HEADERS
    assert f'#define HELPER_VDEV_TYPE\t"{helper.VDEV_TYPE}"' in src
    assert "FKIOCTL" in src and "librumpfs_zfs" not in src and "rumpfs_zfs component" in src
    # every name starts with "rump": Makefile.rump's rename keeps them visible to the host
    assert all(n.startswith("rump") for n in helper.ENTRY_POINTS)


@pytest.fixture(scope="module")
def example_build(tmp_path_factory):
    """The example tree with the mock zfs API headers added, msdos built (zig, amd64)."""
    from rumpbuild.session import BuildSession
    from rumpbuild.tree import example_tree_path

    tmp = tmp_path_factory.mktemp("zfsex")
    tree = tmp / "tree"
    shutil.copytree(example_tree_path(), tree, symlinks=True)
    shutil.copytree(MOCK / "sys", tree / "sys" / "sys", dirs_exist_ok=True)
    session = BuildSession.from_args(argparse.Namespace(src=str(tree), arch="amd64", toolchain="zig",
                                                        out=str(tmp / "out"), quiet=True))
    entry = session.find_component("msdos")
    closure = helper.zfs_closure(session, entry)
    plan = session.build(closure, shared=False)
    return session, entry, closure, plan, tmp


def test_closure_is_the_components_then_the_base(example_build):
    session, entry, closure, _plan, _tmp = example_build
    libs = [e.lib for e in closure]
    assert libs == ["rumpfs_msdos", "rumpdev_disk", "rumpdev", "rumpvfs", "rump", "rumpuser"]
    assert libs[:len(session.closure(entry))] == [e.lib for e in session.closure(entry)]
    assert len(set(libs)) == len(libs)


def test_helper_compiles_with_the_components_flags_and_is_renamed(example_build):
    from rumpbuild.symbols import defined_globals, undefined_globals

    session, _entry, _closure, plan, tmp = example_build
    work = tmp / "h1"
    work.mkdir()
    obj = helper.helper_object(session, plan, str(work), "rumpfs_msdos")
    defined, undefined = defined_globals(obj), undefined_globals(obj)
    assert set(helper.ENTRY_POINTS) <= defined  # the host calls these by their own names
    # what it calls in the kernel is in the rump namespace, as the zfs component's own code is
    assert {"rumpns_nvlist_alloc", "rumpns_nvlist_pack", "rumpns_cdev_ioctl", "rumpns_devsw_name2chr"} <= undefined
    assert not {"nvlist_alloc", "cdev_ioctl"} & undefined
    assert {"rump_schedule", "rump_unschedule"} <= undefined
    assert (work / "zfshelper.c").read_text() == helper.helper_source("rumpfs_msdos")


def test_helper_compile_error_and_missing_component(example_build, tmp_path, monkeypatch):
    session, _entry, _closure, plan, _tmp = example_build
    monkeypatch.setattr(helper, "HEADERS", helper.HEADERS + ["sys/zfs_not_in_this_tree.h"])
    with pytest.raises(UserError) as e:  # a tree without the header: one message with the compiler's words
        helper.helper_object(session, plan, str(tmp_path), "rumpfs_msdos")
    assert "compiling the zfs helper failed" in str(e.value) and "zfs_not_in_this_tree.h" in str(e.value)
    with pytest.raises(UserError) as e:
        helper.helper_object(session, plan, str(tmp_path), "rumpfs_zfs")
    assert "librumpfs_zfs" in str(e.value) and "MKZFS=yes" in " ".join(e.value.hints)


# -- argument rules -------------------------------------------------------------
@pytest.mark.parametrize("name", ["tank", "a", "pool_1.x:y-z", "t" * 255])
def test_pool_names_zfs_accepts(name):
    assert names.check_pool_name(name) == name


@pytest.mark.parametrize("name,why", [("", "empty"), ("1tank", "start with a letter"), ("ta nk", "only letters"),
                                      ("mirror0", "reserved"), ("c0d0", "reserved"), ("t" * 256, "longer"),
                                      ("raidz", "reserved")])
def test_pool_names_zfs_refuses(name, why):
    with pytest.raises(UserError) as e:
        names.check_pool_name(name)
    assert why in str(e.value) and repr(name)[1:-1][:20] in str(e.value)


def test_dataset_names():
    assert names.check_dataset_name("tank/a/b_c") == "tank/a/b_c"
    for bad in ("tank/", "tank//a", "tank/a b", "9/a"):
        with pytest.raises(UserError):
            names.check_dataset_name(bad)


@pytest.mark.parametrize("name", ["tank/a@s1", "tank@x", "t/a/b@2026-12-01_10:00.x"])
def test_snapshot_names_zfs_accepts(name):
    assert names.check_snapshot_name(name) == name
    assert names.check_destroy_name(name) == name


@pytest.mark.parametrize("name,said", [("tank/a", "has no '@'"), ("tank/a@", "after '@' is empty"),
                                       ("tank/a@b@c", "more than one '@'"), ("tank/a@b c", "only letters"),
                                       ("tank/a@b/c", "only letters"), ("1tank/a@s", "start with a letter"),
                                       ("tank//a@s", "dataset name"), ("tank/a@" + "s" * 250, "longer than 255")])
def test_snapshot_names_zfs_refuses(name, said):
    with pytest.raises(UserError) as e:
        names.check_snapshot_name(name)
    assert said in str(e.value) and name[:20] in str(e.value) and e.value.hints
    assert "\n" not in str(e.value)  # one line


def test_destroy_names():
    assert names.check_destroy_name("tank/a/b") == "tank/a/b"
    with pytest.raises(UserError) as e:  # the pool's root dataset: not a destroy target
        names.check_destroy_name("tank")
    assert "'tank' is a pool's root dataset" in str(e.value) and "tank/CHILD" in e.value.hints[0]
    for bad in ("tank/a b", "tank/@s", "mirror/a"):
        with pytest.raises(UserError):
            names.check_destroy_name(bad)


def test_sizes_and_vdev_layouts():
    assert names.parse_size("256M") == 256 << 20 and names.parse_size("10G") == 10 << 30
    assert names.parse_size("67108864") == 64 << 20 and names.parse_size("1t") == 1 << 40
    for bad in ("10X", "", "63M", "-1G"):
        with pytest.raises(UserError):
            names.parse_size(bad)
    assert names.vdev_layout(["a.img"]) == (False, ["a.img"])
    assert names.vdev_layout(["mirror", "a", "b"]) == (True, ["a", "b"])
    for bad, said in ((["mirror", "a"], "two or more"), ([], "no image"), (["a", "a"], "given twice"),
                      (["raidz1", "a"], "only plain and mirror")):
        with pytest.raises(UserError) as e:
            names.vdev_layout(bad)
        assert said in str(e.value)
    assert names.device_keys(["x", "y"]) == ["/rumpbuild-zfs0", "/rumpbuild-zfs1"]


def test_tool_errors_become_one_message_with_hints():
    e = tool_error("no zfs label (vdev_phys nvlist at offset 16384) in any image", ["a.img"], "import")
    assert str(e).startswith("zfs import: a.img: not a zfs pool") and "all of them" in e.hints[0]
    e = tool_error("importing the pool: ZFS_IOC_POOL_IMPORT failed with EOVERFLOW (kernel errno 84)", ["t.img"])
    assert "truncated" in str(e) and "EOVERFLOW" in str(e)
    e = tool_error("the files in d need about 9 bytes and dataset p has 1 bytes available", ["p.img"], "put")
    assert "the pool is full" in str(e) and "--size" in e.hints[0]
    e = tool_error("tank/a@nope: looking the snapshot up: ZFS_IOC_OBJSET_STATS failed with ENOENT (kernel errno 2)",
                   ["p.img"], "destroy")
    assert str(e).startswith("zfs destroy: no such dataset or snapshot: tank/a@nope") and "list" in e.hints[0]
    e = tool_error("tank/a@s2: taking the snapshot: ZFS_IOC_SNAPSHOT failed with EEXIST (kernel errno 17)", [])
    assert "it exists already" in str(e)
    e = tool_error("dataset tank/a has children or snapshots (tank/a@s2): destroy them first", [], "destroy")
    assert "one dataset at a time" in str(e) and "no -r" in e.hints[0]
    e = tool_error("something new", [])
    assert str(e) == "zfs: something new"


# -- the tool's output and the round trip's checks --------------------------------
def test_tool_run_argv_and_output(tmp_path):
    """A stand-in program: the images are registered in order, commands separated by ';', STEP lines
    found after the kernel's unterminated console messages, the ERROR line kept."""
    fake = tmp_path / "zfstool"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > args.txt\n'
                    'printf "!created version 23 pool p using 23STEP create PASS pool p\\n"\n'
                    'echo "STEP scrub PASS examined=5 repaired=1 errors=0"\n'
                    'echo "STEP put FAIL"; echo "ERROR writing /zfsmnt/x: No space left on device"; exit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "a.img").write_bytes(b"")
    tool = ZfsTool(str(fake), [], str(tmp_path))
    run = tool.run([["create", "p", "/rumpbuild-zfs0"], ["put", "p", "d"]], [str(tmp_path / "a.img"), "b.img"])
    assert (tmp_path / "args.txt").read_text().split("\n")[:-1] == [
        "-i", f"/rumpbuild-zfs0={tmp_path / 'a.img'}", "-i", f"/rumpbuild-zfs1={os.path.abspath('b.img')}",
        "create", "p", "/rumpbuild-zfs0", ";", "put", "p", "d"]
    assert run.steps == [("create", "PASS", "pool p"), ("scrub", "PASS", "examined=5 repaired=1 errors=0"),
                         ("put", "FAIL", "")]
    assert not run.ok and run.error == "writing /zfsmnt/x: No space left on device"
    assert scrub_counts(run.detail("scrub")) == {"examined": 5, "repaired": 1, "errors": 0}


def test_tree_compare_finds_changed_missing_and_extra_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    total = write_tree(str(a))
    write_tree(str(b))
    assert total > 1 << 20 and trees_differ(str(a), str(b)) == []
    files = sorted(p for p in b.rglob("*.bin") if p.stat().st_size > 100)
    data = bytearray(files[0].read_bytes())
    data[50] ^= 1
    files[0].write_bytes(bytes(data))
    files[1].unlink()
    (b / "extra").write_text("x")
    rel = {str(p.relative_to(b)) for p in files[:2]} | {"extra"}
    assert set(trees_differ(str(a), str(b))) == rel


def test_damage_hits_the_written_region_between_the_labels(tmp_path):
    img = tmp_path / "v.img"
    size = 64 << 20
    with open(img, "wb") as f:
        f.truncate(size)
        for off in (0, 40 << 20, size - (256 << 10)):  # labels at both ends, data at 40 MB
            f.seek(off)
            f.write(b"\x11" * (2 << 20) if off == 40 << 20 else b"\x22" * (128 << 10))
    ext = data_extents(str(img))
    assert ext and all(FRONT_LABELS <= s < e <= size - (512 << 10) for s, e in ext)
    assert any(s <= 40 << 20 < e for s, e in ext)
    before = img.read_bytes()
    off = damage(str(img), 1 << 20)
    after = img.read_bytes()
    assert 39 << 20 <= off <= 41 << 20
    changed = [i for i in range(0, size, 4096) if before[i:i + 4096] != after[i:i + 4096]]
    assert changed and min(changed) >= off and max(changed) < off + (1 << 20)
    assert after[:256 << 10] == before[:256 << 10] and after[-(256 << 10):] == before[-(256 << 10):]


FAKE_TOOL = r"""#!PYTHON
# A stand-in zfs tool keeping its pool in a folder beside the first image: names and files per dataset.
import json, os, shutil, sys
args, imgs = sys.argv[1:], []
while args and args[0] == "-i":
    imgs.append(args[1].split("=", 1)[1]); args = args[2:]
state = os.path.join(os.path.dirname(imgs[0]), "fakepool")
path = os.path.join(state, "names.json")
names = json.load(open(path)) if os.path.exists(path) else []
cmds, cur = [], []
for a in args + [";"]:
    if a == ";":
        cmds.append(cur); cur = []
    else:
        cur.append(a)
for c in cmds:
    op, arg = c[0], c[1:]
    if op == "create":
        names = [arg[0]]
    elif op in ("mkds", "snapshot"):
        names.append(arg[0])
    elif op == "destroy" and not os.environ.get("FAKE_DESTROY_KEEPS"):
        names.remove(arg[0])
    elif op == "put":
        shutil.copytree(arg[1], os.path.join(state, arg[0], *arg[2:]), dirs_exist_ok=True)
    elif op == "get":
        shutil.copytree(os.path.join(state, arg[0]), arg[1], dirs_exist_ok=True)
    elif op == "list":
        kids = [n for n in names if n.startswith(arg[0] + "/") and "/" not in n[len(arg[0]) + 1:] and "@" not in n]
        print("STEP list PASS " + " ".join(kids + [n for n in names if n.startswith(arg[0] + "@")]) + " ")
        continue
    elif op == "scrub":
        print("STEP scrub PASS examined=9 repaired=0 errors=0 read_errors=0 checksum_errors=0")
        continue
    print("STEP %s PASS %s" % (op, " ".join(arg)))
    print("TIME %s 0.1" % op)
os.makedirs(state, exist_ok=True)
json.dump(names, open(path, "w"))
print("DONE")
"""


@pytest.mark.parametrize("destroy_works", [True, False])
def test_round_trip_snapshot_and_destroy_steps(tmp_path, monkeypatch, destroy_works):
    """run_zfs_test with a stand-in tool: the snapshot, the files written after it, the second dataset,
    the destroys and the lists are sent, the lists are checked, the read-back tree holds the later files."""
    from rumpbuild.zfs.roundtrip import POOL, SCRATCH, SNAPSHOT, run_zfs_test

    fake = tmp_path / "zfstool"
    fake.write_text(FAKE_TOOL.replace("PYTHON", sys.executable))
    fake.chmod(0o755)
    if not destroy_works:
        monkeypatch.setenv("FAKE_DESTROY_KEEPS", "1")
    session = SimpleNamespace(target=SimpleNamespace(name="amd64"), outdir=str(tmp_path))
    res = run_zfs_test(session, SimpleNamespace(lib="rumpfs_zfs"), 64 << 20,
                       tool=ZfsTool(str(fake), [], str(tmp_path)))
    steps = {s.name: s for s in res.steps}
    assert [s.detail for s in res.steps if s.name in ("snapshot", "destroy")] == [
        f"{POOL}/data@{SNAPSHOT}", f"{POOL}/data@{SNAPSHOT}", f"{POOL}/{SCRATCH}"]
    assert steps["lists"].status == ("PASS" if destroy_works else "FAIL"), steps["lists"].detail
    if destroy_works:
        assert res.ok and steps["readback"].status == "PASS"
        back = tmp_path / "roundtrip" / "back" / "more"
        assert len(list(back.rglob("*.bin"))) == 8  # the files written after the snapshot came back too
    else:
        assert not res.ok and "still there: " + f"{POOL}/data@{SNAPSHOT} {POOL}/{SCRATCH}" in steps["lists"].detail


# -- the command -------------------------------------------------------------------
def test_facts_and_command_arguments(run_cli, tmp_path):
    from rumpbuild.commands.test import _run_zfs
    from rumpbuild.smoke.runner import fs_facts

    facts = fs_facts("zfs")
    assert facts["driver"] == "zfs" and facts["image"] == "" and names.parse_size(facts["pool_size"])
    args = argparse.Namespace(image="x.img", kmod=None, partition=None, stubs=False, import_images=None,
                              put=None, size="256M", mirror=False)
    with pytest.raises(UserError) as e:
        _run_zfs(args, None, None)
    assert "--image" in str(e.value) and "--import" in " ".join(e.value.hints)
    args.image, args.put = None, str(tmp_path)
    with pytest.raises(UserError) as e:
        _run_zfs(args, None, None)
    assert "needs --import" in str(e.value)
    status, _out, err = run_cli("test", "zfs", "--out", tmp_path / "o", "-q")  # the example tree has no zfs
    assert status == 1 and "zfs" in err and "Traceback" not in err


# -- real tree ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_zfs_tool(tmp_path_factory):
    from rumpbuild.session import BuildSession
    from rumpbuild.zfs.tool import build_tool

    src = os.environ.get("RUMPBUILD_NETBSDSRC")
    if not src or not (Path(src) / "external" / "cddl" / "osnet").is_dir():
        pytest.skip("set RUMPBUILD_NETBSDSRC to a NetBSD tree with external/cddl/osnet")
    if shutil.which("x86_64-linux-gnu-gcc") is None and shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    out = os.environ.get("RUMPBUILD_ZFS_OUT") or str(tmp_path_factory.mktemp("zfsreal"))
    session = BuildSession.from_args(argparse.Namespace(src=src, arch="amd64", toolchain="gcc", out=out,
                                                        defines=["MKZFS=yes"], quiet=True, jobs=2))
    entry = session.find_component("zfs")
    return session, entry, build_tool(session, entry)


def test_real_round_trip_and_mirror_repair(real_zfs_tool):
    from rumpbuild.zfs.roundtrip import run_zfs_test

    session, entry, tool = real_zfs_tool
    res = run_zfs_test(session, entry, 128 << 20, tool=tool)
    assert res.ok, [s.__dict__ for s in res.steps]
    assert {s.name for s in res.steps} >= {"create", "put", "export", "import", "get", "readback", "scrub1", "scrub2"}
    res = run_zfs_test(session, entry, 128 << 20, mirror=True, tool=tool)
    assert res.ok, [s.__dict__ for s in res.steps]
    repaired = [int(re.search(r"repaired=(\d+)", s.detail).group(1)) for s in res.steps if s.name == "scrub1"]
    assert repaired[-1] > 0  # the scrub found the second damage before any read


def test_real_errors_leave_the_image_unchanged(real_zfs_tool, tmp_path):
    from rumpbuild.zfs.roundtrip import check_pool

    session, entry, tool = real_zfs_tool
    junk = tmp_path / "junk.img"
    junk.write_bytes(os.urandom(1 << 20) * 70)
    pool = tmp_path / "p.img"
    with open(pool, "wb") as f:
        f.truncate(128 << 20)
    run = tool.run([["create", "p", "/rumpbuild-zfs0"], ["export", "p"]], [str(pool)])
    assert run.ok, run.output
    subprocess.run(["truncate", "-s", "2M", str(pool)], check=True)
    for img, said in ((junk, "not a zfs pool"), (pool, "truncated")):
        before = img.read_bytes()
        with pytest.raises(UserError) as e:
            check_pool(session, entry, [str(img)], tool=tool)
        assert said in str(e.value)
        assert img.read_bytes() == before


# -- positioned image I/O (zfs/pio.py, rumpuser_pio.c) ---------------------------------
PIO_HARNESS = r"""
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rumpuser_iovec { void *iov_base; size_t iov_len; };
static void unsched(int a, int *n, void *i) { *n = 1; }
static void sched(int n, void *i) { }
struct { void (*a)(void); void (*b)(void); void (*u)(int, int *, void *); void (*s)(int, void *); }
    rumpuser__hyp = { 0, 0, unsched, sched };
int rumpuser__errtrans(int e) { return 1000 + e; }
int __wrap_rumpuser_iovread(int, struct rumpuser_iovec *, size_t, int64_t, size_t *);
int __wrap_rumpuser_iovwrite(int, const struct rumpuser_iovec *, size_t, int64_t, size_t *);

#define BLK 4096
#define NBLK 256
static int rfd, wfd, bad;

static void fill(unsigned char *b, int blk) { for (int i = 0; i < BLK; i++) b[i] = (unsigned char)(blk * 7 + i); }

static void *
reader(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	unsigned char b[BLK], want[BLK];
	for (int k = 0; k < 4000; k++) {
		int blk = rand_r(&seed) % NBLK;
		struct rumpuser_iovec iov[2] = { { b, 1000 }, { b + 1000, BLK - 1000 } };
		size_t got = 0;
		fill(want, blk);
		if (__wrap_rumpuser_iovread(rfd, iov, 2, (int64_t)blk * BLK, &got) != 0 || got != BLK ||
		    memcmp(b, want, BLK) != 0)
			__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *
writer(void *arg)
{
	int t = (int)(uintptr_t)arg;
	unsigned char b[BLK];
	for (int blk = t; blk < NBLK; blk += 4) {
		struct rumpuser_iovec iov = { b, BLK };
		size_t got = 0;
		fill(b, blk);
		if (__wrap_rumpuser_iovwrite(wfd, &iov, 1, (int64_t)blk * BLK, &got) != 0 || got != BLK)
			__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[4];
	size_t got;
	struct rumpuser_iovec iov = { &got, 1 };

	wfd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rfd = open(argv[1], O_RDONLY);
	for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, writer, (void *)(uintptr_t)i);
	for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
	/* an error comes back as the NetBSD errno librumpuser's table gives: here 1000 + EBADF */
	printf("bad=%d ebadf=%d\n", bad, __wrap_rumpuser_iovread(-1, &iov, 1, 0, &got));
	return 0;
}
"""


def test_positioned_io_is_linked_only_where_librumpuser_seeks(example_tree, tmp_path):
    from rumpbuild.tree import find_tree
    from rumpbuild.zfs.pio import needs_positioned_io

    assert not needs_positioned_io(find_tree(example_tree))  # its librumpuser uses pread/pwrite
    user = tmp_path / "t" / "lib" / "librumpuser"
    inc = tmp_path / "t" / "sys" / "rump" / "include" / "rump"
    user.mkdir(parents=True)
    inc.mkdir(parents=True)
    seeking = ("int\nrumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen,\n\tint64_t roff, "
               "size_t *retp)\n{\n\tif (lseek(fd, off, SEEK_SET) == off)\n\t\tnn = readv(fd, iov, iovlen);\n}\n")
    tree = SimpleNamespace(root=tmp_path / "t", rump=tmp_path / "t" / "sys" / "rump")
    for text, version, want in ((seeking, 17, True), (seeking, 18, False),
                                (seeking.replace("lseek(fd, off, SEEK_SET) == off", "1"), 17, False)):
        (user / "rumpuser_file.c").write_text(text + "\nint\nrumpuser_close(int fd)\n{\n\tlseek(fd, 0, 0);\n}\n")
        (inc / "rumpuser.h").write_text(f"#define RUMPUSER_VERSION {version}\n")
        assert needs_positioned_io(tree) is want, (version, text[:60])


def test_positioned_io_reads_and_writes_at_their_offsets_from_many_threads(tmp_path):
    from rumpbuild.zfs.pio import SOURCE

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a host C compiler")
    (tmp_path / "h.c").write_text(PIO_HARNESS.replace("#include <unistd.h>", "#include <unistd.h>\n#include <fcntl.h>"))
    exe = tmp_path / "h"
    subprocess.run([cc, "-O2", "-Wall", "-D_GNU_SOURCE", "-pthread", str(SOURCE), str(tmp_path / "h.c"), "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe), str(tmp_path / "img")], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["bad=0", "ebadf=1009"]
    data = (tmp_path / "img").read_bytes()
    assert len(data) == 256 * 4096
    assert all(data[b * 4096 + i] == (b * 7 + i) & 0xFF for b in (0, 1, 77, 255) for i in (0, 1, 4095))
