"""rumpbuild.toolchain: zig/gcc/clang plug-ins, CC/AR overrides, warnings table, doctor."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest

from rumpbuild.arch import all_targets, resolve
from rumpbuild.errors import UnknownNameError, UserError
from rumpbuild.toolchain import (
    HOST_OS_MACROS,
    Toolchain,
    WarningRule,
    _elf_facts,
    drop_matching,
    find_toolchain,
    host_elf,
    load_warning_rules,
    plugin,
    rules_for,
    target_elf,
)
from rumpbuild.toolchain.data import fact

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

TARGETS = all_targets()
IDS = [t.name for t in TARGETS]

HELLO = '#include <stdio.h>\nint main(void) { printf("hello %d\\n", (int)sizeof(void *)); return 0; }\n'


def _clean_env():
    env = dict(os.environ)
    env.pop("CC", None)
    env.pop("AR", None)
    return env


def _compile_check(tc: Toolchain, tmp_path: Path) -> None:
    src = tmp_path / "k.c"
    src.write_text("int rb_global = 42;\nint rb_func(int x);\nint rb_func(int x) { return x * rb_global; }\n")
    obj = tmp_path / "k.o"
    subprocess.run(list(tc.cc) + ["-O2", "-ffreestanding", "-nostdinc", "-c", str(src), "-o", str(obj)],
                   check=True, capture_output=True)
    assert _elf_facts(obj) == target_elf(tc.target)


# ---------------------------------------------------------------- zig, every arch

@pytest.mark.parametrize("t", TARGETS, ids=IDS)
def test_zig_works_for_every_arch(t, tmp_path):
    zig = plugin("zig")
    assert zig.exists(t) is None
    tc = zig.generate(t)
    assert tc.link_problem == fact("zig", t, "cannot_link")  # compiles everywhere; zig.toml says where it cannot link
    assert tc.name == "zig" and tc.active_cc == "clang" and tc.version[0] >= 14
    assert tc.cc[1:3] == ("cc", "-target")
    assert tc.ar == (tc.cc[0], "ar")
    assert tc.libc == ("musl" if fact("zig", t, "libc_target") else "glibc")
    assert tc.static_ok == (bool(fact("zig", t, "libc_target")) and not fact("zig", t, "cannot_link"))
    _compile_check(tc, tmp_path)


def test_zig_neutralises_debug_defaults(tmp_path):
    """zig cc without -O is zig's Debug mode: UBSan + stack protector; -O2 defines NDEBUG."""
    tc = find_toolchain(resolve("evbarm"), "zig", _clean_env())
    src = tmp_path / "k.c"
    src.write_text(textwrap.dedent("""\
        void ext(char *);
        int g(int a, int b, unsigned n) { char buf[64]; ext(buf); int x = a + b; x <<= b; return x / b + buf[n]; }
        #ifdef NDEBUG
        int ndebug_is_defined;
        #endif
        """))
    for opt in ([], ["-O0"], ["-O2"]):
        obj = tmp_path / "k.o"
        subprocess.run(list(tc.cc) + opt + ["-ffreestanding", "-nostdinc", "-c", str(src), "-o", str(obj)],
                       check=True, capture_output=True)
        from elftools.elf.elffile import ELFFile
        with open(obj, "rb") as f:
            names = {s.name for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()}
        assert not {n for n in names if n.startswith(("__ubsan_", "__stack_chk_"))}, opt
        assert "ndebug_is_defined" not in names, opt


