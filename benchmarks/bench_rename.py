"""Symbol renaming speed on a big object (target: under 0.5 s for ~3 MB, ~5000 globals).

Moved out of tests/test_rename.py: a wall-clock figure is a benchmark, not a test.

Usage: python3 benchmarks/bench_rename.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rumpbuild.arch import resolve  # noqa: E402
from rumpbuild.elf.rename import rename_symbols, rename_table  # noqa: E402

TARGET_SECONDS = 0.5


def big_object(folder: Path) -> Path:
    lines = ["char big_blob[3 << 20] = { 1 };"]
    for i in range(1700):
        lines += [f"int big_var_{i} = {i};", f"extern int big_ext_{i}(int);",
                  f"int big_fn_{i}(int x) {{ return big_ext_{i}(x) + big_var_{i}; }}"]
    src, obj = folder / "big.c", folder / "big.o"
    src.write_text("\n".join(lines) + "\n")
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        sys.exit("needs gcc or cc on PATH")
    subprocess.run([cc, "-O0", "-c", str(src), "-o", str(obj)], check=True)
    return obj


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    target = resolve("amd64")
    with tempfile.TemporaryDirectory() as d:
        obj = big_object(Path(d))
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            table = rename_table(obj, target)
            n = rename_symbols(obj, Path(d) / "renamed.o", table)
            times.append(time.perf_counter() - t)
        size = obj.stat().st_size
    best = min(times)
    print(f"rename of {size / 1e6:.1f} MB, {len(table)} names, {n} entries: best {best * 1000:.0f} ms "
          f"of {runs} (target < {TARGET_SECONDS * 1000:.0f} ms) {'OK' if best < TARGET_SECONDS else 'SLOW'}")


if __name__ == "__main__":
    main()
