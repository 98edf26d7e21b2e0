"""State files (issue #14): parsing, validation messages, order, and on the example tree's cgd
configure → init → mount → teardown end to end, with the closure found by name."""

from __future__ import annotations

import hashlib
import json
import shutil
import textwrap

import pytest

from rumpbuild.errors import UserError
from rumpbuild.state import load_state
from rumpbuild.state.partition import locate

KEY16 = bytes(range(16))


def _write(folder, text, key=KEY16, images=("disk.img",)):
    (folder / "key.bin").write_bytes(key)
    for name in images:
        (folder / name).write_bytes(b"\0" * 4096)
    path = folder / "state.toml"
    path.write_text(textwrap.dedent(text))
    return path


def _error(path, creating=False) -> str:
    with pytest.raises(UserError) as e:
        load_state(str(path), creating=creating)
    return e.value.message


CGD = """\
[[cgd]]
device = "cgd0"
image = "disk.img"
cipher = "aes-cbc"
keylength = 128
key = { file = "key.bin" }
"""


def test_good_file_steps_in_file_order(tmp_path):
    (tmp_path / "pw").write_text("correct horse\n")
    path = _write(tmp_path, """\
        [[raid]]
        device = "raid0"
        level = 1
        components = ["a.img", "b.img"]

        [[cgd]]
        device = "cgd0"
        image = "raid0"
        cipher = "blowfish-cbc"
        key = { passphrase_file = "pw", salt = "c2FsdHNhbHRzYWx0c2FsdA==", iterations = 1000 }

        [[raid]]
        device = "raid1"
        level = 0
        components = ["cgd0", "c.img%DISKLABEL:e%"]

        [mount]
        fs = "ffs"
        device = "raid1a"
        """, images=("a.img", "b.img", "c.img"))
    st = load_state(str(path))
    assert [s.device for s in st.steps] == ["raid0", "cgd0", "raid1"]
    assert st.drivers == ["raid", "cgd"]
    assert st.steps[0].components[0].path == str(tmp_path / "a.img")  # relative to the state file
    assert st.steps[1].disk.device == "raid0" and st.steps[1].keylength == 128  # blowfish's default
    # PKCS#5 PBKDF2-HMAC-SHA1 of the passphrase without its newline, as cgdconfig's pkcs5_pbkdf2/sha1
    assert st.steps[1].key == hashlib.pbkdf2_hmac("sha1", b"correct horse", b"saltsaltsaltsalt", 1000, 16)
    assert st.steps[2].components[1].suffix == "%DISKLABEL:e%"
    assert st.mount.base_device == "raid1" and st.mount.partition == "a"


@pytest.mark.parametrize("change, line, words", [
    (("cipher = \"aes-cbc\"", "cipher = \"rot13\""), 4, ["field 'cipher'", "unknown cipher 'rot13'"]),
    (("keylength = 128", "keylength = 100"), 5, ["field 'keylength'", "aes-cbc takes no 100-bit key"]),
    (("keylength = 128", "keylength = 256"), 6, ["field 'key.file'", "holds 16 bytes; a 256-bit key is 32 bytes"]),
    (("key.bin", "none.bin"), 6, ["field 'key.file'", "key file 'none.bin' does not exist"]),
    (("disk.img", "none.img"), 3, ["field 'image'", "image 'none.img' does not exist"]),
    (("disk.img", "disk.img%DISKLABEL:z%"), 3, ["field 'image'", "a partition suffix is"]),
    (("device = \"cgd0\"", "device = \"sd0\""), 2, ["field 'device'", "'sd0' is not a cgd device name"]),
    (("cipher = \"aes-cbc\"", "cipher = \"aes-cbc\"\ncolour = \"red\""), 5, ["field 'colour'", "unknown key"]),
    (("cipher = \"aes-cbc\"", "cipher = \"aes-cbc\"\niv = \"random\""), 5, ["field 'iv'", "unknown IV method"]),
    (("keylength = 128", "keylength = \"128\""), 5, ["field 'keylength'", "must be an integer"]),
    (("key = { file = \"key.bin\" }", "key = { file = \"key.bin\", pin = 1 }"), 6, ["field 'key.pin'",
                                                                                   "unknown key 'pin'"]),
    (("key = { file = \"key.bin\" }", "key = { passphrase_file = \"key.bin\", iterations = 9 }"), 6,
     ["field 'key'", "needs 'salt'"]),
    (("key = { file = \"key.bin\" }", "key = { passphrase_file = \"key.bin\", salt = \"!!\", iterations = 9 }"),
     6, ["field 'key.salt'", "not base64"]),
    (("key = { file = \"key.bin\" }\n", ""), 1, ["[[cgd]] #1", "missing field 'key'"]),
])
def test_each_cgd_problem_one_message_with_file_line_field(tmp_path, change, line, words):
    path = _write(tmp_path, CGD.replace(*change))
    msg = _error(path)
    assert msg.startswith(f"{path}:{line}: [[cgd]] #1"), msg
    assert all(w in msg for w in words), msg
    assert "\n" not in msg  # one problem, one line


