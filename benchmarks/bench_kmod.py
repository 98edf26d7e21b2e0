"""Kernel-module conversion speed: rumpbuild's rename vs `objcopy --redefine-syms`.

Converting a kmod is dominated by renaming its globals into rumpns_
(Makefile.rump's rule) plus reading its symbol sets for the missing-symbol
analysis.  This makes a ~3 MB x86_64 kmod — synthetic: generated C compiled
with the amd64 kmod flags (-mcmodel=kernel) into many objects and linked
`cc -nostdlib -r`; with RUMPBUILD_NETBSDSRC also the real tree's tmpfs,
msdos, ext2fs and ffs kmods linked into one — and prints, measured in the
same run:
  1. rumpbuild: rename_table + rename_symbols + undefined_globals (seconds; target < 0.5 s);
  2. objcopy --redefine-syms with the same table (the NetBSD way), and the ratio 1 / 2.
Best of 5 runs each.

usage: python3 benchmarks/bench_kmod.py [--size-mb 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KFLAGS = ["-O2", "-ffreestanding", "-fno-pie", "-mno-red-zone", "-mno-mmx", "-mno-sse", "-mno-avx", "-msoft-float",
          "-mcmodel=kernel", "-fno-omit-frame-pointer", "-fno-stack-protector", "-g"]


def synthetic_kmod(work: Path, cc: str, size_mb: float) -> Path:
    """Generated kernel-style C: each object has globals, calls into others and into 'kernel' functions."""
    objs, total, i = [], 0, 0
    while total < size_mb * 1024 * 1024:
        src = work / f"m{i}.c"
        lines = [f"extern int kern_fn_{k}(int, void *);" for k in range(40)]
        lines += [f"extern int mod{i}_f{k}(int);" for k in range(200)]
        lines += [f"int mod{i}_data_{k}[4] = {{ {k}, {k + 1} }};" for k in range(100)]
        for k in range(200):
            lines.append(f"int mod{i}_f{k}(int x) {{ static int s; s += x; "
                         f"if (x > {k}) return kern_fn_{k % 40}(x - 1, &mod{i}_data_{k % 100}) + mod{i}_f{(k + 1) % 200}(x - 2);"
                         f" return mod{i}_data_{k % 100}[x & 3] + s; }}")
        if i == 0:
            lines.append('static const struct { unsigned v, c; int (*f)(int); const char *n, *r; } '
                         'bench_modinfo = { 1, 2, mod0_f0, "bench", 0 };')
            lines.append('static const void *const __link_set_modules_sym_bench '
                         '__attribute__((__section__("link_set_modules"), __used__)) = &bench_modinfo;')
        src.write_text("\n".join(lines) + "\n")
        obj = work / f"m{i}.o"
        subprocess.run([cc, *KFLAGS, "-c", str(src), "-o", str(obj)], check=True)
        objs.append(str(obj))
        total += obj.stat().st_size
        i += 1
    kmod = work / "bench.kmod"
    subprocess.run([cc, "-nostdlib", "-r", "-o", str(kmod), *objs], check=True)
    return kmod


def real_kmod(work: Path, src: str) -> Path | None:
    out = work / "real"
    files = []
    for n in ("tmpfs", "msdos", "ext2fs", "ffs"):
        p = subprocess.run([sys.executable, "-m", "rumpbuild", "kmod", "build", n, "--src", src, "--arch", "amd64",
                            "--toolchain", "gcc", "--out", str(out), "-q"], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"real tree: kmod build {n} failed; skipped\n{p.stderr[-500:]}")
            return None
        files.append(str(out / "kmods" / f"{n}.kmod"))
    kmod = work / "real4.kmod"
    p = subprocess.run(["ld", "-r", "-o", str(kmod), *files], capture_output=True, text=True)
    return kmod if p.returncode == 0 else None


def best(fn, n=5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(kmod: Path, work: Path, label: str) -> None:
    from rumpbuild.arch import resolve
    from rumpbuild.elf.rename import rename_symbols, rename_table
    from rumpbuild import symbols

    target = resolve("amd64")
    ours = work / "ours.o"
    theirs = work / "theirs.o"

    def convert():
        symbols._members_cached.cache_clear()
        table = rename_table(kmod, target)
        rename_symbols(kmod, ours, table)
        symbols.undefined_globals(ours)

    table = rename_table(kmod, target)
    tabfile = work / "renametab"
    tabfile.write_text("".join(f"{o} {n}\n" for o, n in sorted(table.items())))

    def objcopy():
        shutil.copyfile(kmod, theirs)
        subprocess.run(["objcopy", "--preserve-dates", "--redefine-syms", str(tabfile), str(theirs)], check=True)

    t_ours = best(convert)
    t_obj = best(objcopy)
    same = subprocess.run(["nm", "-go", str(ours)], capture_output=True, text=True).stdout.replace(str(ours), "") == \
        subprocess.run(["nm", "-go", str(theirs)], capture_output=True, text=True).stdout.replace(str(theirs), "")
    print(f"{label}: {kmod.stat().st_size / 1e6:.2f} MB, {len(table)} symbols renamed")
    print(f"  rumpbuild convert (rename + symbol sets): {t_ours:.3f} s  (target < 0.5 s)")
    print(f"  objcopy --redefine-syms, same table:      {t_obj:.3f} s")
    print(f"  ratio rumpbuild / objcopy: {t_ours / t_obj:.2f}; nm -go identical: {same}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=3.0)
    args = ap.parse_args()
    cc = shutil.which("x86_64-linux-gnu-gcc") or shutil.which("gcc")
    if not cc or not shutil.which("objcopy"):
        sys.exit("needs gcc for x86_64 and objcopy")
    with tempfile.TemporaryDirectory(prefix="rumpbuild-bench-kmod-") as d:
        work = Path(d)
        measure(synthetic_kmod(work, cc, args.size_mb), work, "synthetic kmod")
        src = os.environ.get("RUMPBUILD_NETBSDSRC")
        if src:
            k = real_kmod(work, src)
            if k:
                measure(k, work, "real tree tmpfs+msdos+ext2fs+ffs kmods (ld -r)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
