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


# --- the driver of layered and image-less file systems (filesystems.toml: lower, seed, lands_in, …) ---

def _facts_table():
    import tomllib

    from rumpbuild.smoke.runner import HERE

    with open(HERE / "filesystems.toml", "rb") as f:
        facts = tomllib.load(f)
    with open(HERE / "images.toml", "rb") as f:
        images = tomllib.load(f)
    return facts, images


def test_every_fact_is_consistent():
    """What the driver reads from each table makes sense together (a typo here is a CI failure, not a
    confusing step on someone's real tree)."""
    from rumpbuild.smoke.runner import LOWER_FS, facts_args, mountargs_source

    facts, images = _facts_table()
    known = {"mount_type", "header", "pre_headers", "struct", "init", "image", "readonly", "driver", "pool_size",
             "root_lists", "known_file", "known_start", "lower", "key", "seed", "lands_in", "not_in", "with",
             "open", "device_dir", "stubs", "no_image", "sector_anchor", "floppy"}
    for name, spec in images.items():
        assert set(spec) <= {"tools", "modules", "commands", "known_file"}, (name, set(spec))
        assert spec["commands"], name
    for name, f in facts.items():
        assert set(f) <= known, (name, set(f) - known)
        assert f.get("image", "") == "" or f["image"] in images, name
        if f.get("known_file"):
            assert f.get("known_start") and not f.get("image"), name
        for key in ("seed", "lands_in", "not_in"):
            if f.get(key):
                assert f[key] in f.get("lower", []), (name, key)  # only a tmpfs the test mounted
        if f.get("no_image"):  # an image-backed file system no host tool can make an image of
            assert not f.get("image") and not f.get("key") and not f.get("root_lists"), name
        if f.get("lower"):
            assert not f.get("image") and f.get("key") and f.get("seed"), name
            assert not (f.get("lands_in") and f.get("readonly")), name
        if not f.get("struct"):
            assert not f.get("init"), name
        if f.get("floppy"):  # the label patch is emitted, and only into the file system's own helper
            assert "floppy_label();" in mountargs_source(name, f)
            assert "floppy_label" not in mountargs_source(name, f, func="rumpbuild_tmpfs_mountargs")
        else:
            assert "floppy_label" not in mountargs_source(name, f) if f.get("driver") != "zfs" else True
        if f.get("driver") != "zfs":
            src = mountargs_source(name, f)
            assert f"<{f['header']}>" in src and "rumpbuild_mountargs(const char *fspec" in src
            assert ("*lenp = 0;" in src) == (not f["struct"]), name
    assert mountargs_source(LOWER_FS, facts[LOWER_FS], "rumpbuild_tmpfs_mountargs").count(
        "rumpbuild_tmpfs_mountargs(") == 2
    # the options each kind of fact turns into
    assert facts_args(facts["union"]) == ["-T", "/mnt", "-T", "/upper", "-s", "/mnt", "-r", "HELLO.TXT", "-e",
                                          "Hello from the rumpbuild smoke test.\n", "-c", "/upper", "-a", "/mnt"]
    assert facts_args(facts["kernfs"]) == ["-d", "version,hostname,time,boottime,copyright,physmem",
                                           "-r", "version", "-e", "NetBSD ", "-b"]
    assert facts_args(facts["ptyfs"]) == ["-O", "/dev/ptmx", "-d", ".,..,0"]
    assert facts_args(facts["nilfs"]) == ["-D", "/devtmp", "-d", ".nilfs"]


