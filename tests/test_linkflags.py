"""A user's program linked with exactly what `rumpbuild component msdos --deps[=static]` prints, and
with `pkg-config --cflags --libs`, mounts the example msdos image and reads a file from it.

The program is a user's, not the smoke test's: it fills the mount arguments itself and calls only
rump_init, etfs, mount, open/read and unmount.  amd64 natively (shared and static); evbarm under
qemu-arm with zig's static musl (when qemu-arm is installed).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]

USER_PROGRAM = r"""
#include <sys/types.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

struct msdosfs_args {		/* the example tree's fs/msdosfs/msdosfsmount.h */
	char *fspec;
	uint32_t uid, gid, mask;
	int flags, version;
	uint32_t dirmask;
	int gmtoff;
};

int
main(int argc, char **argv)
{
	struct msdosfs_args a;
	char buf[256];
	int fd, rv;
	ssize_t n;

	if (argc != 2)
		return 2;
	if ((rv = rump_init()) != 0) {
		printf("rump_init: %d\n", rv);
		return 1;
	}
	if ((rv = rump_pub_etfs_register("/dev/img", argv[1], RUMP_ETFS_BLK)) != 0) {
		printf("etfs: error %d\n", rv);
		return 1;
	}
	rump_sys_mkdir("/mnt", 0777);
	memset(&a, 0, sizeof(a));
	a.fspec = "/dev/img";
	a.version = 3;
	a.mask = a.dirmask = 0755;
	if (rump_sys_mount("msdos", "/mnt", 0, &a, sizeof(a)) == -1) {
		printf("mount: errno %d\n", errno);
		return 1;
	}
	if ((fd = rump_sys_open("/mnt/HELLO.TXT", RUMP_O_RDONLY)) == -1 ||
	    (n = rump_sys_read(fd, buf, sizeof(buf) - 1)) < 0) {
		printf("read: errno %d\n", errno);
		return 1;
	}
	buf[n] = '\0';
	printf("read: %s", buf);
	rump_sys_close(fd);
	if (rump_sys_unmount("/mnt", 0) == -1) {
		printf("unmount: errno %d\n", errno);
		return 1;
	}
	printf("unmounted\n");
	return 0;
}
"""


def _rumpbuild(*args, cwd, env=None):
    env = dict(env or os.environ, PYTHONPATH=str(CHECKOUT))
    return subprocess.run([sys.executable, "-m", "rumpbuild", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    from rumpbuild.smoke.runner import KNOWN_TEXT, make_image

    work = tmp_path_factory.mktemp("image")
    return make_image("vfat", str(work)), KNOWN_TEXT


def _run_program(cc, flags, run_prefix, image, tmp_path, name):
    src = tmp_path / "prog.c"
    src.write_text(USER_PROGRAM)
    exe = tmp_path / name
    # exactly what a user types: cc prog.c $(rumpbuild component msdos --deps) -o prog
    p = subprocess.run(f"{shlex.join(cc)} {src} {flags} -o {exe}", shell=True, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    img = tmp_path / f"{name}.img"
    shutil.copyfile(image[0], img)
    return subprocess.run([*run_prefix, str(exe), str(img)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("mode", ["shared", "static"])
def test_printed_flags_and_pkgconfig_link_a_program_that_mounts(mode, image, tmp_path):
    cache = tmp_path / "cache"
    env = dict(os.environ, RUMPBUILD_CACHE_DIR=str(cache))
    out = tmp_path / "out"
    p = _rumpbuild("component", "msdos", f"--deps={mode}", "--out", out, "-j2", cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 1, p.stdout  # one line; progress went to stderr
    line = lines[0]
    assert "[" not in p.stdout and "CC obj/" in p.stderr
    words = line.split()
    assert f"-I{out}/include" in words and f"-I{CHECKOUT}/rumpbuild/exampletree/sys/rump/include" in words
    assert (f"-L{out}" in words and f"-Wl,-rpath,{out}" in words) == (mode == "shared")
    assert ("-Wl,--no-as-needed" in words) == (mode == "shared")
    assert ("-Wl,--whole-archive" in words) == (mode == "static")
    assert words[-3:] == ["-lpthread", "-ldl", "-lrt"]  # glibc

    ran = _run_program(["cc"], line, [], image, tmp_path, f"printed-{mode}")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout == f"read: {image[1]}unmounted\n"

    if not shutil.which("pkg-config"):
        pytest.skip("pkg-config is not installed (apt-get install pkg-config)")
    pcdir = out / "lib" / "pkgconfig"
    pkg = "rumpfs_msdos" + ("" if mode == "shared" else "-static")
    pc = subprocess.run(["pkg-config", "--cflags", "--libs", pkg], capture_output=True, text=True,
                        env=dict(os.environ, PKG_CONFIG_PATH=str(pcdir)))
    assert pc.returncode == 0, pc.stderr
    assert pc.stdout.split() == words  # the same content as the printed line
    ran = _run_program(["cc"], pc.stdout.strip(), [], image, tmp_path, f"pkgconfig-{mode}")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout == f"read: {image[1]}unmounted\n"

    # why the flags matter: the bare -l list linked --as-needed drops the libraries the program
    # calls nothing of (msdos, disk): the mount fails
    if mode == "shared":
        bare = f"-I{out}/include -I{CHECKOUT}/rumpbuild/exampletree/sys/rump/include -L{out} -Wl,-rpath,{out} " \
               "-Wl,--as-needed " + " ".join(w for w in words if w.startswith("-lrump"))
        ran = _run_program(["cc"], bare, [], image, tmp_path, "bare")
        assert ran.returncode != 0 and "read:" not in ran.stdout, ran.stdout + ran.stderr  # msdos: ENODEV


def test_evbarm_static_under_qemu(image, tmp_path):
    from rumpbuild.arch import resolve
    from rumpbuild.toolchain import find_toolchain

    target = resolve("evbarm")
    if not shutil.which(target.qemu):
        pytest.skip(f"{target.qemu} is not installed (apt-get install qemu-user)")
    tc = find_toolchain(target, "zig")
    env = dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "out"
    p = _rumpbuild("component", "msdos", "--deps=static", "--arch", "evbarm", "--toolchain", "zig", "--out", out,
                   "-j2", cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    line = p.stdout.strip()
    assert "-D_FILE_OFFSET_BITS=64" in line.split() and "-static" in line.split()
    ran = _run_program(tc.cc, line, tc.run_prefix(static=True), image, tmp_path, "evbarm-static")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout == f"read: {image[1]}unmounted\n"
    if shutil.which("pkg-config"):
        pc = subprocess.run(["pkg-config", "--cflags", "--libs", "rumpfs_msdos-static"], capture_output=True,
                            text=True, env=dict(os.environ, PKG_CONFIG_PATH=str(out / "lib" / "pkgconfig")))
        assert pc.returncode == 0 and pc.stdout.split() == line.split(), pc.stdout + pc.stderr
        ran = _run_program(tc.cc, pc.stdout.strip(), tc.run_prefix(static=True), image, tmp_path, "evbarm-pc")
        assert ran.stdout == f"read: {image[1]}unmounted\n", ran.stdout + ran.stderr


def test_shared_refused_before_building_where_the_toolchain_cannot_link(tmp_path):
    # arch data: zig cannot link sparc64 (zig_cannot_link); nothing is built, the hint names gcc
    out = tmp_path / "out"
    p = _rumpbuild("component", "msdos", "--deps", "--arch", "sparc64", "--toolchain", "zig", "--out", out,
                   cwd=tmp_path, env=dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path / "cache")))
    assert p.returncode == 1 and p.stdout == "", p.stdout + p.stderr
    assert "builds no lib*.so" in p.stderr and "--toolchain gcc" in p.stderr and "Traceback" not in p.stderr
    assert not list(out.glob("*.a"))
