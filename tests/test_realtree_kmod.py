"""Real tree (RUMPBUILD_NETBSDSRC): build tmpfs/msdos/ext2fs/ffs kmods with the kmod flags (amd64 gcc, i386 zig),
convert them, smoke-test."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

IMAGE_TOOLS = {"tmpfs": (), "msdos": ("mkfs.vfat", "mcopy"), "ext2fs": ("mke2fs",), "ffs": ("makefs",)}
# what NetBSD 7's sources declare: MODULE(MODULE_CLASS_VFS, name, required)
REQUIRED = {"tmpfs": [], "msdos": [], "ext2fs": ["ffs"], "ffs": ["wapbl"]}


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    return tmp_path_factory.mktemp("realkmod")


def _toolchain(arch):
    if arch == "amd64":
        if not shutil.which("x86_64-linux-gnu-gcc"):
            pytest.skip("needs x86_64-linux-gnu-gcc")
        return "gcc"
    from rumpbuild.toolchain.zig import zig_path

    if not zig_path():
        pytest.skip("i386 needs the ziglang wheel (x86-linux-musl static programs)")
    return "zig"


@pytest.mark.parametrize("arch", ["amd64", "i386"])
@pytest.mark.parametrize("name", ["tmpfs", "msdos", "ext2fs", "ffs"])
def test_real_kmod_converts_and_mounts(run_cli, real_tree, outdir, name, arch):
    missing = [t for t in IMAGE_TOOLS[name] if not shutil.which(t)]
    if missing:
        pytest.skip("needs " + ", ".join(missing))
    common = ["--src", real_tree, "--arch", arch, "--toolchain", _toolchain(arch), "--out", outdir / arch, "-q"]
    status, _, err = run_cli("kmod", "build", name, *common)
    assert status == 0, err
    kmod = outdir / arch / "kmods" / f"{name}.kmod"
    status, out, err = run_cli("kmod", "inspect", kmod, "--json")
    doc = json.loads(out)
    assert doc["modinfo"]["name"] == name and doc["modinfo"]["required"] == REQUIRED[name]
    if arch == "amd64":
        assert doc["relocations"]["R_X86_64_32S"] > 0
    status, out, err = run_cli("test", name, *common, "--kmod", kmod, "--json")
    doc = json.loads(out)
    assert status == 0 and doc["ok"], doc["steps"]
    steps = {s["name"]: s["status"] for s in doc["steps"]}
    assert steps["mount"] == "PASS" and steps["readback"] == "PASS" and steps["unmount"] == "PASS"
