"""Mount proofs of the file systems whose facts need a real tree (RUMPBUILD_NETBSDSRC; skipped without it).

`rumpbuild test NAME` on the tree for each: image-less ones (kernfs, procfs,
ptyfs, fdesc) list what NetBSD puts in their root and read a file the kernel fills;
layered ones (null, umap, union, overlay) read the known file through the
layer over a lower tmpfs and leave the new file in the layer it belongs to;
hfs, nilfs, udf and adosfs mount images the host's own tools made (adosfs also
on evbarm, evbarm64 and riscv under qemu-user).  The generated
mount-argument C of every fact compiles against the tree's headers.
"""

from __future__ import annotations

import argparse
import json
import shutil

import pytest

from rumpbuild.arch import resolve

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("realsmoke")  # one output folder: the base is built once


def _test(run_cli, real_tree, out, name, *args):
    status, stdout, err = run_cli("test", name, "--src", real_tree, "--out", out, "-j2", "-q", "--json", *args)
    assert "Traceback" not in err
    doc = json.loads(stdout)
    steps = {}
    for s in doc["steps"]:
        if s["variant"] in ("static", ""):
            steps.setdefault(s["name"], []).append((s["status"], s["detail"]))
    return status, doc, steps


def _status(steps, name):
    return [st for st, _ in steps.get(name, [])]


def _detail(steps, name):
    return " | ".join(d for _, d in steps.get(name, []))


def test_kernfs_lists_its_root_and_reads_version(run_cli, real_tree, out):
    status, doc, steps = _test(run_cli, real_tree, out, "kernfs", "--shared", "no")
    assert status == 0, doc["steps"]
    assert "image" not in steps and "etfs" not in steps
    assert _status(steps, "readdir") == ["PASS"] and "version" in _detail(steps, "readdir")
    assert _status(steps, "read") == ["PASS"] and "starts as expected: NetBSD " in _detail(steps, "read")
    assert _status(steps, "write") == ["PASS"]  # refused: Read-only file system


def test_fdesc_lists_its_root(run_cli, real_tree, out):
    status, doc, steps = _test(run_cli, real_tree, out, "fdesc", "--shared", "no")
    assert status == 0, doc["steps"]
    assert _detail(steps, "readdir").endswith("lists: fd stdin stdout stderr")


def test_ptyfs_lists_the_pty_ptmx_opens(run_cli, real_tree, out):
    status, doc, steps = _test(run_cli, real_tree, out, "ptyfs", "--shared", "no")
    assert status == 0, doc["steps"]
    assert "rumpkern_tty" in _detail(steps, "build")  # `with`: the tty layer no MODULE() records
    assert _status(steps, "open") == ["PASS"]
    assert _detail(steps, "readdir").endswith("lists: . .. 0")


def test_procfs_needs_stubs_and_lists_its_root(run_cli, real_tree, out):
    status, _stdout, err = run_cli("test", "procfs", "--src", real_tree, "--out", out, "-q")
    assert status == 1 and "links only with stubs" in err and "--stubs" in err
    status, doc, steps = _test(run_cli, real_tree, out, "procfs", "--stubs")
    assert status == 0, doc["steps"]
    assert _status(steps, "readdir") == ["PASS"]
    for name in ("curproc", "self", "version", "cpuinfo"):
        assert f" {name}" in _detail(steps, "readdir")


@pytest.mark.parametrize("fs,lands,absent", [("null", "/lower", None), ("umap", "/lower", None),
                                             ("union", "/upper", "/mnt"), ("overlay", "/mnt", None)])
def test_layer_over_tmpfs(run_cli, real_tree, out, fs, lands, absent):
    status, doc, steps = _test(run_cli, real_tree, out, fs, "--shared", "no")
    assert status == 0, doc["steps"]
    assert "rumpfs_tmpfs" in _detail(steps, "build")
    assert _status(steps, "seed") == ["PASS"] and _status(steps, "read") == ["PASS"]
    assert _status(steps, "readback") == ["PASS"]
    assert _status(steps, "inlower") == ["PASS"] and f"{lands}/NEW.TXT" in _detail(steps, "inlower")
    if absent:
        assert _status(steps, "notlower") == ["PASS"] and f"{absent}/NEW.TXT" in _detail(steps, "notlower")
    assert set(_status(steps, "unmount")) == {"PASS"} and len(_status(steps, "unmount")) == 1 + len(
        [s for s in doc["steps"] if s["name"] == "lower" and s["variant"] == "static"])


def test_hfs_reads_the_file_xorriso_put_in_its_hfsplus_tree(run_cli, real_tree, out):
    if not shutil.which("xorriso"):
        pytest.skip("needs xorriso")
    status, doc, steps = _test(run_cli, real_tree, out, "hfs")
    assert status == 0, doc["steps"]
    assert _status(steps, "read") == ["PASS"] and _status(steps, "write") == ["PASS"]