def _run_static_hello(t, tmp_path) -> str:
    tc = find_toolchain(t, "zig", _clean_env())
    assert tc.static_ok
    prefix = tc.run_prefix(static=True)
    if prefix and shutil.which(prefix[0]) is None:
        pytest.skip(f"{t.qemu} not installed")
    (tmp_path / "hello.c").write_text(HELLO)
    exe = tmp_path / "hello"
    subprocess.run(list(tc.cc) + ["-static", "-O2", str(tmp_path / "hello.c"), "-o", str(exe)],
                   check=True, capture_output=True, timeout=600)
    assert _elf_facts(exe) == target_elf(t)
    p = subprocess.run(prefix + [str(exe)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_zig_static_musl_hello_runs_natively(tmp_path):
    t = resolve("amd64")
    if host_elf() != target_elf(t):
        pytest.skip("host is not x86_64")
    assert find_toolchain(t, "zig", _clean_env()).run_prefix(static=True) == []
    assert _run_static_hello(t, tmp_path) == "hello 8\n"


@pytest.mark.parametrize("arch,size", [("evbarm", 4), ("riscv64", 8), ("mipseb", 4)])
def test_zig_static_musl_hello_runs_under_qemu(arch, size, tmp_path):
    t = resolve(arch)
    if host_elf() == target_elf(t):
        pytest.skip("host runs this arch natively")
    assert _run_static_hello(t, tmp_path) == f"hello {size}\n"


# ---------------------------------------------------------------- gcc / clang (skip when missing)

@pytest.mark.parametrize("t", TARGETS, ids=IDS)
def test_gcc(t, tmp_path):
    gcc = plugin("gcc")
    reason = gcc.exists(t)
    if reason is not None:
        pytest.skip(reason)
    tc = gcc.generate(t)
    assert tc.active_cc == "gcc" and tc.version[0] >= 4 and tc.libc == "glibc"
    _compile_check(tc, tmp_path)


@pytest.mark.parametrize("t", TARGETS, ids=IDS)
def test_clang(t, tmp_path):
    clang = plugin("clang")
    reason = clang.exists(t)
    if reason is not None:
        pytest.skip(reason)
    tc = clang.generate(t)
    assert tc.active_cc == "clang" and tc.cc[1] == f"--target={fact('clang', t, 'target')}"
    _compile_check(tc, tmp_path)


def test_auto_prefers_gcc_then_clang_then_zig():
    """The first of gcc, clang, zig whose programs link and run; else the first that compiles."""
    for t in TARGETS:
        tc = find_toolchain(t, "auto", _clean_env())  # zig compiles for every arch: never an error
        working = [n for n in ("gcc", "clang", "zig") if plugin(n).exists(t) is None]
        programs = [n for n in working if not plugin(n).generate(t).program_problem]
        assert tc.name == (programs or working)[0], t.name
        assert bool(tc.program_problem) == (not programs), t.name


def test_missing_gcc_is_a_user_error():
    t = next((t for t in TARGETS if plugin("gcc").exists(t) is not None), None)
    if t is None:
        pytest.skip("every gcc cross compiler is installed")
    with pytest.raises(UserError) as ei:
        find_toolchain(t, "gcc", _clean_env())
    text = ei.value.render()
    assert f"gcc cannot build for {t.name}" in text and "not found" in text
    assert "Things to try" in text and "apt-get install gcc-" in text and "--toolchain zig" in text
    assert f"rumpbuild doctor --arch {t.machine_arch}" in text


# ---------------------------------------------------------------- CC / AR overrides

def test_cc_ar_override(tmp_path):
    zig = plugin("zig")
    t = resolve("evbarm")
    cmd = zig.command(t)
    env = _clean_env()
    env["CC"] = " ".join(f"'{w}'" if " " in w else w for w in cmd)
    env["AR"] = "llvm-ar --format=gnu"
    tc = find_toolchain(t, "gcc", env)   # CC wins over the requested name
    assert tc.name == "custom" and tc.cc == tuple(cmd)
    assert tc.ar == ("llvm-ar", "--format=gnu")
    assert tc.active_cc == "clang" and tc.version[0] >= 14
    _compile_check(tc, tmp_path)


def test_ar_override_alone():
    env = _clean_env()
    env["AR"] = "my-ar -v"
    tc = find_toolchain(resolve("evbarm"), "zig", env)
    assert tc.name == "zig" and tc.ar == ("my-ar", "-v")


def test_cc_override_detects_gcc_with_a_mock(tmp_path):
    """A Python script posing as gcc (SCons-style mock): compiles via zig, predefines gcc macros."""
    t = resolve("evbarm")
    zig_cc = plugin("zig").command(t)
    mock = tmp_path / "mockcc"
    mock.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env python3
        import subprocess, sys
        args = sys.argv[1:]
        if "-dM" in args:
            print("#define __GNUC__ 11\\n#define __GNUC_MINOR__ 3\\n#define __GNUC_PATCHLEVEL__ 0\\n#define __linux__ 1")
            sys.exit(0)
        sys.exit(subprocess.call({list(zig_cc)!r} + args))
        """))
    mock.chmod(mock.stat().st_mode | stat.S_IEXEC)
    env = _clean_env()
    env["CC"] = str(mock)
    tc = find_toolchain(t, "auto", env)
    assert (tc.name, tc.active_cc, tc.version) == ("custom", "gcc", (11, 3, 0))
    assert tc.undef_flags() == ["-U__linux__"]
    assert "-Wno-cast-function-type" in tc.extra_cflags()


def test_broken_cc_is_a_user_error():
    env = _clean_env()
    env["CC"] = "/nonexistent/cc -O2"
    with pytest.raises(UserError) as ei:
        find_toolchain(resolve("evbarm"), "auto", env)
    text = ei.value.render()
    assert "CC=/nonexistent/cc -O2" in text and "evbarm/earmv7hf" in text and "not found" in text
    assert "Things to try" in text


def test_wrong_arch_cc_is_caught_by_the_elf_check():
    t = resolve("evbarm")
    env = _clean_env()
    env["CC"] = " ".join(plugin("zig").command(resolve("riscv64")))   # makes RISC-V objects
    with pytest.raises(UserError) as ei:
        find_toolchain(t, "auto", env)
    assert "EM_RISCV ELF64" in ei.value.message and "EM_ARM ELF32" in ei.value.message


def test_unknown_toolchain_name_suggests():
    with pytest.raises(UnknownNameError) as ei:
        find_toolchain(resolve("evbarm"), "zgi", _clean_env())
    assert "did you mean 'zig'" in ei.value.message
    with pytest.raises(UnknownNameError):
        plugin("tcc")


# ---------------------------------------------------------------- undef flags, run prefix

def test_undef_flags_linux_compiler():
    tc = find_toolchain(resolve("evbarm"), "zig", _clean_env())
    flags = tc.undef_flags()
    assert "-Ulinux" in flags and "-U__linux__" in flags and "-U__gnu_linux__" in flags
    assert all(f[2:] in HOST_OS_MACROS + ("_FORTIFY_SOURCE",) for f in flags)
    big = find_toolchain(resolve("powerpc"), "zig", _clean_env())
    assert "-U_BIG_ENDIAN" in big.undef_flags()   # powerpc compilers predefine it


def test_undef_flags_fortify():
    base = find_toolchain(resolve("evbarm"), "zig", _clean_env())
    import dataclasses
    tc = dataclasses.replace(base, predefined={"__linux__": "1", "_FORTIFY_SOURCE": "2", "sun": "1"})
    assert tc.undef_flags() == ["-U__linux__", "-Usun", "-U_FORTIFY_SOURCE"]


def test_run_prefix():
    t = resolve("evbarm")
    tc = find_toolchain(t, "zig", _clean_env())
    if host_elf() == target_elf(t):
        pytest.skip("host is ARM")
    pre = tc.run_prefix()
    assert Path(pre[0]).name == "qemu-arm" and pre[1:] == ["-L", "/usr/arm-linux-gnueabihf"]
    assert len(tc.run_prefix(static=True)) == 1


# ---------------------------------------------------------------- warnings table

def _fake(active_cc: str, version: tuple[int, ...]) -> Toolchain:
    return Toolchain("custom", resolve("evbarm"), ("cc",), ("ar",), active_cc, version, "glibc", False)


def test_shipped_table_loads_and_has_the_basics():
    rules = load_warning_rules()
    assert rules and all(r.compiler in ("gcc", "clang") for r in rules)
    gcc12 = _fake("gcc", (12, 2, 0)).extra_cflags()
    for f in ("-Wno-cast-function-type", "-Wno-address-of-packed-member", "-Wno-zero-length-bounds",
              "-Wno-dangling-pointer"):
        assert f in gcc12
    clang22 = _fake("clang", (22, 1, 8)).extra_cflags()
    for f in ("-Wno-unknown-warning-option", "-Wno-error=int-conversion",
              "-Wno-error=incompatible-function-pointer-types", "-Wno-error=implicit-function-declaration"):
        assert f in clang22
    assert "-Wno-cast-function-type" not in _fake("gcc", (7, 5, 0)).extra_cflags()
    assert "-Wno-error=int-conversion" not in _fake("clang", (14, 0, 6)).extra_cflags()
    assert not set(_fake("gcc", (12,)).extra_cflags()) & set(clang22) - {"-Wno-address-of-packed-member",
                                                                          "-Wno-cast-function-type",
                                                                          "-Wno-array-parameter", "-fcommon"}
    # the pre-gcc-10 / pre-clang-11 semantics of tentative definitions
    assert "-fcommon" in _fake("gcc", (12,)).extra_cflags() and "-fcommon" not in _fake("gcc", (9,)).extra_cflags()


def test_drop_flags_by_compiler():
    flags = ["-O2", "-Wno-traditional", "-Wall", "-fno-tree-vrp", "-Wextra"]
    assert _fake("clang", (14,)).drop_flags(flags) == ["-O2", "-Wall", "-Wextra"]
    assert _fake("gcc", (12,)).drop_flags(flags) == flags


def test_per_file_rule():  # libkern.h builtin macros vs clang
    tc = _fake("clang", (22,))
    assert "-D_STANDALONE" in tc.extra_cflags("common/lib/libc/string/strlen.c")
    assert "-D_STANDALONE" in tc.extra_cflags("memcpy.c")
    assert "-D_STANDALONE" not in tc.extra_cflags("bcopy.c")
    assert "-D_STANDALONE" not in tc.extra_cflags()
    assert "-D_STANDALONE" not in _fake("gcc", (12,)).extra_cflags("strlen.c")


def test_rules_by_version_with_a_fake_table(tmp_path):
    p = tmp_path / "w.toml"
    p.write_text(textwrap.dedent("""\
        [[rule]]
        compiler = "gcc"
        min_version = 8
        add = ["-Wno-a"]
        [[rule]]
        compiler = "gcc"
        min_version = 10
        max_version = 11
        add = ["-Wno-b"]
        drop = ["--param ssp-buffer-size=*", "-Wno-x*"]
        [[rule]]
        compiler = "clang"
        min_version = 15
        add = ["-Wno-c"]
        """))
    rules = load_warning_rules(p)

    def adds(cc, v):
        return [f for r in rules_for(cc, v, rules) for f in r.add]

    assert adds("gcc", (7, 5)) == []
    assert adds("gcc", (8, 1)) == ["-Wno-a"]
    assert adds("gcc", (10, 2)) == adds("gcc", (11,)) == ["-Wno-a", "-Wno-b"]
    assert adds("gcc", (12,)) == ["-Wno-a"]
    assert adds("clang", (14,)) == [] and adds("clang", (16,)) == ["-Wno-c"]
    drops = [d for r in rules_for("gcc", (10,), rules) for d in r.drop]
    assert drop_matching(["-O2", "--param", "ssp-buffer-size=1", "-Wno-xyz", "--param", "other=2"], drops) == \
        ["-O2", "--param", "other=2"]


@pytest.mark.parametrize("body,words", [
    ('[[rule]]\ncompiler = "tcc"\nmin_version = 1\n', "compiler must be"),
    ('[[rule]]\ncompiler = "gcc"\n', "missing required key 'min_version'"),
    ('[[rule]]\ncompiler = "gcc"\nmin_version = 1\nadds = ["-x"]\n', "did you mean 'add'"),
    ('[[rule]]\ncompiler = "gcc"\nmin_version = "8"\n', "'min_version' must be a int"),
    ('rules = 1\n', "unknown top-level key"),
])
def test_broken_warnings_table(tmp_path, body, words):
    p = tmp_path / "w.toml"
    p.write_text(body)
    with pytest.raises(UserError) as ei:
        load_warning_rules(p)
    assert words in ei.value.render()


def test_warning_rule_is_data():
    r = WarningRule("gcc", 8, None, ("-Wno-a",), (), "why")
    assert r.files == ()


# ---------------------------------------------------------------- the toolchains' own tables

def _tables(tmp_path, monkeypatch, edit=None) -> Path:
    """Copies of the shipped gcc/clang/zig tables, used instead of them; ``edit(name, text)`` changes one."""
    import rumpbuild.toolchain.data as tcdata

    d = tmp_path / "tables"
    d.mkdir()
    for name in ("gcc", "clang", "zig"):
        text = tcdata.data_file(name).read_text()
        (d / f"{name}.toml").write_text(edit(name, text) if edit else text)
    monkeypatch.setattr(tcdata, "DATA_DIR", d.resolve())
    return d


@pytest.mark.parametrize("name, old, new, key, words", [
    ("zig", 'libc_target = "riscv64-linux-musl"', 'libc_target = "aarch64-linux-musl"',
     "riscv64.libc_target", "differs from target's 'riscv64'"),
    ("zig", 'libc_target = "riscv64-linux-musl"', 'libc_target = "riscv64-linux-gnu"',
     "riscv64.libc_target", "ARCH-linux-ABI"),
    ("zig", 'target = "sparc64-linux-gnu"\n', 'targte = "sparc64-linux-gnu"\n', "sparc64.targte",
     "did you mean 'sparc64.target'"),
    ("gcc", 'triple = "mips-linux-gnu"', 'triple = ["mips-linux-gnu"]', "mipseb.triple", "must be a str"),
    ("gcc", 'triple = "mips-linux-gnu"', 'flags = []', "mipseb.triple", "missing required key"),
    ("clang", 'flags = ["-mfpu=vfpv2"]', 'flags = ["-mfpu=vfpv2"]\ncrashes = true', "earmv6hf.crashes",
     "must be a str"),
    ("clang", "[x86_64]\n", "x86_64 = 1\n[x86_64_]\n", "x86_64", "must be a table"),
])
def test_broken_toolchain_table(tmp_path, monkeypatch, name, old, new, key, words):
    from rumpbuild.arch import ArchDataError
    from rumpbuild.toolchain.data import table

    def edit(n, text):
        if n != name:
            return text
        assert old in text
        return text.replace(old, new, 1)

    _tables(tmp_path, monkeypatch, edit)
    with pytest.raises(ArchDataError) as ei:
        table(name)
    msg = ei.value.render()
    assert f"{name}.toml: key '{key}'" in msg and words in msg, msg


def test_auto_skips_known_breakage(tmp_path, monkeypatch):
    """An arch only zig targets, where zig cannot link: auto still builds (libraries), and says why no programs."""
    import re as _re

    def edit(n, text):
        if n == "zig":
            return text.replace('libc_target = "x86_64-linux-musl"',
                                'libc_target = "x86_64-linux-musl"\ncannot_link = "broken for this test"')
        return _re.sub(r"\[x86_64\]\n[^\[]*", "", text)   # gcc, clang: no entry for x86_64

    _tables(tmp_path, monkeypatch, edit)
    t = resolve("amd64")
    tc = find_toolchain(t, "auto", _clean_env())
    assert tc.name == "zig" and tc.link_problem == "broken for this test" and not tc.static_ok
    from rumpbuild.toolchain import alternatives
    assert alternatives(t, programs=True) == []          # nothing here links for it
    assert alternatives(t) == ["--toolchain zig"]        # but zig builds the libraries


def test_crash_entry_is_a_program_problem(tmp_path, monkeypatch):
    _tables(tmp_path, monkeypatch, lambda n, text: text.replace(
        'libc_target = "arm-linux-musleabihf"    # static', 'crashes = "dies for this test"\nlibc_target = '
        '"arm-linux-musleabihf"    # static') if n == "zig" else text)
    tc = find_toolchain(resolve("evbarm"), "zig", _clean_env())
    assert tc.run_problem == "dies for this test" and tc.program_problem == "dies for this test"
    assert not tc.link_problem


def test_shipped_known_breakage():
    """zig 0.17 cannot link armv5 (earm, earmeb) or sparc64 programs; its powerpc64 programs crash."""
    for arch in ("earm", "earmeb", "sparc64"):
        assert plugin("zig").generate(resolve(arch)).link_problem, arch
    assert plugin("zig").generate(resolve("powerpc64")).run_problem
    assert not plugin("zig").generate(resolve("evbarm")).program_problem


def _mock_cc(tmp_path, links: bool) -> Path:
    """A compiler that compiles with zig for evbarm and links only when ``links``."""
    zig_cc = plugin("zig").command(resolve("evbarm"))
    mock = tmp_path / ("cc-links" if links else "cc-nolink")
    mock.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env python3
        import subprocess, sys
        args = sys.argv[1:]
        if not {links!r} and not {{"-c", "-E", "-dumpmachine"}} & set(args):
            print("ld: cannot find -lc", file=sys.stderr)
            sys.exit(1)
        sys.exit(subprocess.call({list(zig_cc)!r} + args))
        """))
    mock.chmod(mock.stat().st_mode | stat.S_IEXEC)
    return mock