@pytest.mark.parametrize("text, line, words", [
    (CGD + CGD, 8, ["[[cgd]] #2 field 'device'", "cgd0 is configured twice (first in [[cgd]] #1, line 1)"]),
    (CGD.replace("disk.img", "raid0") + '\n[[raid]]\ndevice = "raid0"\nlevel = 1\ncomponents = ["disk.img", '
     '"b.img"]\n', 3, ["field 'image'", "uses raid0 before any table configures it", "[[raid]] #1 at line 8"]),
    (CGD + '\n[mount]\nfs = "ffs"\ndevice = "cgd1"\n', 10, ["[mount] field 'device'", "nothing configures cgd1"]),
    (CGD + '\n[mount]\nfs = "ffs"\ndevice = "wd0"\n', 10, ["[mount] field 'device'", "'wd0' is not a cgd or raid"]),
    ('[[raid]]\ndevice = "raid0"\nlevel = 4\ncomponents = ["disk.img", "disk.img"]\n', 3,
     ["field 'level'", "RAID level 4"]),
    ('[[raid]]\ndevice = "raid0"\nlevel = 5\ncomponents = ["disk.img", "disk.img"]\n', 4,
     ["field 'components'", "RAID 5 needs at least 3 components, not 2"]),
    ('[[raid]]\ndevice = "raid0"\nlevel = 1\ncomponents = ["absent", "absent"]\n', 4,
     ["field 'components'", "2 absent component(s)"]),
    ('[[raid]]\ndevice = "raid0"\nlevel = 1\ncomponents = ["disk.img", "b.img"]\nrebuild = "c.img"\n', 5,
     ["field 'rebuild'", "'c.img' is not one of the components"]),
    ('[[raid]]\ndevice = "raid0"\nlevel = 1\ncomponents = ["disk.img", "b.img"]\nsectors_per_su = 0\n', 5,
     ["field 'sectors_per_su'", "must be at least 1"]),
    ('[[vnd]]\ndevice = "vnd0"\n', 1, ["top level field 'vnd'", "unknown key 'vnd'"]),
])
def test_order_devices_and_raid_problems(tmp_path, text, line, words):
    (tmp_path / "b.img").write_bytes(b"\0" * 4096)
    path = _write(tmp_path, text)
    msg = _error(path)
    assert msg.startswith(f"{path}:{line}: "), msg
    assert all(w in msg for w in words), msg


def test_several_problems_listed_together_and_cli_exit_1(tmp_path, run_cli):
    path = _write(tmp_path, CGD.replace("aes-cbc", "rot13").replace("disk.img", "none.img"))
    msg = _error(path)
    assert msg.startswith("2 problems in the state file:") and ":3: " in msg and ":4: " in msg
    status, _, err = run_cli("test", "msdos", "--state", path, "--out", tmp_path / "o", "-q")
    assert status == 1 and "Traceback" not in err and "unknown cipher 'rot13'" in err
    status, _, err = run_cli("test", "msdos", "--init-from", "--out", tmp_path / "o", "-q")
    assert status == 1 and "add --state FILE" in err
    status, _, err = run_cli("test", "msdos", "--state", path, "--image", path, "--out", tmp_path / "o", "-q")
    assert status == 1 and "--state names its images itself" in err