@pytest.fixture(scope="module")
def layered_tmpfs(tmp_path_factory):
    """The example tree's tmpfs tested as if it were a layer over a lower tmpfs at /lower: the program
    links the lower tmpfs's mount arguments too.  tmpfs is no layer, which the checks must see."""
    import argparse

    from rumpbuild.session import BuildSession
    from rumpbuild.smoke.runner import fs_facts, run_smoke

    _need("x86_64-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("layered")
    session = BuildSession.from_args(argparse.Namespace(out=str(out), arch="amd64", toolchain="gcc", quiet=True))
    facts = dict(fs_facts("tmpfs"), lower=["/lower"], key="/lower", seed="/lower", lands_in="/lower")
    res = run_smoke(session, session.find_component("tmpfs"), shared=False, facts=facts)
    return res, out / "smoke" / "rumpfs_tmpfs" / "rumptest-static"


def _run(exe, *args):
    import subprocess

    p = subprocess.run([str(exe), "-t", "tmpfs", "-m", "/mnt", *args], capture_output=True, text=True, timeout=120)
    steps = {}
    for line in p.stdout.splitlines():
        if line.startswith("STEP "):
            _, name, status, *detail = line.split(" ", 3)
            steps.setdefault(name, []).append(status)
    return p.returncode, steps, p.stdout


def test_layered_driver_steps_fail_where_tmpfs_is_no_layer(layered_tmpfs):
    res, _exe = layered_tmpfs
    steps = {}
    for s in res.steps:
        steps.setdefault(s.name, []).append(s.status)
    # the lower tmpfs mounted, the known file written into it, the tmpfs on /mnt mounted, written, read back
    assert steps["lower"] == ["PASS"] and steps["seed"] == ["PASS"] and steps["mount"] == ["PASS"]
    assert steps["write"] == ["PASS"] and steps["readback"] == ["PASS"]
    # but the known file is not seen through it, and the new file is not in the lower layer
    assert steps["read"] == ["FAIL"] and steps["inlower"] == ["FAIL"]
    assert steps["unmount"] == ["PASS", "PASS"] and not res.ok


def test_driver_checks_pass_and_fail_on_what_they_find(layered_tmpfs):
    """The same program run by hand: each check passes or fails on what it finds.  (The example tree's
    tmpfs does not cross mount points with "..", so a check passing through a layer is proven on the
    real tree: tests/test_realtree_smoke.py.)"""
    _res, exe = layered_tmpfs
    # the known file is written into the lower tmpfs, and not seen through the tmpfs that covers nothing
    rc, steps, out = _run(exe, "-T", "/lower", "-s", "/lower", "-r", "HELLO.TXT", "-e", "Hello", "-b")
    assert rc == 1 and steps["seed"] == ["PASS"] and steps["read"] == ["FAIL"], out
    # the new file: absent from the lower layer it was not written to
    rc, steps, out = _run(exe, "-T", "/lower", "-w", "NEW.TXT", "-c", "/lower", "-a", "/lower")
    assert steps["inlower"] == ["FAIL"] and steps["notlower"] == ["PASS"], out
    # a device opened and held until the unmount: a missing one fails
    rc, steps, out = _run(exe, "-O", "/dev/nonexistent")
    assert rc == 1 and steps["open"] == ["FAIL"] and steps["unmount"] == ["PASS"], out
    # a device node on a tmpfs needs mknod, which the example tree's kernel lacks: a clear FAIL
    rc, steps, out = _run(exe, "-k", "/dev/img", "-i", str(exe), "-D", "/devtmp")
    assert rc == 1 and steps["devnode"] == ["FAIL"], out


def test_image_less_checks_on_the_example_msdos(tmp_path_factory):
    """The root listing (-d) and a read by known start (-b), on msdos (the example tree's tmpfs has no
    readdir): the facts' way passes, a name not there or a prefix without -b fails."""
    import argparse
    import subprocess

    from rumpbuild.session import BuildSession
    from rumpbuild.smoke.runner import fs_facts, run_smoke

    _need("x86_64-linux-gnu-gcc", "mkfs.vfat", "mcopy")
    out = tmp_path_factory.mktemp("listing")
    session = BuildSession.from_args(argparse.Namespace(out=str(out), arch="amd64", toolchain="gcc", quiet=True))
    facts = dict(fs_facts("msdos"), root_lists=["HELLO.TXT"])
    res = run_smoke(session, session.find_component("msdos"), shared=False, facts=facts)
    listing = [s for s in res.steps if s.name == "readdir"]
    assert res.ok and [s.status for s in listing] == ["PASS"] and "HELLO.TXT" in listing[0].detail, res.steps
    work = out / "smoke" / "rumpfs_msdos"
    base = [str(work / "rumptest-static"), "-t", "msdos", "-m", "/mnt", "-k", "/dev/img", "-i", str(work / "vfat.img"),
            "-o"]

    def run(*args):
        p = subprocess.run(base + list(args), capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout

    rc, stdout = run("-d", "HELLO.TXT,version")
    assert rc == 1 and "STEP readdir FAIL /mnt lacks version; it lists: " in stdout and "HELLO.TXT" in stdout, stdout
    rc, stdout = run("-r", "HELLO.TXT", "-e", "Hello from", "-b")
    assert rc == 0 and "STEP read PASS HELLO.TXT: 37 bytes, starts as expected: Hello from the rumpbuild" in stdout
    rc, stdout = run("-r", "HELLO.TXT", "-e", "Hello from")
    assert rc == 1 and "STEP read FAIL" in stdout, stdout  # without -b the whole content must match
    rc, stdout = run("-r", "HELLO.TXT", "-e", "Goodbye", "-b")
    assert rc == 1 and "STEP read FAIL" in stdout, stdout
