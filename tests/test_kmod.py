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

    from rumpbuild.session import BuildSession
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


# -- issue 16: files that are not kmods, damaged relocation tables, plain messages ---------------------

REPO = Path(__file__).resolve().parents[1]


def _cli_isolated(*args, timeout=60):
    """The CLI in a fresh process: a hang or a memory blow-up fails the test, not the session.

    Returns (status, stdout, stderr, peak resident KB of that process).
    """
    import subprocess
    import sys

    code = ("import resource, sys\nfrom rumpbuild.cli import main\nstatus = main(sys.argv[1:])\n"
            "print('maxrss-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(status)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=env)
    m = re.search(r"maxrss-kb (\d+)", p.stderr)
    return p.returncode, p.stdout, p.stderr, int(m.group(1)) if m else -1


@pytest.mark.parametrize("kind,message", [
    ("fifo", "is a FIFO (named pipe), not a regular file"),
    ("/dev/zero", "is a character device, not a regular file"),
    ("folder", "is a folder, not a regular file"),
])
def test_inspect_refuses_files_that_are_not_regular(tmp_path, kind, message):
    path = {"fifo": tmp_path / "fifo.kmod", "folder": tmp_path / "dir.kmod"}.get(kind, Path(kind))
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    status, out, err, _rss = _cli_isolated("kmod", "inspect", path, timeout=30)
    assert status == 1 and message in err and str(path) in err and "Traceback" not in err, err
    kmod_message = message.replace("not a regular file", "not a kernel module file")
    for cmd in ("component", "test"):
        status, out, err, _rss = _cli_isolated(cmd, "msdos", "--arch", "amd64", "--kmod", path,
                                               "--out", tmp_path / "out", timeout=30)
        assert status == 1 and kmod_message in err and "no such file" not in err, err
    assert not (tmp_path / "out").exists()


def test_inspect_reads_a_2gb_file_lazily(kmods, tmp_path):
    """A kmod followed by 2 GB of hole: inspected as before, without reading the 2 GB."""
    big = tmp_path / "big.kmod"
    shutil.copyfile(kmods[1]["msdos"], big)
    os.truncate(big, 2 << 30)
    status, out, err, rss_kb = _cli_isolated("kmod", "inspect", big, "--json", timeout=120)
    assert status == 0, err
    assert json.loads(out)["modinfo"]["name"] == "msdos"
    assert 0 < rss_kb < 400 * 1024, f"peak memory {rss_kb} KB: the file was read, not mapped"


def _sections(data: bytes):
    from rumpbuild.elf.reader import open_elf

    return open_elf("x.kmod", data)


def _mutated(kmods, tmp_path, name, edit) -> Path:
    data = bytearray(kmods[1]["msdos"].read_bytes())
    obj = _sections(bytes(data))
    edit(data, obj)
    p = tmp_path / f"{name}.kmod"
    p.write_bytes(bytes(data))
    return p


def _first_rela(obj, of=".text"):
    target = next(s.index for s in obj.sections if s.name == of)
    return next(s for s in obj.sections if s.type == 4 and s.info == target)


def _set_rela(data, obj, of, *, type=None, sym=None, offset=None):
    rela = _first_rela(obj, of)
    off, info, addend = struct.unpack_from("<QQq", data, rela.offset)
    info = ((info >> 32 if sym is None else sym) << 32) | (info & 0xFFFFFFFF if type is None else type)
    struct.pack_into("<QQq", data, rela.offset, off if offset is None else offset, info, addend)


def _set_shdr(data, obj, index, field, value):
    # ELF64 section header: name, type (I), flags, addr, offset, size (Q), link, info (I), align, entsize (Q)
    at = {"link": 40, "info": 44}[field]
    struct.pack_into("<I", data, obj.sections[index].header_offset + at, value)


DAMAGE = {
    "type999": (lambda d, o: _set_rela(d, o, ".text", type=999), "type 999 is not a relocation type of x86_64"),
    # ld: "TLS transition from R_X86_64_GOTPC32_TLSDESC to R_X86_64_TPOFF32 … failed"
    "tls": (lambda d, o: _set_rela(d, o, ".text", type=34), "R_X86_64_GOTPC32_TLSDESC is for thread-local storage"),
    "symindex": (lambda d, o: _set_rela(d, o, ".text", sym=100000), "symbol index 100000, the symbol table has"),
    "offset": (lambda d, o: _set_rela(d, o, ".text", offset=1 << 40), "lies past the end of section"),
    "link": (lambda d, o: _set_shdr(d, o, _first_rela(o).index, "link", 0), "not to the symbol table"),
    "info": (lambda d, o: _set_shdr(d, o, _first_rela(o).index, "info", 9999), "not a section it can relocate"),
    "shndx": (lambda d, o: struct.pack_into("<H", d, _global(o).entry_offset + 6, 0x1234),
              "section index 4660, the file has"),
    # ld: "member … in archive is not an object", found by linking converted fuzzed kmods
    "bsslink": (lambda d, o: _set_shdr(d, o, _named(o, ".bss"), "link", 0x1234), "(.bss): links to section 4660"),
    # ld: "Relocations in generic ELF (EM: 62)"
    "shtype": (lambda d, o: struct.pack_into("<I", d, o.sections[_named(o, ".comment")].header_offset + 4, 64),
               "(.comment): type 0x40 is no ELF section type"),
    # ld: "symbol number … references nonexistent SHT_SYMTAB_SHNDX section"
    "xindex": (lambda d, o: struct.pack_into("<H", d, _global(o).entry_offset + 6, 0xFFFF),
               "an extended table (SHN_XINDEX) the file does not have"),
    # ld: "not an object"
    "phnum": (lambda d, o: struct.pack_into("<H", d, 0x38, 4), "lists 4 program headers at offset 0"),
    "compressed": (lambda d, o: struct.pack_into("<Q", d, o.symtab.header_offset + 8, 0x800),
                   "(.symtab): flagged compressed, but holds no compressed contents"),
    # ld: ".symtab local symbol at index … (>= sh_info of …)"
    "local": (lambda d, o: d.__setitem__(_global(o).entry_offset + 4, 0x02), "is local, but the symbol table says"),
    # ld: "undefined reference to `no symbol'"
    "noname": (lambda d, o: struct.pack_into("<I", d, _undefined(o, "bread").entry_offset, 0),
               "a global without a name"),
    # ld: "defined in discarded section"
    "exclude": (lambda d, o: struct.pack_into("<Q", d, o.sections[_named(o, ".rodata.str1.1")].header_offset + 8,
                                              0x80000032), "loaded, yet flagged for ld to discard"),
    "usertype": (lambda d, o: struct.pack_into("<I", d, o.sections[_named(o, ".comment")].header_offset + 4,
                                               0x8636FD56), "type 0x8636fd56 is no ELF section type"),
}


def _undefined(obj, name):
    return next(s for s in obj.symbols() if s.name == name and s.shndx == 0)


def _named(obj, name):
    return next(s.index for s in obj.sections if s.name == name)


def _global(obj):
    return next(s for s in obj.symbols() if s.nm_global and s.shndx != 0)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_relocations_are_refused_before_converting(run_cli, kmods, tmp_path, damage):
    edit, message = DAMAGE[damage]
    bad = _mutated(kmods, tmp_path, damage, edit)
    status, out, err = run_cli("kmod", "inspect", bad)
    assert status == 0 and "damaged:" in out and message in out, out + err
    out_dir = tmp_path / "out"
    status, out, err = run_cli("component", "msdos", "--arch", "amd64", "--kmod", bad, "--out", out_dir, "-q")
    assert status == 1 and "is damaged" in err and message in err and "Traceback" not in err, err
    assert not out_dir.exists()


@pytest.mark.parametrize("damage,message", [
    # the modinfo pointer far past its section: was "unpack_from requires a buffer of at least …"
    ("modinfo_value", "the modinfo at offset 0x1000000000000000 lies outside section"),
    # the link_set_modules relocation names no symbol: was "list index out of range"
    ("linkset_symbol", "link_set_modules has no relocation"),
])
def test_modinfo_messages_name_the_damage(run_cli, kmods, tmp_path, damage, message):
    def edit(d, o):
        if damage == "modinfo_value":  # the addend of link_set_modules' pointer to the modinfo
            struct.pack_into("<q", d, _first_rela(o, "link_set_modules").offset + 16, 1 << 60)
        else:
            _set_rela(d, o, "link_set_modules", sym=123456)

    bad = _mutated(kmods, tmp_path, damage, edit)
    status, out, err = run_cli("kmod", "inspect", bad)
    assert status == 0 and message in out, out + err
    for internal in ("unpack_from", "requires a buffer", "list index out of range", "object has no attribute"):
        assert internal not in out + err
    status, out, err = run_cli("component", "msdos", "--arch", "amd64", "--kmod", bad, "--out", tmp_path / "o", "-q")
    assert status == 1 and "Traceback" not in err and "list index out of range" not in err, err


def test_modinfo_name_with_a_slash_is_refused(run_cli, kmods, tmp_path):
    def edit(d, o):
        rodata = [s for s in o.sections if s.name.startswith(".rodata")]
        for s in rodata:
            strings = bytes(d[s.offset:s.offset + s.size]).split(b"\0")
            if b"msdos" in strings:
                at = s.offset + sum(len(x) + 1 for x in strings[:strings.index(b"msdos")])
                d[at:at + 5] = b"../ms"
                return
        raise AssertionError("no 'msdos' string in .rodata")

    bad = _mutated(kmods, tmp_path, "slash", edit)
    status, out, err = run_cli("kmod", "inspect", bad, "--json")
    assert status == 0 and json.loads(out)["modinfo"]["name"] == "../ms"
    out_dir = tmp_path / "out"
    status, out, err = run_cli("component", "msdos", "--arch", "amd64", "--kmod", bad, "--out", out_dir, "-q")
    assert status == 1 and "modinfo: module name '../ms' is not a plain file name" in err, err
    assert not out_dir.exists() and not list(tmp_path.rglob("ms.kmod.o"))


@pytest.mark.parametrize("flags", [["-m64"], ["-m32"]])
def test_compressed_debug_sections_are_no_damage(tmp_path, flags):
    """gcc -gz: relocations of .debug_info patch its uncompressed bytes, past the compressed size."""
    import subprocess

    from rumpbuild.elf.reader import open_elf
    from rumpbuild.kmod.inspect import inspect_kmod

    if not GCC:
        pytest.skip("needs x86_64-linux-gnu-gcc")
    obj = tmp_path / "gz.o"
    src = Path(__file__).parent / "fixtures" / "elf" / "rename_fixture.c"
    p = subprocess.run([GCC, *flags, "-g", "-gz=zlib", "-fcommon", "-c", str(src), "-o", str(obj)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"gcc {' '.join(flags)} -gz does not compile here: {p.stderr.strip()[:200]}")
    assert any(s.flags & 0x800 for s in open_elf(obj).sections)  # SHF_COMPRESSED
    info = inspect_kmod(obj)
    assert info.problem_count == 0, info.problems


def test_kmod_defining_a_rump_kernel_symbol_is_refused(run_cli, kmods, tmp_path):
    """A kmod that defines vref() (librumpvfs has it): converted, ld would say 'multiple definition'."""
    def edit(d, o):
        vref = next(s for s in o.symbols() if s.name == "vref")
        struct.pack_into("<H", d, vref.entry_offset + 6, _named(o, ".text"))

    bad = _mutated(kmods, tmp_path, "vref", edit)
    out_dir = tmp_path / "out"
    status, out, err = run_cli("component", "msdos", "--arch", "amd64", "--kmod", bad, "--out", out_dir, "-q")
    assert status == 1 and "defines vref, which librumpvfs (" in err and "multiple definition" in err, err
    assert not (out_dir / "kmod" / "librumpfs_msdos.a").exists()