def test_link_is_proved(tmp_path):
    from rumpbuild.toolchain import prove_link

    env = _clean_env()
    env["CC"] = str(_mock_cc(tmp_path, links=False))
    tc = find_toolchain(resolve("evbarm"), "auto", env)
    assert tc.name == "custom" and "cannot find -lc" in tc.link_problem
    links, why = prove_link(tc)
    assert links is False and "cannot find -lc" in why
    assert prove_link(find_toolchain(resolve("evbarm"), "zig", _clean_env())) == (True, "")


def test_link_timeout_is_unknown_and_not_cached(tmp_path, monkeypatch):
    import rumpbuild.toolchain as tcmod
    from rumpbuild.toolchain import prove_link

    zig_cc = plugin("zig").command(resolve("evbarm"))
    slow = tmp_path / "slowcc"
    slow.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env python3
        import subprocess, sys, time
        args = sys.argv[1:]
        if not {{"-c", "-E", "-dumpmachine"}} & set(args):
            time.sleep(5)
        sys.exit(subprocess.call({list(zig_cc)!r} + args))
        """))
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tcmod, "LINK_TIMEOUT", 1)
    env = _clean_env()
    env["CC"] = str(slow)
    tc = find_toolchain(resolve("evbarm"), "auto", env)
    assert not tc.link_problem                 # a timeout is no proof that it cannot link
    links, why = prove_link(tc)
    assert links is None and "took more than 1 s" in why
    cache = tmp_path / "cache" / "toolchains.json"
    stored = json.loads(cache.read_text())["probes"].values() if cache.exists() else []
    assert not any(v.get("link_unknown") for v in stored)


def test_doctor_marks_what_does_not_link(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CC", str(_mock_cc(tmp_path, links=False)))
    status, out, err = run_cli("doctor", "--json", "--arch", "evbarm")
    rows = {r["toolchain"]: r for r in json.loads(out)["arches"][0]["toolchains"]}
    assert rows["custom"]["works"] and rows["custom"]["links"] is False and not rows["custom"]["programs"]
    assert "cannot find -lc" in rows["custom"]["link_error"]
    assert rows["zig"]["links"] is True and rows["zig"]["programs"]   # zig links earmv7hf (static musl)


# ---------------------------------------------------------------- disk cache + doctor

def test_probe_cache_on_disk(tmp_path, monkeypatch):
    import rumpbuild.toolchain as tcmod
    monkeypatch.setenv("RUMPBUILD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tcmod, "_mem", {})
    t = resolve("evbarm64")
    assert plugin("zig").exists(t) is None
    data = json.loads((tmp_path / "toolchains.json").read_text())
    assert any(v["argv"][:2] == [plugin("zig").zig_path(), "cc"] and v["ok"] for v in data["probes"].values())
    # a second process would read the disk: simulate with an empty memory cache and no compiler runs
    monkeypatch.setattr(tcmod, "_mem", {})
    monkeypatch.setattr(tcmod, "_run_probe", lambda *a: pytest.fail("re-probed despite the disk cache"))
    assert plugin("zig").exists(t) is None


def test_doctor_json(run_cli):
    status, out, err = run_cli("doctor", "--json", "--arch", "evbarm", "--arch", "riscv64")
    assert status in (0, 1)
    report = json.loads(out)
    assert report["format"] == 1
    assert [a["arch"] for a in report["arches"]] == ["evbarm/earmv7hf", "riscv/riscv64"]
    for a in report["arches"]:
        rows = {r["toolchain"]: r for r in a["toolchains"]}
        assert rows["zig"]["works"] and rows["zig"]["libc"] == "musl" and rows["zig"]["static_ok"]
        assert rows["zig"]["links"] is True and rows["zig"]["programs"]   # proved: a static program linked
        assert a["auto"] in rows and rows[a["auto"]]["works"]
        assert set(a) >= {"qemu", "qemu_present", "qemu_sysroot", "qemu_sysroot_present"}
        for r in rows.values():
            assert r["works"] or r["reason"]
    assert {t["name"] for t in report["tools"]} >= {"scons", "bmake", "objcopy", "nm", "makefs", "mkfs.vfat",
                                                   "mke2fs", "mcopy", "cpio"}


def test_doctor_finds_scons_as_the_module_builds_run(run_cli, monkeypatch, tmp_path):
    """rumpbuild runs `python -m SCons`, so a venv used without activating it (no scons on PATH) has it."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no programs at all
    status, out, err = run_cli("doctor", "--json", "--arch", "amd64")
    tools = {t["name"]: t for t in json.loads(out)["tools"]}
    import SCons

    assert tools["scons"]["present"] and tools["scons"]["path"] == SCons.__spec__.origin
    assert not tools["bmake"]["present"]  # programs are still looked for on PATH
    assert "scons" not in err