def test_nilfs_mounts_through_a_device_node_on_tmpfs(run_cli, real_tree, out):
    if not shutil.which("mkfs.nilfs2"):
        pytest.skip("needs mkfs.nilfs2 (nilfs-tools)")
    status, doc, steps = _test(run_cli, real_tree, out, "nilfs", "--shared", "no")
    assert status == 0, doc["steps"]
    assert _status(steps, "devnode") == ["PASS"] and _status(steps, "mount") == ["PASS"]
    assert _detail(steps, "readdir").endswith("lists: . .. .nilfs")


def test_udf_reads_the_file_genisoimage_put_in_with_2048_byte_sectors(run_cli, real_tree, out):
    if not shutil.which("genisoimage"):
        pytest.skip("needs genisoimage")
    status, doc, steps = _test(run_cli, real_tree, out, "udf", "--shared", "no")
    assert status == 0, doc["steps"]
    assert "RUMP_BLKSECTSHIFT=11" in _detail(steps, "sectors")  # the anchor probe found a CD's sectors
    assert _status(steps, "read") == ["PASS"] and _status(steps, "write") == ["PASS"]


def _amitools_or_skip():
    import importlib.util

    if importlib.util.find_spec("amitools") is None:
        pytest.skip("needs the Python module amitools (pip install amitools)")


def test_adosfs_reads_the_file_xdftool_put_on_a_floppy(run_cli, real_tree, out):
    """The generated adosfs component mounts an ADF (the `floppy` label) and reads HELLO.TXT."""
    _amitools_or_skip()
    status, doc, steps = _test(run_cli, real_tree, out, "adosfs")
    assert status == 0, doc["steps"]
    assert _status(steps, "mount") == ["PASS"] and _status(steps, "read") == ["PASS"]
    assert "Read-only file system" in _detail(steps, "write")


@pytest.mark.parametrize("arch", ["evbarm", "evbarm64", "riscv"])
def test_adosfs_on_other_cpus_under_qemu(run_cli, real_tree, tmp_path_factory, arch):
    """adosfs on the machines its users name (cross-built with zig, run under qemu-user)."""
    _amitools_or_skip()
    target = resolve(arch)
    if not shutil.which(target.qemu):
        pytest.skip(f"needs {target.qemu}")
    cross = tmp_path_factory.mktemp(f"realsmoke-{arch}")
    status, doc, steps = _test(run_cli, real_tree, cross, "adosfs", "--arch", arch, "--toolchain", "zig",
                               "--shared", "no")
    assert status == 0, doc["steps"]
    assert _status(steps, "read") == ["PASS"], doc["steps"]


def test_every_facts_mount_arguments_compile_against_the_tree(real_tree, out, run_cli):
    """Each table's generated C (its header, struct and init lines) compiles as rump kernel code."""
    import tomllib

    from rumpbuild.session import BuildSession
    from rumpbuild.smoke.runner import HERE, mountargs_object

    with open(HERE / "filesystems.toml", "rb") as f:
        facts = tomllib.load(f)
    session = BuildSession.from_args(argparse.Namespace(src=str(real_tree), arch="amd64", toolchain="gcc",
                                                        out=str(out), quiet=True))
    try:
        plan = session.build([session.find_base(n) for n in ("rumpvfs", "rumpkern", "rumpuser")])
        work = out / "mountargs"
        for name, f in facts.items():
            if f.get("driver") == "zfs":  # its arguments come from the zfs helper (tests/test_zfs.py)
                continue
            if not (real_tree / "sys" / f["header"]).is_file():
                assert name == "cpiofs", name  # the example tree's own file system only
                continue
            (work / name).mkdir(parents=True, exist_ok=True)
            obj = mountargs_object(session, plan, name, f, str(work / name))
            assert obj.endswith("mountargs.o") and (work / name / "mountargs.o").stat().st_size > 0, name
    finally:
        if session.lock is not None:
            session.lock.release()


def test_rump_kernfs_lists_and_cats_with_no_image(run_cli, real_tree, out, tmp_path):
    """The utility's command face for an image-less file system: no IMAGE operand, mounted with no data."""
    import subprocess

    status, _stdout, err = run_cli("util", "kernfs", "--src", real_tree, "--out", out, "-j2", "-q")
    assert status == 0, err
    exe = out / "bin" / "rump_kernfs"
    ls = subprocess.run([str(exe), "ls", "/"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert ls.returncode == 0 and {"version", "hostname", "copyright"} <= set(ls.stdout.split()), ls
    cat = subprocess.run([str(exe), "cat", "/version"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert cat.returncode == 0 and cat.stdout.startswith("NetBSD "), cat
    put = subprocess.run([str(exe), "put", str(exe), "/x"], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert put.returncode == 1 and "Read-only file system" in put.stderr, put


def test_layer_under_qemu_arm(run_cli, real_tree, tmp_path_factory):
    """The same layered proof for evbarm, cross-built with zig, run under qemu-arm."""
    target = resolve("evbarm")
    if not shutil.which(target.qemu):
        pytest.skip(f"needs {target.qemu}")
    arm = tmp_path_factory.mktemp("realsmoke-arm")
    status, doc, steps = _test(run_cli, real_tree, arm, "null", "--arch", "evbarm", "--toolchain", "zig")
    assert status == 0, doc["steps"]
    assert _status(steps, "read") == ["PASS"] and _status(steps, "inlower") == ["PASS"]
