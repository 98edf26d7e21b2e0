"""The NetBSD machine data (rumpbuild/arch/*.toml), its loader and `rumpbuild arches`."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from rumpbuild import cli
from rumpbuild.arch import ARCH_DIR, ArchDataError, all_machines, all_targets, known_names, resolve
from rumpbuild.errors import UnknownNameError
from rumpbuild.toolchain.data import fact, qemu_sysroot

# What the brief and build.sh require: MACHINE -> (default MACHINE_ARCH, all MACHINE_ARCHes)
EXPECTED = {
    "amd64": ("x86_64", {"x86_64"}),
    "i386": ("i386", {"i386"}),
    "evbarm": ("earmv7hf", {"earmv7hf", "earmv6hf", "earm", "earmeb"}),
    "evbarm64": ("aarch64", {"aarch64", "aarch64eb"}),
    "riscv": ("riscv64", {"riscv64"}),
    "evbppc": ("powerpc", {"powerpc", "powerpc64"}),
    "evbmips": ("mipsel", {"mipsel", "mipseb"}),
    "sparc64": ("sparc64", {"sparc64"}),
}

# share/mk/bsd.own.mk line 17, MACHINE_CPU from MACHINE_ARCH, as (regex, replacement) in order
BSD_OWN_MK_CPU = [
    (r"mipse[bl]", "mips"), (r"mips64e[bl]", "mips"), (r"sh3e[bl]", "sh3"), (r"coldfire", "m68k"),
    (r"m68000", "m68k"), (r"arm.*", "arm"), (r"earm.*", "arm"), (r"earm", "arm"),
    (r"powerpc64", "powerpc"), (r"aarch64eb", "aarch64"), (r"or1knd", "or1k"), (r"riscv..", "riscv"),
]


def bsd_own_mk_cpu(machine_arch: str) -> str:
    cpu = machine_arch
    for pattern, repl in BSD_OWN_MK_CPU:
        cpu = re.sub(pattern, repl, cpu, count=1)
    return cpu


def test_every_toml_loads():
    files = sorted(p.stem for p in ARCH_DIR.glob("*.toml"))
    machines = all_machines()
    assert [m.name for m in machines] == files
    for m in machines:
        assert m.default_target.machine_arch == m.default
        assert m.source.name == f"{m.name}.toml"


def test_expected_machines_and_variants():
    got = {m.name: (m.default, {v.machine_arch for v in m.variants}) for m in all_machines()}
    for name, want in EXPECTED.items():
        assert got[name] == want


@pytest.mark.parametrize("t", all_targets(), ids=lambda t: t.machine_arch)
def test_variant_facts(t):
    assert t.machine_cpu == bsd_own_mk_cpu(t.machine_arch)
    assert qemu_sysroot(t) == f"/usr/{fact('gcc', t, 'triple')}"
    assert t.native_abi == (t.machine in ("amd64", "i386"))
    assert t.wno_format == (t.elf_class == 32 or t.machine_cpu in ("aarch64", "riscv")
                            or t.machine_arch == "powerpc64")
    mv = t.make_vars()
    assert {k: mv[k] for k in ("MACHINE", "MACHINE_ARCH", "MACHINE_CPU")} == {
        "MACHINE": t.machine, "MACHINE_ARCH": t.machine_arch, "MACHINE_CPU": t.machine_cpu}
    assert mv["TARGET_ENDIANNESS"] == ("1234" if t.endian == "little" else "4321")


def test_rename_quirks_are_data():
    assert {t.machine_arch for t in all_targets() if t.symquirk == "_gp_disp"} == {"mipsel", "mipseb"}
    assert resolve("powerpc64").pq == r"\.?" and resolve("powerpc64").symquirk.split("|")[0] == "PF_funcs"
    assert all(t.pq == "" for t in all_targets() if t.machine_arch != "powerpc64")


@pytest.mark.parametrize("name, machine, arch", [
    ("amd64", "amd64", "x86_64"),           # MACHINE -> default
    ("x86_64", "amd64", "x86_64"),          # MACHINE_ARCH
    ("evbarm", "evbarm", "earmv7hf"),
    ("earmv6hf", "evbarm", "earmv6hf"),
    ("armhf", "evbarm", "earmv7hf"),        # aliases
    ("arm64", "evbarm64", "aarch64"),
    ("aarch64", "evbarm64", "aarch64"),
    ("aarch64_be", "evbarm64", "aarch64eb"),
    ("ppc", "evbppc", "powerpc"),
    ("evbppc64", "evbppc", "powerpc64"),
    ("evbmips", "evbmips", "mipsel"),
    ("mips", "evbmips", "mipseb"),
    ("i686", "i386", "i386"),
    ("riscv", "riscv", "riscv64"),
    ("evbarm/earmeb", "evbarm", "earmeb"),  # MACHINE/MACHINE_ARCH
])
def test_resolve(name, machine, arch):
    t = resolve(name)
    assert (t.machine, t.machine_arch) == (machine, arch)


def test_resolve_unknown_suggests():
    with pytest.raises(UnknownNameError) as exc:
        resolve("evbarn")
    msg = exc.value.render()
    assert "unknown arch 'evbarn'" in msg and "did you mean" in msg and "'evbarm'" in msg
    assert "rumpbuild arches" in msg


def test_names_are_unique_and_complete():
    names = known_names()
    for t in all_targets():
        assert t.machine_arch in names and t.machine in names
        assert all(a in names for a in t.aliases)


def test_klinks(tmp_path):
    sys_dir = tmp_path / "sys"
    for d in ("amd64", "i386", "x86", "evbarm", "arm", "evbarm64", "aarch64", "evbmips", "mips"):
        (sys_dir / "arch" / d / "include").mkdir(parents=True)
    arch = sys_dir / "arch"
    assert resolve("amd64").klinks(sys_dir) == [  # no sys/arch/x86_64: no MACHINE_CPU link
        ("machine", arch / "amd64/include"), ("amd64", arch / "amd64/include"),
        ("i386", arch / "i386/include"), ("x86", arch / "x86/include")]
    assert resolve("i386").klinks(sys_dir) == [
        ("machine", arch / "i386/include"), ("i386", arch / "i386/include"), ("x86", arch / "x86/include")]
    assert resolve("evbarm").klinks(sys_dir) == [
        ("machine", arch / "evbarm/include"), ("evbarm", arch / "evbarm/include"), ("arm", arch / "arm/include")]
    assert [n for n, _ in resolve("aarch64eb").klinks(sys_dir)] == ["machine", "evbarm64", "aarch64", "arm"]
    assert [n for n, _ in resolve("evbmips").klinks(sys_dir)] == ["machine", "evbmips", "mips", "algor", "sbmips"]
    # the MACHINE_CPU link needs sys/arch/<cpu>
    shutil.rmtree(arch / "arm")
    assert [n for n, _ in resolve("evbarm").klinks(sys_dir)] == ["machine", "evbarm"]


def test_klinks_real_tree():
    sys_dir = Path("/work/netbsd/src2016/sys")
    if not sys_dir.is_dir():
        pytest.skip("no NetBSD tree at /work/netbsd/src2016")
    # observed amd64 objdir: amd64 i386 machine x86
    assert sorted(n for n, _ in resolve("amd64").klinks(sys_dir)) == ["amd64", "i386", "machine", "x86"]
    for t in all_targets():
        for name, target in t.klinks(sys_dir):
            if name not in ("algor", "sbmips"):  # dangle in this tree, as with make
                assert target.is_dir(), (t.name, name)


# -- broken data: one error per mistake, naming the file and the key ----------------


def _broken(tmp_path: Path, edit) -> Path:
    d = tmp_path / "arch"
    d.mkdir()
    for p in ARCH_DIR.glob("*.toml"):
        shutil.copy(p, d)
    f = d / "evbarm.toml"
    f.write_text(edit(f.read_text()))
    return d


@pytest.mark.parametrize("edit, key, words", [
    (lambda s: s.replace('qemu = "qemu-armeb"', 'qemu = "qemu-armeb"\nqemu_binary = "x"'),
     "variant[3].qemu_binary", "unknown key"),
    (lambda s: s.replace('evbearm-el"]\nendian = "little"\n', 'evbearm-el"]\n'), "variant[2].endian", "missing"),
    # toolchain facts belong to the toolchains' tables, not to an arch file
    (lambda s: s.replace('qemu = "qemu-armeb"', 'qemu = "qemu-armeb"\nzig_target = "armeb-linux-gnueabi"'),
     "variant[3].zig_target", "toolchain facts live with the toolchain now: rumpbuild/toolchain/zig.toml"),
    (lambda s: s.replace('description = ', 'descripton = '), "descripton", "unknown key"),
    (lambda s: s.replace('endian = "big"', 'endian = "bigg"'), "variant[3].endian", "allowed"),
    (lambda s: s.replace('elf_class = 32', 'elf_class = "32"', 1), "variant[0].elf_class", "must be a int"),
    (lambda s: s.replace('native_abi = false', 'native_abi = 0', 1), "variant[0].native_abi", "must be a bool"),
    (lambda s: s.replace('elf_machine = "EM_ARM"', 'elf_machine = "EM_ARN"', 1), "variant[0].elf_machine",
     "EM_ARM"),
    (lambda s: s.replace('default = "earmv7hf"', 'default = "earmv8hf"'), "default", "not a variant"),
    (lambda s: s.replace('machine = "evbarm"', 'machine = "evbarm2"'), "machine", "file is named"),
    # a duplicate name is reported at its second use (evbarm64.toml), naming the first file too
    (lambda s: s.replace('"armel", ', '"armel", "arm64", '), "variant[0].aliases",
     "'arm64' already means evbarm/earm (in evbarm.toml)"),
])
def test_broken_toml(tmp_path, edit, key, words):
    d = _broken(tmp_path, edit)
    with pytest.raises(ArchDataError) as exc:
        all_machines(d)
    msg = exc.value.render()
    assert "evbarm.toml" in msg or "evbarm" in str(exc.value.path), msg
    assert f"key '{key}'" in msg, msg
    assert words in msg, msg


def test_broken_toml_syntax(tmp_path):
    d = _broken(tmp_path, lambda s: s + "\n[[variant]\n")
    with pytest.raises(ArchDataError, match=r"evbarm\.toml: not valid TOML"):
        resolve("amd64", d)


def test_unknown_key_typo_hint(tmp_path):
    d = _broken(tmp_path, lambda s: s.replace("wno_format = true", "wno_formats = true", 1))
    with pytest.raises(ArchDataError) as exc:
        all_machines(d)
    assert "did you mean 'variant[0].wno_format'" in exc.value.render()


# -- the command ---------------------------------------------------------------------


@pytest.fixture
def cli_main(monkeypatch):
    # other subcommands may not exist yet in this checkout; load only what is importable
    present = {k: v for k, v in cli.COMMAND_MODULES.items()
               if importlib.util.find_spec(f"rumpbuild.commands.{v}") is not None}
    monkeypatch.setattr(cli, "COMMAND_MODULES", present)
    return cli.main


def test_arches_json(cli_main, capsys):
    assert cli_main(["arches", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == len(all_targets())
    by_arch = {d["machine_arch"]: d for d in data}
    assert by_arch["earmv7hf"]["machine"] == "evbarm" and by_arch["earmv7hf"]["default"] is True
    assert by_arch["x86_64"]["native_abi"] is True and by_arch["x86_64"]["elf_machine"] == "EM_X86_64"
    assert by_arch["sparc64"]["qemu"] == "qemu-sparc64"
    assert list(data[0]) == ["machine", "machine_arch", "machine_cpu", "default", "aliases", "endian",
                             "elf_class", "elf_machine", "qemu", "native_abi", "wno_format", "symquirk", "pq",
                             "extra_klinks", "toolchains"]
    # each toolchain's own entry, from its table
    assert by_arch["earmv7hf"]["toolchains"]["gcc"]["triple"] == "arm-linux-gnueabihf"
    assert by_arch["earmv7hf"]["toolchains"]["zig"]["flags"] == ["-mcpu=generic+v7a"]
    assert by_arch["earm"]["toolchains"]["zig"]["cannot_link"]


def test_arches_text(cli_main, capsys):
    assert cli_main(["arches"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["MACHINE", "MACHINE_ARCH", "CPU"]
    rows = {line.split()[1 if not line.startswith(" ") else 0].rstrip("*"): line for line in out.splitlines()[2:]
            if line.strip() and not line.startswith("*")}
    for t in all_targets():
        assert t.machine_arch in rows
    assert "earmv7hf*" in out
    assert rows["earmv7hf"].endswith("gcc, clang, zig")
    assert rows["earmeb"].endswith("zig (cannot link)") and rows["powerpc64"].endswith("zig (crashes)")


# -- an arch one toolchain cannot target ----------------------------------------------

EVBSH3 = '''\
machine = "evbsh3"
description = "SuperH boards (test data: LLVM, hence clang and zig, has no SuperH backend)"
default = "sh3el"
extra_klinks = ["sh3"]

[[variant]]
machine_arch = "sh3el"
machine_cpu = "sh3"
endian = "little"
elf_class = 32
elf_machine = "EM_SH"
qemu = "qemu-sh4"
native_abi = false
wno_format = true
'''


@pytest.fixture
def sh3_data(tmp_path, monkeypatch):
    """The shipped arch and toolchain data plus evbsh3, which only gcc's table names."""
    import rumpbuild.arch as archmod
    import rumpbuild.toolchain.data as tcdata

    arch = tmp_path / "arch"
    arch.mkdir()
    for p in ARCH_DIR.glob("*.toml"):
        shutil.copy(p, arch)
    (arch / "evbsh3.toml").write_text(EVBSH3)
    tables = tmp_path / "toolchain"
    tables.mkdir()
    for name in ("gcc", "clang", "zig"):
        shutil.copy(tcdata.data_file(name), tables)
    with open(tables / "gcc.toml", "a") as f:
        f.write('\n[sh3el]\ntriple = "sh4-linux-gnu"\n')
    monkeypatch.setattr(archmod, "ARCH_DIR", arch.resolve())
    monkeypatch.setattr(tcdata, "DATA_DIR", tables.resolve())
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path / "cache"))
    return arch


