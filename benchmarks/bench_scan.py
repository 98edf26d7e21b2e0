"""Whole-tree scan time (target: under 1 s of wall time on a real tree).

Prints, for the bundled example tree and for RUMPBUILD_NETBSDSRC when set:
  - rumpbuild's scan (all components, factions, modules), best of N runs,
    in-process and as a fresh `python -m rumpbuild scan --json` process;
  - baseline measured in the same run: NetBSD's own make (bmake with the
    tree's share/mk) printing CPPFLAGS/SRCS for every component Makefile,
    when bmake and share/mk are there; the ratio rumpbuild / bmake.

Usage: python3 benchmarks/bench_scan.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rumpbuild.arch import resolve  # noqa: E402
from rumpbuild.tree import find_tree  # noqa: E402
from rumpbuild.tree.options import make_vars  # noqa: E402
from rumpbuild.tree.scan import scan  # noqa: E402


def best(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench(src, runs):
    tree = find_tree(src)
    target = resolve("amd64")
    label = "example tree" if tree.is_example else str(tree.root)
    result = scan(tree, target.make_vars())
    n = len(result.entries)
    t_in = best(lambda: scan(tree, target.make_vars()), runs)
    cmd = [sys.executable, "-m", "rumpbuild", "scan", "--json"] + (["--src", str(src)] if src else [])
    t_proc = best(lambda: subprocess.run(cmd, capture_output=True, check=True), max(1, runs // 2))
    print(f"{label}: {n} Makefiles")
    print(f"  rumpbuild scan, in-process     {t_in * 1000:8.1f} ms  (best of {runs})")
    print(f"  rumpbuild scan --json, process {t_proc * 1000:8.1f} ms  (target < 1000 ms)")
    mk = tree.root / "share" / "mk"
    bmake = subprocess.run(["sh", "-c", "command -v bmake"], capture_output=True, text=True).stdout.strip()
    if bmake and (mk / "bsd.own.mk").is_file():
        variables = make_vars(tree, target.make_vars())
        args = [f"{k}={v}" for k, v in variables.items()]
        dirs = [os.path.dirname(e.makefile) for e in result.entries]

        def run_bmake():
            for d in dirs:
                subprocess.run([bmake, "-m", str(mk), *args, "-V", "${CPPFLAGS}", "-V", "${SRCS}"],
                               cwd=d, capture_output=True)

        t_b = best(run_bmake, 1)
        print(f"  baseline: bmake -V per Makefile {t_b * 1000:8.1f} ms  ratio rumpbuild/bmake = {t_in / t_b:.3f}")
    else:
        print("  baseline: bmake or the tree's share/mk missing; no ratio")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    bench(None, a.runs)
    if os.environ.get("RUMPBUILD_NETBSDSRC"):
        bench(os.environ["RUMPBUILD_NETBSDSRC"], a.runs)


if __name__ == "__main__":
    main()
