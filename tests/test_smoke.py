"""`rumpbuild test`: the example tree's file systems mount, read and write, natively and under qemu-user."""

from __future__ import annotations

import json
import shutil

import pytest

from rumpbuild.arch import resolve

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)


def _smoke(run_cli, tmp_path_factory, *args):
    out = tmp_path_factory.mktemp("smoke")
    status, stdout, err = run_cli("test", *args, "--out", out, "-q", "--json")
    assert "Traceback" not in err
    doc = json.loads(stdout)
    return status, doc


def _need(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip("needs " + ", ".join(missing))


def _steps(doc, variant="static"):
    return {s["name"]: s["status"] for s in doc["steps"] if s["variant"] in (variant, "")}


@pytest.mark.parametrize("arch", ["amd64", "evbarm", "evbarm64", "riscv"])
def test_msdos_image_mounts_reads_writes(run_cli, tmp_path_factory, arch):
    _need("mkfs.vfat", "mcopy")
    if arch != "amd64":
        _need(resolve(arch).qemu)
    status, doc = _smoke(run_cli, tmp_path_factory, "msdos", "--arch", arch, "--toolchain", "zig")
    steps = _steps(doc)
    assert steps == {"build": "PASS", "image": "PASS", "link": "PASS", "rump_init": "PASS", "etfs": "PASS",
                     "mount": "PASS", "read": "PASS", "write": "PASS", "readback": "PASS", "unmount": "PASS",
                     "hostimage": "PASS"}, doc["steps"]
    assert status == 0 and doc["ok"]


@pytest.mark.parametrize("arch", ["amd64", "evbarm64"])
def test_tmpfs_needs_no_image(run_cli, tmp_path_factory, arch):
    if arch != "amd64":
        _need(resolve(arch).qemu)
    status, doc = _smoke(run_cli, tmp_path_factory, "tmpfs", "--arch", arch, "--toolchain", "zig")
    steps = _steps(doc)
    assert "image" not in steps and steps["mount"] == "PASS" and steps["readback"] == "PASS"
    assert status == 0


@pytest.mark.parametrize("fs", ["tmpfs", "msdos"])
def test_static_and_shared_with_gcc(run_cli, tmp_path_factory, fs):
    """The README's first command: both variants, each writing into its own copy of the image."""
    _need("x86_64-linux-gnu-gcc", "mkfs.vfat", "mcopy")
    status, doc = _smoke(run_cli, tmp_path_factory, fs, "--arch", "amd64", "--toolchain", "gcc",
                         "--shared", "yes")
    assert status == 0, doc["steps"]
    assert _steps(doc, "shared")["readback"] == "PASS" and _steps(doc, "static")["readback"] == "PASS"


def test_user_image(run_cli, tmp_path_factory, tmp_path):
    _need("mkfs.vfat", "mcopy")
    from rumpbuild.smoke.runner import make_image

    img = make_image("vfat", str(tmp_path))
    before = open(img, "rb").read()
    status, doc = _smoke(run_cli, tmp_path_factory, "msdos", "--toolchain", "zig", "--image", img)
    steps = _steps(doc)
    assert status == 0 and steps["hostimage"] == "PASS" and "read" not in steps
    assert open(img, "rb").read() == before  # the user's file is copied, never written


def test_missing_image_and_unknown_fs(run_cli, tmp_path):
    status, _, err = run_cli("test", "msdos", "--image", tmp_path / "none.img", "--out", tmp_path / "o", "-q")
    assert status == 1 and "does not exist" in err
    status, _, err = run_cli("test", "disk", "--out", tmp_path / "o2", "-q")
    assert status == 1 and "no smoke-test facts" in err and "filesystems.toml" in err


def test_link_set_registration_mode(run_cli, tmp_path_factory):
    """RUMP_LDSCRIPT=GNU: no constructors; MODULE() and RUMP_COMPONENT() entries reach the kernel via link sets."""
    _need("mkfs.vfat", "mcopy")
    status, doc = _smoke(run_cli, tmp_path_factory, "msdos", "--toolchain", "zig", "-D", "RUMP_LDSCRIPT=GNU")
    assert status == 0, doc["steps"]
    assert _steps(doc)["hostimage"] == "PASS"


@pytest.mark.parametrize("arch", ["amd64", "evbarm"])
def test_disklabel_partition_syntax(run_cli, tmp_path_factory, arch):
    """The image inside partition e of a disklabelled disk, mounted as disk.img%DISKLABEL:e%."""
    _need("mkfs.vfat", "mcopy")
    if arch != "amd64":
        _need(resolve(arch).qemu)
    status, doc = _smoke(run_cli, tmp_path_factory, "msdos", "--arch", arch, "--toolchain", "zig",
                         "--partition", "e")
    steps = _steps(doc)
    assert status == 0, doc["steps"]
    assert steps["disklabel"] == "PASS" and steps["read"] == "PASS" and steps["hostimage"] == "PASS"
    etfs = next(s for s in doc["steps"] if s["name"] == "etfs")
    assert "%DISKLABEL:e%" in etfs["detail"]


def test_user_image_with_partition_suffix(run_cli, tmp_path_factory, tmp_path):
    _need("mkfs.vfat", "mcopy")
    from rumpbuild.smoke.disklabel import wrap
    from rumpbuild.smoke.runner import make_image

    path = wrap(make_image("vfat", str(tmp_path)), str(tmp_path / "disk.img"), "b")
    status, doc = _smoke(run_cli, tmp_path_factory, "msdos", "--toolchain", "zig", "--image", path)
    assert status == 0, doc["steps"]
    assert _steps(doc)["mount"] == "PASS" and _steps(doc)["hostimage"] == "PASS"
