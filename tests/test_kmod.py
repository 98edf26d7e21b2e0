"""`rumpbuild kmod` and `--kmod`: build kernel modules from the example tree, inspect, convert, smoke-test.

CI has no NetBSD tree: kmods are built from the example tree's sys/modules
with `rumpbuild kmod build` (host gcc; zig where it works), then converted
into rump component archives and mounted by the smoke-test program.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path

import pytest

from rumpbuild.cli import main
from rumpbuild.tree import example_tree_path

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

GCC = shutil.which("x86_64-linux-gnu-gcc")
MODULES = ("msdos", "tmpfs", "cpiofs")
_MODULE = re.compile(r'MODULE\s*\(\s*(MODULE_CLASS_\w+)\s*,\s*(\w+)\s*,\s*(?:"([^"]*)"|NULL)\s*\)')


def _zig():
    from rumpbuild.toolchain.zig import zig_path

    return zig_path()


def _build(out, name, arch="amd64", toolchain="gcc"):
    status = main(["kmod", "build", name, "--arch", arch, "--toolchain", toolchain, "--out", str(out), "-q"])
    assert status == 0, f"kmod build {name} {arch} {toolchain} failed"
    return out / "kmods" / f"{name}.kmod"


@pytest.fixture(scope="session")
def kmods(tmp_path_factory):
    """msdos/tmpfs/cpiofs .kmod for amd64, built with the host gcc from the example tree."""
    if not GCC:
        pytest.skip("needs x86_64-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("kmods")
    return out, {n: _build(out, n) for n in MODULES}


def _declared(name):
    """(class, name, required) as the module's source declares it."""
    for c in (example_tree_path() / "sys" / "fs").rglob("*.c"):
        m = _MODULE.search(c.read_text())
        if m and m.group(2) == name:
            return m.group(1), m.group(2), [r for r in (m.group(3) or "").split(",") if r]
    raise AssertionError(name)


@pytest.mark.parametrize("name", MODULES)
def test_inspect_reads_modinfo_through_the_link_set(run_cli, kmods, name):
    _out, files = kmods
    status, out, err = run_cli("kmod", "inspect", files[name], "--json")
    assert status == 0, err
    doc = json.loads(out)
    mclass, mname, req = _declared(name)
    assert (doc["modinfo"]["module_class"], doc["modinfo"]["name"], doc["modinfo"]["required"]) == (mclass, mname, req)
    assert doc["modinfo"]["symbol"] == f"{name}_modinfo"
    assert doc["machine"] == "EM_X86_64" and doc["elf_class"] == 64
    assert doc["relocations"]["R_X86_64_32S"] > 0 and doc["memory_model"].startswith("kernel")
    assert doc["ssp"] == []
    assert "link_set_modules" in doc["sections"]
    status, text, _ = run_cli("kmod", "inspect", files[name])
    assert f"name '{name}'" in text and "-mcmodel=kernel" in text


def test_zig_builds_kernel_model_kmods(tmp_path):
    if not _zig():
        pytest.skip("needs the ziglang wheel")
    kmod = _build(tmp_path, "msdos", toolchain="zig")
    from rumpbuild.kmod.inspect import inspect_kmod

    info = inspect_kmod(kmod)
    assert info.modinfo.name == "msdos" and info.relocations.get("R_X86_64_32S", 0) > 0


@pytest.mark.parametrize("name", ["msdos", "tmpfs"])
def test_converted_kmod_passes_smoke_test(run_cli, kmods, tmp_path, name):
    if name == "msdos" and not (shutil.which("mkfs.vfat") and shutil.which("mcopy")):
        pytest.skip("needs mkfs.vfat and mcopy")
    _out, files = kmods
    status, out, err = run_cli("test", name, "--arch", "amd64", "--toolchain", "gcc", "--kmod", files[name],
                               "--out", tmp_path, "-q", "--json")
    assert "Traceback" not in err
    doc = json.loads(out)
    steps = {s["name"]: s["status"] for s in doc["steps"]}
    assert all(s["variant"] in ("no-pie", "") for s in doc["steps"])  # never shared or PIE
    want = ["build", "link", "rump_init", "mount", "write", "readback", "unmount"]
    if name == "msdos":
        want += ["image", "read", "hostimage"]
    assert all(steps.get(w) == "PASS" for w in want), doc["steps"]
    assert status == 0 and doc["ok"]
    # the component built from source was not used
    assert not (tmp_path / f"librumpfs_{name}.a").exists()
    assert (tmp_path / "kmod" / f"librumpfs_{name}.a").is_file()


