"""Fuzz the ELF reader, `kmod inspect` and the kmod converter's file handling with damaged objects.

Seeds are objects compiled here with the host's cc (tests/fixtures/elf/rename_fixture.c) and a
kernel module built from the example tree; hypothesis mutates them where it hurts (header and
section header fields, symbol and relocation entries, string tables, truncation, stray bytes).
The bar: every input either works or raises a UserError whose message holds no Python internals
(no "unpack_from", "index out of range", "\\udcff"…).  Zero tracebacks.

Bounded for CI (150 examples per target, about half a minute); hypothesis keeps no database, and
`derandomize` makes a failure reproducible from the test's name.  A longer campaign by hand:
RUMPBUILD_FUZZ_EXAMPLES=3000 RUMPBUILD_FUZZ_RANDOM=1 pytest tests/test_fuzz_elf.py
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rumpbuild.cli import main  # noqa: E402
from rumpbuild.errors import UserError  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "elf" / "rename_fixture.c"
EXAMPLES = int(os.environ.get("RUMPBUILD_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize=not os.environ.get("RUMPBUILD_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
# What a message must not show: Python's words for its own failures, not the user's.
INTERNALS = ("unpack_from", "unpack requires", "index out of range", "object has no attribute",
             "NoneType", "\\udc", "\udcff", "Traceback", "StreamError", "construct.")
INTERESTING = (0, 1, 2, 3, 7, 8, 0x10, 0x40, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF,
               0x80000000, 0xFFFFFFFF, 1 << 32, 1 << 40, (1 << 63) - 1, 1 << 63, (1 << 64) - 1)


def _cc() -> str | None:
    for cc in ("x86_64-linux-gnu-gcc", "cc", "gcc", "clang"):
        path = shutil.which(cc)
        if path:
            return path
    return None


@pytest.fixture(scope="module", autouse=True)
def _hypothesis_home(tmp_path_factory):
    """Hypothesis caches what it learns about the code (even with no database): not in the working folder."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(tmp_path_factory.mktemp("hypothesis")))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    """name -> bytes of a healthy object: the fixture compiled two ways, and the msdos kmod if gcc can build it."""
    cc = _cc()
    if cc is None:
        pytest.skip("needs a host C compiler (cc, gcc or clang)")
    d = tmp_path_factory.mktemp("fuzz-seeds")
    out = {}
    for name, flags in (("fixture-O1.o", ["-O1", "-g0"]), ("fixture-g.o", ["-O0", "-g"]),
                        ("fixture-gz.o", ["-O1", "-g", "-gz=zlib"])):  # compressed debug sections
        obj = d / name
        p = subprocess.run([cc, "-fcommon", "-c", *flags, str(FIXTURE), "-o", str(obj)], capture_output=True, text=True)
        if p.returncode == 0:
            out[name] = obj.read_bytes()
    if shutil.which("x86_64-linux-gnu-gcc"):
        status = main(["kmod", "build", "msdos", "--arch", "amd64", "--toolchain", "gcc", "--out", str(d / "k"), "-q"])
        if status == 0:
            out["msdos.kmod"] = (d / "k" / "kmods" / "msdos.kmod").read_bytes()
    if not out:
        pytest.skip(f"{cc} compiles no x86_64 ELF object here")
    return out


def _fields(data: bytes, structural_only: bool = False) -> list[tuple[int, int]]:
    """(offset, width) of the fields worth damaging: ELF header, section headers, some symbols and relocations.

    *structural_only* leaves out symbol values and sizes and relocation addends: damage there is
    arithmetic (a PC32 that no longer fits), which ld reports and no table check can see.
    """
    from rumpbuild.elf.reader import open_elf

    obj = open_elf("seed.o", data)
    assert obj.elf_class == 64 and obj.little_endian
    fields = [(0x10, 2), (0x12, 2), (0x28, 8), (0x3A, 2), (0x3C, 2), (0x3E, 2), (4, 1), (5, 1)]
    for s in obj.sections:
        h = s.header_offset
        fields += [(h, 4), (h + 4, 4), (h + 8, 8), (h + 24, 8), (h + 32, 8), (h + 40, 4), (h + 44, 4), (h + 56, 8)]
    syms = obj.symbols()
    for s in syms[:: max(1, len(syms) // 16)]:
        e = s.entry_offset
        fields += [(e, 4), (e + 4, 1), (e + 6, 2)] + ([] if structural_only else [(e + 8, 8), (e + 16, 8)])
    for s in obj.sections:
        if s.type == 4 and s.entsize == 24:  # RELA
            for i in range(0, min(s.size // 24, 64), 7):
                e = s.offset + i * 24
                fields += [(e, 8), (e + 8, 4), (e + 12, 4)] + ([] if structural_only else [(e + 16, 8)])
    return fields


@st.composite
def damaged(draw, seeds):
    name = draw(st.sampled_from(sorted(seeds)))
    data = bytearray(seeds[name])
    fields = _fields(bytes(data))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["field", "field", "field", "byte", "truncate", "append", "string"]))
        if how == "field":
            off, width = draw(st.sampled_from(fields))
            value = draw(st.one_of(st.sampled_from(INTERESTING), st.integers(0, (1 << (8 * width)) - 1)))
            data[off:off + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        elif how == "byte" and data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        elif how == "truncate":
            del data[draw(st.integers(0, len(data))):]
        elif how == "append":
            data += draw(st.binary(min_size=1, max_size=64))
        elif how == "string" and data:  # undecodable bytes in names
            at = draw(st.integers(0, len(data) - 1))
            data[at:at + 2] = draw(st.sampled_from([b"\xff\xfe", b"/.", b"\n\x1b", b"\0\0"]))
    return name, bytes(data)


class Hang(Exception):
    """An example ran for longer than any input of these sizes may take."""


@contextlib.contextmanager
def _bounded(seconds: float = 10.0):
    """Fail an example that loops or blocks (a hang is a defect too), instead of hanging CI."""
    def expired(_sig, _frame):
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _each_bounded(test):
    """Run every example of *test* under :func:`_bounded`."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        with _bounded():
            return test(*args, **kwargs)

    return run


