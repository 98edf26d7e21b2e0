"""Symbol renaming into the rump namespace (rumpbuild.elf), checked against objcopy.

For every MACHINE_ARCH in rumpbuild/arch/*.toml the fixture
tests/fixtures/elf/rename_fixture.c is compiled by up to three producers:
`zig cc -target <zig_target>`, the clang inside zig (`zig clang
--target=<clang_target>`, a plain LLVM object) and `<gcc_triple>-gcc` when
installed.  rumpbuild's output is compared with `objcopy --redefine-syms`
using the same table.  Missing tools skip with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from rumpbuild.arch import all_targets, resolve
from rumpbuild.elf.reader import open_elf
from rumpbuild.elf.rename import rename_object, rename_symbols, rename_table, table_for_names
from rumpbuild.errors import ELFFormatError, UserError
from rumpbuild.toolchain.data import fact

pytestmark = pytest.mark.live  # runs real compilers (see pyproject's markers)

FIXTURE = Path(__file__).parent / "fixtures" / "elf" / "rename_fixture.c"
TARGETS = all_targets()
PRODUCERS = ("zig-cc", "zig-clang", "gcc")
CFLAGS = ["-fcommon", "-O1"]
OBJCOPY = shutil.which("objcopy")
NM = shutil.which("nm")


def _have_zig() -> bool:
    try:
        import ziglang  # noqa: F401
    except ImportError:
        return False
    return True


def compile_command(target, producer: str, src: Path, out: Path, debug: bool = True) -> list[str] | None:
    """The command that compiles ``src`` for ``target`` with ``producer``, or None if absent."""
    if producer == "zig-cc":
        if not _have_zig():
            return None
        return [sys.executable, "-m", "ziglang", "cc", "-target", fact("zig", target, "target"),
                *fact("zig", target, "flags"), *CFLAGS, "-g" if debug else "-g0", "-c", str(src), "-o", str(out)]
    if producer == "zig-clang":
        if not _have_zig():
            return None
        return [sys.executable, "-m", "ziglang", "clang", f"--target={fact('clang', target, 'target')}",
                *fact("clang", target, "flags"), *CFLAGS, "-g" if debug else "-g0", "-c", str(src), "-o", str(out)]
    gcc = shutil.which(f"{fact('gcc', target, 'triple')}-gcc")
    if gcc is None:
        return None
    return [gcc, *fact("gcc", target, "flags"), *CFLAGS, "-g" if debug else "-g0", "-c", str(src), "-o", str(out)]


@pytest.fixture(scope="session")
def objdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("objs")


_compiled: dict[tuple[str, str, bool], Path | str] = {}


def compiled(objdir: Path, target, producer: str, src: Path = FIXTURE, debug: bool = True) -> Path:
    """The fixture object for (target, producer); skips the test with the reason if it cannot be built."""
    key = (target.name, producer, debug)
    if key not in _compiled:
        out = objdir / f"{target.machine_arch}-{producer}{'' if debug else '-g0'}.o"
        cmd = compile_command(target, producer, src, out, debug)
        if cmd is None:
            _compiled[key] = f"{producer} for {target.name} is not installed"
        else:
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                first = (p.stderr.strip().splitlines() or ["(no output)"])[0]
                _compiled[key] = f"{producer} cannot compile for {target.name}: {first}"
            else:
                _compiled[key] = out
    res = _compiled[key]
    if isinstance(res, str):
        pytest.skip(res)
    return res


@pytest.fixture(scope="session")
def native_obj(objdir) -> Path:
    """An x86_64 fixture object for the tests that need just one object."""
    t = resolve("amd64")
    for producer in PRODUCERS:
        cmd = compile_command(t, producer, FIXTURE, objdir / "unused.o")
        if cmd is not None:
            try:
                return compiled(objdir, t, producer)
            except pytest.skip.Exception:
                continue
    pytest.skip("no compiler for amd64 (install ziglang or gcc)")


# -- helpers to compare two objects ---------------------------------------------------


def _secname(elf: ELFFile, shndx) -> str:
    if isinstance(shndx, str):
        return shndx  # SHN_UNDEF, SHN_ABS, SHN_COMMON, ...
    return elf.get_section(shndx).name


def dump(path: Path) -> dict:
    """What must agree between two renamed objects, independent of section numbering."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        symtab = next(s for s in elf.iter_sections() if isinstance(s, SymbolTableSection)
                      and s["sh_type"] == "SHT_SYMTAB")
        syms = [(s.name, s["st_value"], s["st_size"], s.entry["st_info"]["bind"],
                 s.entry["st_info"]["type"], s["st_other"]["visibility"],
                 s.entry["st_other"].get("local", 0), _secname(elf, s["st_shndx"]))
                for s in symtab.iter_symbols()]
        relocs, sections = {}, {}
        for sec in elf.iter_sections():
            if isinstance(sec, RelocationSection):
                applies_to = elf.get_section(sec["sh_info"]).name
                relocs[applies_to] = [
                    (r["r_offset"], r["r_info_type"], symtab.get_symbol(r["r_info_sym"]).name,
                     r.entry.get("r_addend")) for r in sec.iter_relocations()]
            elif sec.name not in (".strtab", ".shstrtab") and sec["sh_type"] not in ("SHT_NOBITS", "SHT_SYMTAB"):
                sections[sec.name] = sec.data()
            elif sec["sh_type"] == "SHT_NOBITS":
                sections[sec.name] = ("NOBITS", sec["sh_size"])
        return {"symbols": syms, "relocations": relocs, "sections": sections}