def test_doctor_text_all_arches(run_cli):
    status, out, err = run_cli("doctor")
    assert status in (0, 1)
    for t in TARGETS:
        assert t.name in out
    assert "toolchains" in out and "tools" in out


def test_doctor_unknown_arch(run_cli):
    status, out, err = run_cli("doctor", "--arch", "evbarn")
    assert status == 1 and "did you mean" in err


def test_zig_kernel_includes_stay_ahead_of_its_libc():
    from rumpbuild.toolchain.zig import fixup_flags as kernel_include_fixup

    flags = ["-O2", "-I/a", "-nostdinc", "-isystem", "/sys/arch", "-I.", "-isystem", "/sys", "-DX"]
    assert kernel_include_fixup(flags) == ["-O2", "-I/a", "-nostdinc", "-I.", "-DX", "-I/sys/arch", "-I/sys"]
    assert kernel_include_fixup(["-isystem", "/x"]) == ["-isystem", "/x"]  # user code: untouched


def test_doctor_says_where_zig_compiles_but_cannot_link(run_cli):
    t = next((t for t in TARGETS if fact("zig", t, "cannot_link")), None)
    if t is None:
        pytest.skip("zig links for every arch in the arch data")
    status, out, err = run_cli("doctor", "--json", "--arch", t.name)
    zig = next(r for r in json.loads(out)["arches"][0]["toolchains"] if r["toolchain"] == "zig")
    assert zig["works"] and zig["link_problem"] == fact("zig", t, "cannot_link")