def test_convert_report_and_link_line(run_cli, kmods, tmp_path):
    _out, files = kmods
    status, out, err = run_cli("component", "msdos", "--arch", "amd64", "--toolchain", "gcc",
                               "--kmod", files["msdos"], "--out", tmp_path, "-q", "--json")
    assert status == 0, err
    doc = json.loads(out)
    assert doc["lib"] == "rumpfs_msdos" and doc["shared"] is False
    assert [l["lib"] for l in doc["link"]] == ["rumpfs_msdos", "rumpdev_disk", "rumpdev", "rumpvfs", "rump",
                                              "rumpuser"]
    assert {"lib": "rumpdev_disk", "why": "calls getdisksize() (model/needs.toml)"} in doc["added"]
    assert doc["stubs"] is None and doc["missing"] == []
    assert {"-no-pie", "-Wl,--whole-archive"} <= set(doc["link_line"])
    # the archive holds only renamed globals (plus host-bound __ names)
    from rumpbuild.symbols import defined_globals, undefined_globals

    names = defined_globals(doc["archive"]) | undefined_globals(doc["archive"])
    assert names and all(n.startswith(("rumpns_", "__")) for n in names)
    status, text, _ = run_cli("component", "msdos", "--arch", "amd64", "--toolchain", "gcc",
                              "--kmod", files["msdos"], "--out", tmp_path, "-q", "--print-link")
    assert status == 0 and "-no-pie" in text and "no shared library or PIE" in text
    # the same against a folder of installed rump libraries (a NetBSD/buildrump installation)
    status, out, err = run_cli("component", "msdos", "--arch", "amd64", "--toolchain", "gcc", "--kmod",
                               files["msdos"], "--rump-libs", tmp_path, "--out", tmp_path / "o2", "-q", "--json")
    assert status == 0, err
    doc2 = json.loads(out)
    assert [l["lib"] for l in doc2["link"]] == [l["lib"] for l in doc["link"]]
    assert all(l["archive"].startswith(str(tmp_path)) for l in doc2["link"])


def test_missing_symbol_names_the_defining_component(kmods, tmp_path, run_cli):
    """msdos calls getdisksize(): without librumpdev_disk the analysis says where it is."""
    _out, files = kmods
    run_cli("component", "msdos", "--arch", "amd64", "--toolchain", "gcc", "--kmod", files["msdos"],
            "--out", tmp_path, "-q")
    from rumpbuild.symbols import missing_symbols

    obj = next((tmp_path / "kmod" / "obj" / "rumpfs_msdos").glob("*.kmod.o"))
    base = [str(tmp_path / f"lib{l}.a") for l in ("rumpdev", "rumpvfs", "rump", "rumpuser")]
    miss = missing_symbols([str(obj)], base, {"rumpdev_disk": str(tmp_path / "librumpdev_disk.a")})
    assert [(m.name, m.defined_in) for m in miss] == [("rumpns_getdisksize", "rumpdev_disk")]


def test_cpiofs_gets_harmless_fstrans_stubs_and_links(run_cli, kmods, tmp_path):
    if not shutil.which("cpio"):
        pytest.skip("needs cpio")
    _out, files = kmods
    status, out, err = run_cli("component", "cpiofs", "--arch", "amd64", "--toolchain", "gcc",
                               "--kmod", files["cpiofs"], "--out", tmp_path, "-q", "--json")
    assert status == 0, err
    doc = json.loads(out)
    assert sorted((s["name"], s["kind"]) for s in doc["stubs"]["symbols"]) == [
        ("fstrans_done", "harmless"), ("fstrans_start", "harmless")]
    from rumpbuild.symbols import defined_globals

    assert {"rumpns_fstrans_start", "rumpns_fstrans_done"} <= defined_globals(doc["stubs"]["archive"])
    status, out, err = run_cli("test", "cpiofs", "--arch", "amd64", "--toolchain", "gcc", "--kmod", files["cpiofs"],
                               "--out", tmp_path, "-q", "--json")
    doc = json.loads(out)
    steps = {s["name"]: s["status"] for s in doc["steps"]}
    assert steps["link"] == "PASS" and steps["mount"] == "PASS" and steps["read"] == "PASS", doc["steps"]
    assert status == 0