def test_not_toml_and_creating_allows_missing_images(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[[cgd]\n")
    assert _error(path).startswith(f"{path}: not valid TOML")
    path = _write(tmp_path, CGD.replace("disk.img", "new.img"))
    assert load_state(str(path), creating=True).steps[0].disk.path == str(tmp_path / "new.img")
    assert "does not exist" in _error(path)


def test_disklabel_and_mbr_partitions_located(tmp_path):
    from rumpbuild.smoke.disklabel import wrap

    (tmp_path / "fs.img").write_bytes(b"x" * 10240)
    wrap(str(tmp_path / "fs.img"), str(tmp_path / "disk.img"), "e")
    off, size = locate(str(tmp_path / "disk.img"), "%DISKLABEL:e%")
    data = (tmp_path / "disk.img").read_bytes()
    assert size == 10240 and data[off:off + size] == b"x" * 10240
    with pytest.raises(UserError, match="no 'f'"):
        locate(str(tmp_path / "disk.img"), "%DISKLABEL:f%")
    mbr = bytearray(1024 * 1024)
    mbr[446 + 16:446 + 32] = bytes([0, 0, 0, 0, 0xa9, 0, 0, 0]) + (2048).to_bytes(4, "little") + \
        (100).to_bytes(4, "little")
    mbr[510:512] = b"\x55\xaa"
    (tmp_path / "mbr.img").write_bytes(bytes(mbr))
    assert locate(str(tmp_path / "mbr.img"), "%MBR:2%") == (2048 * 512, 100 * 512)
    with pytest.raises(UserError, match="MBR partition 1 is empty"):
        locate(str(tmp_path / "mbr.img"), "%MBR:1%")


# --- end to end on the example tree: its cgd (sys/dev/cgd.c) ------------------------------------

def _need(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip("needs " + ", ".join(missing))


def _smoke(run_cli, out, *args):
    status, stdout, err = run_cli("test", "msdos", "--arch", "amd64", "--toolchain", "zig", "--shared", "no",
                                  "--out", out, "-q", "--json", *args)
    assert "Traceback" not in err, err
    doc = json.loads(stdout)
    return status, doc, [(s["name"], s["status"], s["detail"]) for s in doc["steps"]]


def test_example_cgd_configure_init_mount_teardown(run_cli, tmp_path, monkeypatch):
    _need("mkfs.vfat", "mcopy")
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path / "cache"))
    state = tmp_path / "state"
    state.mkdir()
    path = _write(state, CGD + '\n[mount]\nfs = "msdos"\ndevice = "cgd0"\n', images=())
    out = tmp_path / "out"

    status, doc, steps = _smoke(run_cli, out, "--state", path, "--init-from")
    names = [(n, s) for n, s, _ in steps]
    assert status == 0, steps
    # the closure, found by name: the cgd component and the disk/vfs libraries it needs
    build = next(d for n, _, d in steps if n == "build")
    assert "rumpdev_cgd" in build.split() and "rumpvfs" in build.split()
    assert ("state", "PASS") in names and any("made disk.img" in d for n, _, d in steps if n == "state")
    # in the file's order: etfs, then CGDIOCSET; the init before the mount; teardown after the unmount
    order = [n for n, _ in names if n in ("etfs", "init", "mount", "read", "unmount", "teardown")]
    assert order == ["etfs", "init", "mount", "read", "unmount", "teardown"], steps
    assert ("teardown", "PASS") in names and ("hostimage", "PASS") in names
    image = (state / "disk.img").read_bytes()
    assert b"Hello from the rumpbuild smoke test" not in image  # the host file holds only the transformed bytes

    # the same key mounts it again; a wrong one fails the mount with one clear line, image unchanged
    status, _, steps = _smoke(run_cli, out, "--state", path)
    assert status == 0 and ("readback", "PASS", ) == next((n, s) for n, s, _ in steps if n == "readback")
    before = hashlib.sha256((state / "disk.img").read_bytes()).hexdigest()
    (state / "key.bin").write_bytes(bytes(range(1, 17)))
    status, doc, steps = _smoke(run_cli, out, "--state", path)
    mount = next((s, d) for n, s, d in steps if n == "mount")
    assert status == 1 and mount[0] == "FAIL" and "wrong key" in mount[1], steps
    assert ("teardown", "PASS") in [(n, s) for n, s, _ in steps]  # unconfigured even after the failure
    assert hashlib.sha256((state / "disk.img").read_bytes()).hexdigest() == before


def test_example_fs_mismatch_and_unknown_tree_cipher(run_cli, tmp_path):
    path = _write(tmp_path, CGD + '\n[mount]\nfs = "ffs"\ndevice = "cgd0"\n')
    status, _, err = run_cli("test", "msdos", "--state", path, "--out", tmp_path / "o", "-q")
    assert status == 1 and 'fs = "ffs", but the test is of msdos' in err and ":8:" in err


def test_real_tree_cipher_check(tmp_path, real_tree):
    from rumpbuild.state.kernel import check_tree

    path = _write(tmp_path, CGD.replace("aes-cbc", "aes-xts").replace("keylength = 128", "keylength = 256"),
                  key=bytes(32))
    st = load_state(str(path))
    if b'"aes-xts"' in (real_tree / "sys" / "dev" / "cgd_crypto.c").read_bytes():
        pytest.skip("this tree's cgd has aes-xts")
    with pytest.raises(UserError, match="this tree's cgd has no cipher 'aes-xts'"):
        check_tree(st, real_tree / "sys")
    st = load_state(str(_write(tmp_path, CGD.replace("cgd0", "cgd1"))))
    with pytest.raises(UserError, match=r"component makes device nodes for cgd0 only, not cgd1"):
        check_tree(st, real_tree / "sys")


def test_hostimage_check_follows_the_stack_under_the_mount(tmp_path):
    from rumpbuild.state.smoke import hostimage_check

    stacked = """\
        [[raid]]
        device = "raid0"
        level = 1
        components = ["a.img", "b.img"]

        [[cgd]]
        device = "cgd0"
        image = "raid0"
        cipher = "aes-cbc"
        key = { file = "key.bin" }

        [mount]
        fs = "ffs"
        device = "%s"
        """
    path = _write(tmp_path, stacked % "cgd0", images=("a.img", "b.img"))
    st = load_state(str(path))
    assert hostimage_check(st, [b"secret"])[0] == "PASS"  # nothing leaked under cgd0
    (tmp_path / "b.img").write_bytes(b"..secret..")
    status, detail = hostimage_check(st, [b"secret"])
    assert status == "FAIL" and "b.img" in detail
    st = load_state(str(_write(tmp_path, stacked % "raid0", images=("a.img",))))
    status, detail = hostimage_check(st, [b"secret"])  # the mirror alone: plaintext expected, one half degraded
    assert status == "PASS" and "1 of 2" in detail and "degraded" in detail


def test_example_cgd_under_qemu_raw_partition_c(run_cli, tmp_path, monkeypatch):
    """Another machine: RAW_PART 2 ('c') comes from the kernel half compiled for it."""
    from rumpbuild.arch import resolve

    _need("mkfs.vfat", "mcopy", resolve("evbarm64").qemu)
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path, CGD + '\n[mount]\nfs = "msdos"\ndevice = "cgd0"\n', images=())
    status, stdout, err = run_cli("test", "msdos", "--arch", "evbarm64", "--toolchain", "zig", "--out",
                                  tmp_path / "out", "-q", "--json", "--state", path, "--init-from")
    steps = {s["name"]: (s["status"], s["detail"]) for s in json.loads(stdout)["steps"]}
    assert status == 0, steps
    assert "/dev/rcgd0c" in steps["init"][1] and steps["read"][0] == "PASS" and steps["teardown"][0] == "PASS"