def test_arch_a_toolchain_cannot_target_loads(sh3_data, cli_main, capsys):
    t = resolve("sh3el")
    assert (t.machine, t.elf_machine, fact("gcc", t, "triple"), fact("zig", t, "target"), fact("clang", t, "target")) == \
        ("evbsh3", "EM_SH", "sh4-linux-gnu", "", "")
    assert qemu_sysroot(t) == "/usr/sh4-linux-gnu"
    assert cli_main(["arches", "--json"]) == 0
    by_arch = {d["machine_arch"]: d for d in json.loads(capsys.readouterr().out)}
    assert list(by_arch["sh3el"]["toolchains"]) == ["gcc"]
    assert list(by_arch["earmv7hf"]["toolchains"]) == ["gcc", "clang", "zig"]


def test_toolchain_that_cannot_target_an_arch_names_one_that_can(sh3_data, run_cli, example_tree, tmp_path):
    status, out, err = run_cli("component", "msdos", "--src", example_tree, "--arch", "sh3el",
                               "--toolchain", "zig", "--out", tmp_path / "out")
    assert status == 1 and "Traceback" not in err
    assert "zig cannot build for evbsh3/sh3el" in err and "zig.toml" in err
    gcc_here = shutil.which("sh4-linux-gnu-gcc") is not None
    assert ("--toolchain gcc" if gcc_here else "--toolchain gcc (apt-get install gcc-sh4-linux-gnu)") in err
    assert "--toolchain clang" not in err   # clang's table has no sh3el either
    assert not (tmp_path / "out").exists()


def test_toolchain_tables_name_known_arches_only():
    from rumpbuild.toolchain import TOOLCHAINS
    from rumpbuild.toolchain.data import table

    arches = {t.machine_arch for t in all_targets()}
    for name in TOOLCHAINS:
        assert set(table(name)) <= arches, name
    # today every shipped arch has an entry in every table
    assert all(set(table(name)) == arches for name in TOOLCHAINS)