def _clean(exc: UserError) -> None:
    text = exc.render()
    for word in INTERNALS:
        assert word not in text, f"Python internals in a message: {text!r}"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def test_reader_survives_damage(seeds, work):
    from rumpbuild.arch import resolve
    from rumpbuild.elf.reader import open_elf

    target = resolve("amd64")

    @FUZZ
    @given(case=damaged(seeds))
    @_each_bounded
    def run(case):
        _name, data = case
        try:
            obj = open_elf(work / "r.o", data)
            obj.symbols()
            obj.global_symbols()
            obj.require_relocatable()
            obj.check_target(target)
        except UserError as exc:
            _clean(exc)

    run()


def test_inspect_and_convert_checks_survive_damage(seeds, work):
    from rumpbuild.arch import resolve
    from rumpbuild.elf.reader import open_elf
    from rumpbuild.elf.rename import rename_symbols, rename_table
    from rumpbuild.kmod.convert import check_kmod
    from rumpbuild.kmod.inspect import inspect_kmod, render_text

    target = resolve("amd64")
    path, renamed = work / "k.kmod", work / "k.renamed.o"

    @FUZZ
    @given(case=damaged(seeds))
    @_each_bounded
    def run(case):
        _name, data = case
        path.write_bytes(data)
        try:
            info = inspect_kmod(path)
            render_text(info).encode("utf-8")  # printable: no lone surrogates
            json.dumps(info.to_dict())
            for p in info.problems + [info.modinfo_error or ""]:
                assert not any(w in p for w in INTERNALS), p
            check_kmod(info, target, "msdos")
            # what convert does with the file once the checks pass
            table = rename_table(path, target)
            rename_symbols(path, renamed, table)
            assert {table.get(s.name, s.name) for s in open_elf(path).global_symbols()} == \
                {s.name for s in open_elf(renamed).global_symbols()}
        except UserError as exc:
            _clean(exc)

    run()


def test_kmod_inspect_cli_survives_damage(seeds, work, capsys):
    """The command line end to end: exit 0 or 1, never 2, and no traceback on stderr."""
    path = work / "cli.kmod"

    @settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
    @given(case=damaged(seeds))
    @_each_bounded
    def run(case):
        path.write_bytes(case[1])
        status = main(["kmod", "inspect", str(path)])
        out, err = capsys.readouterr()
        assert status in (0, 1), err
        assert not any(w in out + err for w in INTERNALS), out + err

    run()


def _member_headers(data: bytes) -> list[int]:
    """Offsets of an ar archive's member headers."""
    out, pos = [], 8
    while pos + 60 <= len(data):
        out.append(pos)
        size = int(data[pos + 48:pos + 58])
        pos += 60 + size + (size & 1)
    return out


AR_FIELDS = {"name": (0, 16), "size": (48, 10), "magic": (58, 2)}
AR_VALUES = [b"-60", b"-1", b"0", b"99999999", b"#1/20", b"#1/x", b"#1/99999", b"/9999", b"/", b"//", b"/SYM64/",
             b"`\n", b"\xff\xfe", b""]


def test_archive_reader_survives_damage(seeds, work):
    """Archives in --rump-libs are the user's files too: members and missing_symbols() read them."""
    from rumpbuild.elf.archive import archive_bytes
    from rumpbuild.symbols import members, missing_symbols

    names = []
    for i, (name, data) in enumerate(sorted(seeds.items())):
        p = work / f"member_with_a_long_name_{i}.o"  # longer than 15 characters: the // table
        p.write_bytes(data)
        names.append(p)
    base = archive_bytes(names)
    headers = _member_headers(base)
    count = iter(range(10 ** 9))

    @FUZZ
    @given(st.data())
    @_each_bounded
    def run(draw):
        data = bytearray(base)
        for _ in range(draw.draw(st.integers(1, 3))):
            how = draw.draw(st.sampled_from(["field", "field", "byte", "truncate"]))
            if how == "field":
                at = draw.draw(st.sampled_from(headers))
                off, width = AR_FIELDS[draw.draw(st.sampled_from(sorted(AR_FIELDS)))]
                value = draw.draw(st.one_of(st.sampled_from(AR_VALUES), st.binary(max_size=width)))
                data[at + off:at + off + width] = value[:width].ljust(width, b" ")
            elif how == "byte" and data:
                data[draw.draw(st.integers(0, len(data) - 1))] = draw.draw(st.integers(0, 255))
            elif how == "truncate":
                del data[draw.draw(st.integers(0, len(data))):]
        path = work / f"lib{next(count)}.a"  # a new name: members() caches by path, size and time
        path.write_bytes(bytes(data))
        try:
            members(path)
            missing_symbols([str(path)], [], {})
        except UserError as exc:
            _clean(exc)
        finally:
            path.unlink()

    run()