# ---------------------------------------------------------------- reproducible across output folders

@pytest.mark.parametrize("name", ["zig", "gcc"])
def test_same_bytes_from_two_output_folders(name, run_cli, example_tree, tmp_path, monkeypatch):
    """zig always writes debug info, which named the output folder; the path map makes it relative."""
    t = resolve("amd64")
    if plugin(name).exists(t) is not None:
        pytest.skip(plugin(name).exists(t))
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.delenv("AR", raising=False)
    monkeypatch.chdir(tmp_path)
    libs = []
    for out in ("first", "second/deeper"):
        status, _, err = run_cli("component", "msdos", "--src", example_tree, "--arch", "amd64",
                                 "--toolchain", name, "-j", "2", "--out", tmp_path / out)
        assert status == 0, err
        libs.append(tmp_path / out / "librumpfs_msdos.a")
    a, b = (p.read_bytes() for p in libs)
    assert a == b
    assert str(tmp_path).encode() not in a


def test_smoke_test_with_a_known_crash_runs_and_names_another_toolchain(run_cli, example_tree, tmp_path,
                                                                         monkeypatch):
    """`crashes` is advice: auto avoids the toolchain, an explicit choice still runs, told what to try."""
    if shutil.which("mkfs.vfat") is None or shutil.which("mcopy") is None:
        pytest.skip("needs mkfs.vfat and mcopy")
    _tables(tmp_path, monkeypatch, lambda n, text: text.replace(
        'libc_target = "x86_64-linux-musl"', 'libc_target = "x86_64-linux-musl"\ncrashes = "says this test"')
        if n == "zig" else text)
    monkeypatch.delenv("CC", raising=False)
    status, out, err = run_cli("test", "msdos", "--src", example_tree, "--arch", "amd64", "--toolchain", "zig",
                               "-j", "2", "--out", tmp_path / "out")
    assert status == 0 and "PASSED" in out
    assert "zig's table records for x86_64: says this test" in err
    if plugin("gcc").exists(resolve("amd64")) is None:
        assert "try --toolchain gcc" in err
