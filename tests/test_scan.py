"""`rumpbuild scan` on the example tree and on broken trees."""

from __future__ import annotations

import json

import pytest

from rumpbuild.arch import all_machines


def test_example_tree_default(run_cli):
    status, out, err = run_cli("scan")
    assert status == 0, err
    assert "rumpfs_msdos" in out and "rumpfs_tmpfs" in out
    assert "candidate" in out and "cpiofs" in out


def scan_json(run_cli, *args):
    status, out, err = run_cli("scan", "--json", *args)
    assert status == 0, err
    return json.loads(out)


def test_example_tree_json_shape(run_cli):
    doc = scan_json(run_cli)
    assert doc["format"] == 1
    assert doc["example_tree"] is True
    by = {(e["kind"], e["name"]): e for e in doc["entries"]}
    msdos = by[("component", "msdos")]
    assert msdos["lib"] == "rumpfs_msdos" and msdos["category"] == "fs"
    assert msdos["module"] == "msdos"
    # every source resolved through .PATH to an existing file of the tree
    assert msdos["sources"] and all(s["status"] == "found" for s in msdos["sources"])
    assert all(s["path"].startswith("sys/fs/msdosfs/") for s in msdos["sources"])
    # flags come from the tree's Makefile.rump and the component
    assert "-nostdinc" in msdos["cppflags"]
    assert any(f.endswith("opt_rumpkernel.h") for f in msdos["cppflags"])
    assert "-ffreestanding" in msdos["cflags"]
    assert doc["summary"]["candidates"] == ["cpiofs"]
    cpio = by[("module", "cpiofs")]
    assert cpio["candidate"] and cpio["vfs"] and cpio["component"] is None
    assert {e["kind"] for e in doc["entries"]} >= {"component", "faction", "hypercall", "module"}


def test_per_file_flags(run_cli):
    doc = scan_json(run_cli)
    per_file = {f: v for e in doc["entries"] if e["kind"] == "component" for f, v in e["per_file"].items()}
    assert any("COPTS" in v for v in per_file.values()), per_file


@pytest.mark.parametrize("arch", [m.default for m in all_machines()])
def test_native_abi_decides_rumpkernel_define(run_cli, arch):
    """x86 uses the kernel ABI; every other arch gets -D_RUMPKERNEL and rump's include first."""
    from rumpbuild.arch import resolve

    doc = scan_json(run_cli, "--arch", arch, "msdos")
    (msdos,) = [e for e in doc["entries"] if e["kind"] == "component"]
    native = resolve(arch).native_abi
    assert ("-D_RUMPKERNEL" in msdos["cppflags"]) == (not native)
    assert msdos["cppflags"][0].endswith("/include") == (not native)
    assert doc["arch"]["MACHINE_ARCH"] == resolve(arch).machine_arch


def test_arch_makefile_inc_flags_reach_cflags(run_cli):
    amd64 = scan_json(run_cli, "--arch", "amd64", "msdos")["entries"][0]
    arm = scan_json(run_cli, "--arch", "evbarm", "msdos")["entries"][0]
    assert "-mno-red-zone" in amd64["cflags"]
    assert "-mno-red-zone" not in arm["cflags"]


def test_names_filter_and_unknown_name(run_cli):
    doc = scan_json(run_cli, "tmpfs")
    assert {e["name"] for e in doc["entries"]} == {"tmpfs"}
    status, out, err = run_cli("scan", "tmpfz")
    assert status == 1
    assert "unknown component or module 'tmpfz'" in err and "did you mean 'tmpfs'" in err
    assert "Traceback" not in err


def test_unknown_arch(run_cli):
    status, out, err = run_cli("scan", "--arch", "evbarn")
    assert status == 1
    assert "unknown arch 'evbarn'" in err and "evbarm" in err


def test_not_a_tree(run_cli, tmp_path):
    status, out, err = run_cli("scan", "--src", tmp_path)
    assert status == 1
    assert "is not a NetBSD source tree" in err and "Things to try" in err
    status, out, err = run_cli("scan", "--src", tmp_path / "nope")
    assert status == 1 and "is not a directory" in err


def test_broken_makefile_is_an_error_row_and_scan_goes_on(run_cli, tree_copy):
    src = tree_copy("broken")
    status, out, err = run_cli("scan", "--src", src, "--json")
    assert status == 0, err  # nobody asked for the broken ones by name
    doc = json.loads(out)
    by = {e["name"]: e for e in doc["entries"] if e["kind"] == "component"}
    assert by["good"]["error"] is None and by["good"]["lib"] == "rumpfs_good"
    broken = by["broken"]["error"]
    assert broken["file"] == "sys/rump/fs/lib/libbroken/Makefile" and broken["line"] == 3
    assert "matching .endif" in broken["reason"]
    badinc = by["badinc"]["error"]
    assert badinc["line"] == 3 and "Makefile.missing" in badinc["reason"]
    assert doc["summary"]["errors"] == 2


def test_asking_for_a_broken_component_exits_1(run_cli, tree_copy):
    src = tree_copy("broken")
    status, out, err = run_cli("scan", "--src", src, "broken")
    assert status == 1
    assert "libbroken/Makefile:3:" in err and "Traceback" not in err
    status, out, err = run_cli("scan", "--src", src, "good")
    assert status == 0


def test_module_pairs_by_shared_sources(run_cli, tree_copy):
    doc = scan_json(run_cli, "--src", tree_copy("broken"))
    mod = [e for e in doc["entries"] if e["kind"] == "module"][0]
    assert mod["component"] == "rumpfs_good" and not mod["candidate"]


def test_defines_override(run_cli):
    doc = scan_json(run_cli, "-D", "RUMP_DIAGNOSTIC=no", "msdos")
    assert "-DDIAGNOSTIC" not in doc["entries"][0]["cppflags"]
    doc = scan_json(run_cli, "msdos")
    assert "-DDIAGNOSTIC" in doc["entries"][0]["cppflags"]
    status, out, err = run_cli("scan", "-D", "novalue")
    assert status == 1 and "VAR=VALUE" in err


def test_sys_only_tree_is_accepted(run_cli, example_tree, tmp_path):
    import shutil
    shutil.copytree(example_tree / "sys", tmp_path / "sys")
    doc = scan_json(run_cli, "--src", tmp_path / "sys", "tmpfs")
    assert doc["entries"][0]["lib"] == "rumpfs_tmpfs"


def test_python_m_entry_point():
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "rumpbuild", "scan", "--json", "tmpfs"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["entries"][0]["name"] == "tmpfs"