@st.composite
def structurally_damaged(draw, data: bytes):
    """*data* with 1-3 header, section header, symbol or relocation fields overwritten (see _fields)."""
    out = bytearray(data)
    fields = _fields(data, structural_only=True)
    for _ in range(draw(st.integers(1, 3))):
        off, width = draw(st.sampled_from(fields))
        old = int.from_bytes(out[off:off + width], "little")
        value = draw(st.one_of(st.sampled_from(INTERESTING), st.integers(0, (1 << (8 * width)) - 1),
                               st.integers(0, 8 * width - 1).map(lambda bit: old ^ (1 << bit))))  # near misses
        out[off:off + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
    return bytes(out)


def test_converted_kmods_link(seeds, work, capsys):
    """Issue 16 #13: a damaged kmod that converts (exit 0) links with the line convert prints.

    Before the checks, 8 of 95 damaged kmods converted and ld rejected 6 of the results.
    """
    gcc = shutil.which("x86_64-linux-gnu-gcc")
    if "msdos.kmod" not in seeds or gcc is None:
        pytest.skip("needs the msdos kmod built with x86_64-linux-gnu-gcc")
    (work / "prog.c").write_text("int main(void) { return 0; }\n")
    subprocess.run([gcc, "-c", "prog.c", "-o", "prog.o"], cwd=work, check=True)
    path, out = work / "conv.kmod", work / "conv-out"
    outcome = []

    @settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
    @given(data=structurally_damaged(seeds["msdos.kmod"]))
    def run(data):
        path.write_bytes(data)
        status = main(["component", "msdos", "--kmod", str(path), "--arch", "amd64", "--out", str(out), "--json", "-q"])
        stdout, err = capsys.readouterr()
        assert status in (0, 1) and "Traceback" not in err, err
        outcome.append(status)
        if status == 0:
            link = subprocess.run(json.loads(stdout)["link_line"], cwd=work, capture_output=True, text=True)
            assert link.returncode == 0, f"converted, but ld refuses it:\n{link.stderr[-1500:]}"

    run()
    print(f"\n{outcome.count(0)} damaged kmods converted and linked, {outcome.count(1)} refused")
    assert 0 in outcome and 1 in outcome  # both sides of the checks were reached


def _eh_frame_records(data: bytes) -> tuple[int, list[int]]:
    """(file offset of .eh_frame, offsets of its records) in a little-endian ELF64 object."""
    from rumpbuild.elf.reader import open_elf

    sec = next(s for s in open_elf("seed.o", data).sections if s.name == ".eh_frame")
    body, offs, off = data[sec.offset:sec.offset + sec.size], [], 0
    while off + 4 <= len(body) and (length := int.from_bytes(body[off:off + 4], "little")):
        offs.append(off)
        off += 4 + length
    return sec.offset, offs


def test_kmod_with_overlapping_fdes_refused(seeds, work, capsys):
    """The fuzzer's find: an FDE whose range was damaged converted, then ld refused the user's link
    (".eh_frame_hdr refers to overlapping FDEs").  Conversion now names the FDEs and exits 1; the
    healthy kmod still converts."""
    if "msdos.kmod" not in seeds:
        pytest.skip("needs the msdos kmod built with x86_64-linux-gnu-gcc")
    data = bytearray(seeds["msdos.kmod"])
    base, records = _eh_frame_records(bytes(data))
    assert len(records) > 3  # a CIE and the FDEs of the module's functions
    pc_range = base + records[2] + 12  # FDE: length, CIE pointer, pc_begin (sdata4), pc_range
    data[pc_range:pc_range + 4] = (1 << 20).to_bytes(4, "little")
    for name, blob, want in (("good.kmod", seeds["msdos.kmod"], 0), ("bad.kmod", bytes(data), 1)):
        (work / name).write_bytes(blob)
        out = work / f"out-{name}"
        status = main(["component", "msdos", "--kmod", str(work / name), "--arch", "amd64", "--out", str(out), "-q"])
        err = capsys.readouterr().err
        assert status == want, err
        if want:
            assert "FDE" in err and ".eh_frame" in err and "Traceback" not in err, err
            assert not list(out.rglob("*.a"))  # nothing converted
