"""`rumpbuild install --destdir D msdos`: buildrump.sh's -d layout, usable after the build folder is gone."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from test_linkflags import USER_PROGRAM, _rumpbuild, _run_program, image  # noqa: F401  (image: fixture)


def test_install_layout_and_a_program_linked_from_destdir(image, tmp_path):  # noqa: F811
    env = dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path / "cache"))
    out, dest = tmp_path / "out", tmp_path / "D"
    p = _rumpbuild("install", "--destdir", dest, "msdos", "--out", out, "-j2", cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    lib, inc, pc = dest / "lib", dest / "include" / "rump", dest / "lib" / "pkgconfig"
    for name in ("rumpfs_msdos", "rumpdev_disk", "rumpdev", "rumpvfs", "rump", "rumpuser"):
        for f in (f"lib{name}.a", f"lib{name}_pic.a", f"lib{name}.so.0"):
            assert (lib / f).is_file() and not (lib / f).is_symlink(), f
            assert (lib / f).read_bytes() == (out / f).read_bytes(), f
        assert os.readlink(lib / f"lib{name}.so") == f"lib{name}.so.0"
    assert {"rump.h", "rump_syscalls.h", "rumpdefs.h"} <= {f.name for f in inc.iterdir()}
    assert not any(f.is_symlink() for f in inc.iterdir())  # copies, not links into the tree
    assert {"rumpfs_msdos.pc", "rumpfs_msdos-static.pc", "rump.pc", "rumpvfs.pc", "rumpuser.pc"} <= \
        {f.name for f in pc.iterdir()}
    text = (pc / "rumpfs_msdos.pc").read_text()
    assert f"prefix={dest}\n" in text and "Cflags: -I${prefix}/include\n" in text

    shutil.rmtree(out)  # what D holds must be enough
    if not shutil.which("pkg-config"):
        pytest.skip("pkg-config is not installed (apt-get install pkg-config)")
    for pkg in ("rumpfs_msdos", "rumpfs_msdos-static"):
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", pkg], capture_output=True, text=True,
                               env=dict(os.environ, PKG_CONFIG_PATH=str(pc)), check=True).stdout.strip()
        assert str(out) not in flags and str(dest) in flags
        ran = _run_program(["cc"], flags, [], image, tmp_path, f"from-destdir-{pkg}")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert ran.stdout == f"read: {image[1]}unmounted\n"

    # again, into the same D (replaces files, even the running program's libraries)
    p = _rumpbuild("install", "--destdir", dest, "msdos", "--out", out, "-j2", "-q", cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr


def test_install_destdir_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    p = _rumpbuild("install", "--destdir", f, cwd=tmp_path,
                   env=dict(os.environ, RUMPBUILD_CACHE_DIR=str(tmp_path / "cache")))
    assert p.returncode == 1 and "is not a folder" in p.stderr and "Traceback" not in p.stderr