def nm_go(path: Path) -> list[str]:
    out = subprocess.run([NM, "-go", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split(":", 1)[1] for line in out.splitlines()]


def _nameless(nm_line: str) -> bool:
    """`nm -go` line of a symbol without a name: only the type letter remains."""
    return len(nm_line.split()) < 2 and nm_line.strip() in ("U", "w", "v")


def objcopy_rename(src: Path, dst: Path, table: dict[str, str]) -> str | None:
    """Run objcopy --redefine-syms; returns its complaint if it cannot process ``src``."""
    tab = dst.with_suffix(".renametab")
    tab.write_text("".join(f"{old} {new}\n" for old, new in sorted(table.items())))
    p = subprocess.run([OBJCOPY, "--redefine-syms", str(tab), str(src), str(dst)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return " ".join(p.stderr.replace(str(src), src.name).split())
    return None


def changed_ranges(obj_path: Path) -> list[tuple[int, int]]:
    """Byte ranges a rename may change: st_name fields and the strtab's sh_offset/sh_size."""
    obj = open_elf(obj_path)
    st = obj.symtab
    ranges = [(s.entry_offset, s.entry_offset + 4) for s in obj.symbols()]
    hdr = obj.sections[st.link].header_offset
    ranges.append((hdr + 24, hdr + 40) if obj.elf_class == 64 else (hdr + 16, hdr + 24))
    return ranges


# -- every arch, every producer: rumpbuild == objcopy --------------------------------


@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("target", TARGETS, ids=[t.machine_arch for t in TARGETS])
def test_rename_matches_objcopy(target, producer, objdir, tmp_path):
    obj = compiled(objdir, target, producer)
    if OBJCOPY is None or NM is None:
        pytest.skip("binutils objcopy/nm not installed (apt-get install binutils-multiarch)")
    table = rename_table(obj, target)
    # nm prints nameless symbols (sparc's STT_REGISTER `#scratch` registers) as just
    # "U": the awk would map "U" to "rumpns_U", which objcopy never finds; skip them
    globals_ = [n.split()[-1] for n in nm_go(obj) if not _nameless(n)]
    # the fixture's names: renamed, exempt, quirk
    for name in ("fx_data", "fx_bss", "fx_common_var", "fx_undef_func", "fx_weak_func",
                 "fx_weak_ref", "fx_weak_var", "fx_text", "fx_rodata"):
        assert table[name] == "rumpns_" + name
    for name in ("rump_fixture_exempt", "RUMP_FIXTURE_EXEMPT", "__fixture_exempt",
                 "rumpuser_fixture_undef", "__start_link_set_modules"):
        assert name not in table
    assert "fx_static_func" not in table and "fx_modinfo" not in table
    # the same table the Makefile.rump awk script builds from `nm -go` output
    awk = re.compile(f"^{target.pq}(rump|RUMP|__|_GLOBAL_OFFSET_TABLE"
                     f"{'|' + target.symquirk if target.symquirk else ''})")
    assert table == {n: re.sub(f"^{target.pq}", lambda m: m.group(0) + "rumpns_", n, count=1)
                     for n in globals_ if not awk.match(n)}

    ours, theirs = tmp_path / "ours.o", tmp_path / "objcopy.o"
    complaint = objcopy_rename(obj, theirs, table)
    if complaint:
        # binutils 2.40 rejects some new debug relocations (riscv64 R_RISCV_SET_ULEB128
        # from clang -g); compare the same object without debug info instead
        obj = compiled(objdir, target, producer, debug=False)
        table = rename_table(obj, target)
        complaint = objcopy_rename(obj, theirs, table)
        if complaint:
            pytest.skip(f"objcopy cannot process {obj.name}: {complaint}")
    count = rename_symbols(obj, ours, table)
    assert count >= len(table)
    # the build's one-pass rename patches the object in place: the same bytes
    in_place = tmp_path / "in_place.o"
    shutil.copy(obj, in_place)
    assert rename_object(in_place, target) == count
    assert in_place.read_bytes() == ours.read_bytes()

    a, b = dump(ours), dump(theirs)
    assert a["symbols"] == b["symbols"]
    assert a["relocations"] == b["relocations"]
    common = set(a["sections"]) & set(b["sections"])
    for name in sorted(common):
        assert a["sections"][name] == b["sections"][name], f"section {name} differs"
    # objcopy may add .shstrtab or drop empty sections; ours must keep every original section
    assert set(a["sections"]) == set(dump(obj)["sections"])
    assert nm_go(ours) == nm_go(theirs)
    for line in nm_go(ours):  # after the rename, only exempt names are left
        if _nameless(line):
            continue
        name = re.sub("^" + target.pq, "", line.split()[-1]) if target.pq else line.split()[-1]
        assert (name.startswith(("rump", "RUMP", "__", "_GLOBAL_OFFSET_TABLE"))
                or (target.symquirk and re.match(target.symquirk, name))), line

    # every byte outside st_name fields and the strtab header is as it was
    before, after = obj.read_bytes(), ours.read_bytes()
    mask_a, mask_b = bytearray(before), bytearray(after[:len(before)])
    for lo, hi in changed_ranges(obj):
        mask_a[lo:hi] = mask_b[lo:hi] = b"\0" * (hi - lo)
    assert mask_a == mask_b


@pytest.mark.parametrize("target", TARGETS, ids=[t.machine_arch for t in TARGETS])
def test_zig_target_compiles(target, objdir):
    """Each TOML zig_target (with zig_flags) compiles C and yields the ELF the TOML promises."""
    if not _have_zig():
        pytest.skip("ziglang not installed")
    src = objdir / "plain.c"
    src.write_text("int g = 1; extern int u; int f(void) { return g + u; }\n")
    out = objdir / f"plain-{target.machine_arch}.o"
    cmd = [sys.executable, "-m", "ziglang", "cc", "-target", fact("zig", target, "target"), *fact("zig", target, "flags"),
           "-c", str(src), "-o", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    open_elf(out).check_target(target)


# -- the table itself --------------------------------------------------------------


def test_norename_regex(native_obj):
    t = resolve("amd64")
    table = rename_table(native_obj, t, norename_regex="fx_(data|bss)$|fx_weak")
    assert "fx_data" not in table and "fx_bss" not in table
    assert not any(k.startswith("fx_weak") for k in table)
    assert table["fx_dataptr"] == "rumpns_fx_dataptr"  # "$" anchors: fx_dataptr is still renamed
    assert table["fx_text"] == "rumpns_fx_text"


def test_bad_norename_regex(native_obj):
    with pytest.raises(UserError, match="RUMP_SYM_NORENAME"):
        rename_table(native_obj, resolve("amd64"), norename_regex="fx_(")


def test_idempotent(native_obj, tmp_path):
    t = resolve("amd64")
    once = tmp_path / "once.o"
    shutil.copy(native_obj, once)
    assert rename_symbols(once, once, rename_table(once, t)) > 0
    first = once.read_bytes()
    stat = once.stat()
    second_table = rename_table(once, t)
    assert second_table == {}
    assert rename_symbols(once, once, second_table) == 0
    assert once.read_bytes() == first
    assert once.stat().st_mtime_ns == stat.st_mtime_ns
    # a table that maps names onto themselves changes nothing either
    assert rename_symbols(once, once, {"rumpns_fx_data": "rumpns_fx_data"}) == 0


def test_rename_object_equals_table_then_rename(native_obj, tmp_path):
    # the build's one-pass rename gives the same bytes as the two-step API the objcopy tests check
    t = resolve("amd64")
    two, one = tmp_path / "two.o", tmp_path / "one.o"
    shutil.copy(native_obj, two)
    shutil.copy(native_obj, one)
    n = rename_symbols(two, two, rename_table(two, t, "fx_weak"))
    assert rename_object(one, t, "fx_weak") == n > 0
    assert one.read_bytes() == two.read_bytes()
    assert rename_object(one, t, "fx_weak") == 0  # nothing left to rename


def test_in_place_keeps_mode_and_dates(native_obj, tmp_path):
    obj = tmp_path / "x.o"
    shutil.copy(native_obj, obj)
    os.chmod(obj, 0o640)
    os.utime(obj, (1_000_000_000, 1_000_000_000))
    rename_symbols(obj, obj, rename_table(obj, resolve("amd64")))
    assert obj.stat().st_mode & 0o777 == 0o640
    assert obj.stat().st_mtime == 1_000_000_000
    assert [p.name for p in tmp_path.iterdir()] == ["x.o"]  # no temporary file left


def test_powerpc64_prefix_quirk():
    """_PQ="\\.?" on powerpc64: '.foo' -> '.rumpns_foo'; the exemptions apply after the dot."""
    ppc64 = resolve("powerpc64")
    names = [".foo", "foo", ".rump_x", "rumpuser_y", ".__z", "__w", "PF_funcs", ".PF_funcs_x",
             "_GLOBAL_OFFSET_TABLE_", ".bar", "foo"]
    assert table_for_names(names, ppc64) == {
        ".foo": ".rumpns_foo", "foo": "rumpns_foo", ".bar": ".rumpns_bar"}
    # ELFv2's TOC base stays unrenamed (rumpbuild's addition to the quirk list)
    assert table_for_names([".TOC.", ".TOC.x"], ppc64) == {}
    # without the quirk (amd64) a leading dot is just part of the name
    assert table_for_names([".foo", "PF_funcs"], resolve("amd64")) == {
        ".foo": "rumpns_.foo", "PF_funcs": "rumpns_PF_funcs"}


def test_mips_gp_disp_quirk(objdir):
    assert table_for_names(["_gp_disp", "_gp_disp_x", "x"], resolve("evbmips")) == {"x": "rumpns_x"}
    assert table_for_names(["_gp_disp"], resolve("amd64")) == {"_gp_disp": "rumpns__gp_disp"}
    obj = compiled(objdir, resolve("mipsel"), "zig-clang")
    assert "_gp_disp" in [s.name for s in open_elf(obj).global_symbols()]
    assert "_gp_disp" not in rename_table(obj, resolve("mipsel"))


def test_nm_global_selection_matches_nm(native_obj):
    names = sorted({s.name for s in open_elf(native_obj).global_symbols()})
    if NM is None:
        pytest.skip("nm not installed")
    assert names == sorted({line.split()[-1] for line in nm_go(native_obj)})


# -- bad input ---------------------------------------------------------------------


def _expect_format_error(path: Path, target=None, match: str = ""):
    with pytest.raises(ELFFormatError) as exc:
        rename_table(path, target or resolve("amd64"))
    assert str(path) in str(exc.value)
    assert match in str(exc.value)
    assert exc.value.hints, "the error should say what to try"
    return exc.value


def test_text_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("this is not an object file\n")
    _expect_format_error(p, match="not an ELF file")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.o"
    p.write_bytes(b"")
    _expect_format_error(p, match="not an ELF file")


@pytest.mark.parametrize("keep", [8, 40, 200, 0.5, -1])
def test_truncated(native_obj, tmp_path, keep):
    data = native_obj.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else (len(data) + keep if keep < 0 else keep)
    p = tmp_path / f"cut{n}.o"
    p.write_bytes(data[:n])
    _expect_format_error(p)


def test_wrong_arch(native_obj):
    err = _expect_format_error(native_obj, resolve("evbarm"), match="EM_ARM")
    assert "EM_X86_64" in str(err)


def test_strtab_offset_out_of_range(native_obj, tmp_path):
    obj = open_elf(native_obj)
    st = obj.symbols()[1]
    data = bytearray(native_obj.read_bytes())
    struct.pack_into("<I", data, st.entry_offset, 0x7FFFFFFF)
    p = tmp_path / "badname.o"
    p.write_bytes(bytes(data))
    _expect_format_error(p, match="outside")


def test_not_relocatable(tmp_path):
    exe = tmp_path / "a.out"
    src = tmp_path / "m.c"
    src.write_text("int main(void) { return 0; }\n")
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no host cc")
    subprocess.run([cc, str(src), "-o", str(exe)], check=True)
    _expect_format_error(exe, match="ET_REL")


def test_missing_file(tmp_path):
    _expect_format_error(tmp_path / "nope.o", match="cannot read")


# -- a big object ------------------------------------------------------------------


@pytest.fixture(scope="session")
def big_obj(objdir) -> Path:
    """~3 MB x86_64 object with ~5000 global symbols."""
    src = objdir / "big.c"
    lines = ["char big_blob[3 << 20] = { 1 };"]
    for i in range(1700):
        lines.append(f"int big_var_{i} = {i};")
        lines.append(f"extern int big_ext_{i}(int);")
        lines.append(f"int big_fn_{i}(int x) {{ return big_ext_{i}(x) + big_var_{i}; }}")
    src.write_text("\n".join(lines) + "\n")
    t = resolve("amd64")
    out = objdir / "big.o"
    cc = shutil.which("gcc")
    cmd = ([cc, "-O0", "-c", str(src), "-o", str(out)] if cc else
           compile_command(t, "zig-cc", src, out))
    if cmd is None:
        pytest.skip("no compiler for the big object")
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_big_object_rename(big_obj, tmp_path):
    """A 3 MB object with ~5000 globals renames completely (its time: benchmarks/bench_rename.py)."""
    t = resolve("amd64")
    size = big_obj.stat().st_size
    table = rename_table(big_obj, t)
    n = rename_symbols(big_obj, tmp_path / "big.o", table)
    assert size > 3_000_000 and len(table) >= 5000 and n >= len(table)