def test_stub_generator_panics_for_unknown_functions(tmp_path):
    if not GCC:
        pytest.skip("needs x86_64-linux-gnu-gcc")
    import argparse

    from rumpbuild.model.session import BuildSession
    from rumpbuild.stubs import generate_stubs
    from rumpbuild.symbols import defined_globals, undefined_globals

    session = BuildSession.from_args(argparse.Namespace(arch="amd64", toolchain="gcc", out=str(tmp_path)))
    res = generate_stubs(session, "rumpfs_x", ["rumpns_fstrans_start", "frobnicate_vnode"], tmp_path / "stubs")
    assert res.stubs == [("fstrans_start", "harmless"), ("frobnicate_vnode", "panic")]
    assert os.path.basename(res.archive) == "librumpfs_x_stubs.a"
    assert defined_globals(res.archive) == {"rumpns_fstrans_start", "rumpns_frobnicate_vnode"}
    assert undefined_globals(res.archive) == {"rumpns_panic"}
    text = Path(res.c_file).read_text()
    assert "rumpfs_x: frobnicate_vnode() is not provided" in text


def test_i386_kmod_with_zig(run_cli, tmp_path):
    if not _zig():
        pytest.skip("needs the ziglang wheel (x86-linux-musl static programs)")
    if not (shutil.which("mkfs.vfat") and shutil.which("mcopy")):
        pytest.skip("needs mkfs.vfat and mcopy")
    status, _, err = run_cli("kmod", "build", "msdos", "--arch", "i386", "--toolchain", "zig", "--out", tmp_path, "-q")
    assert status == 0, err
    kmod = tmp_path / "kmods" / "msdos.kmod"
    status, out, _ = run_cli("kmod", "inspect", kmod, "--json")
    doc = json.loads(out)
    assert doc["machine"] == "EM_386" and doc["modinfo"]["name"] == "msdos"
    assert doc["memory_model"].startswith("non-PIC")
    status, out, err = run_cli("test", "msdos", "--arch", "i386", "--toolchain", "zig", "--kmod", kmod,
                               "--out", tmp_path, "-q", "--json")
    doc = json.loads(out)
    assert status == 0 and doc["ok"], doc["steps"]


# -- errors: exit 1, one message, no traceback, no output files ------------------------------------------

def _patched(src: Path, dst: Path, machine: int) -> Path:
    data = bytearray(src.read_bytes())
    struct.pack_into("<H", data, 18, machine)  # e_machine
    dst.write_bytes(bytes(data))
    return dst


def _bad_files(kmods, tmp_path):
    _out, files = kmods
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = files["msdos"].read_bytes()
    (tmp_path / "trunc.kmod").write_bytes(data[:len(data) // 3])
    (tmp_path / "text.kmod").write_text("this is not a module\n")
    _patched(files["msdos"], tmp_path / "sparc.kmod", 43)  # EM_SPARCV9: no relocation table
    _patched(files["msdos"], tmp_path / "arm64.kmod", 183)  # EM_AARCH64: readable, not convertible
    return tmp_path


@pytest.mark.parametrize("bad,message", [
    ("trunc.kmod", "truncated"),
    ("text.kmod", "not an ELF file"),
    ("sparc.kmod", "EM_SPARCV9"),
    ("/bin/sh", "not a relocatable object"),
])
def test_inspect_rejects_bad_files(run_cli, kmods, tmp_path, bad, message):
    d = _bad_files(kmods, tmp_path)
    status, out, err = run_cli("kmod", "inspect", d / bad if not bad.startswith("/") else bad)
    assert status == 1 and message in err and "Traceback" not in err and out == ""


@pytest.mark.parametrize("bad,arch,message", [
    ("trunc.kmod", "amd64", "truncated"),
    ("text.kmod", "amd64", "not an ELF file"),
    ("arm64.kmod", "amd64", "do not use the NetBSD kernel module ABI"),
    ("msdos", "evbarm64", "native_abi is false"),
    ("msdos", "i386", "pass --arch amd64"),
])
def test_convert_rejects_without_partial_output(run_cli, kmods, tmp_path, bad, arch, message):
    d = _bad_files(kmods, tmp_path / "in")
    path = kmods[1]["msdos"] if bad == "msdos" else d / bad
    out_dir = tmp_path / "out"
    for cmd in ("component", "test"):
        status, out, err = run_cli(cmd, "msdos", "--arch", arch, "--kmod", path, "--out", out_dir, "-q")
        assert status == 1 and message in err and "Traceback" not in err, err
        assert not out_dir.exists()
    if message in ("native_abi is false", "do not use the NetBSD kernel module ABI"):
        assert "rumpbuild component msdos --arch" in err
