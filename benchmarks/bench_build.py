"""Build speed: rumpbuild vs the same compile commands run directly, and no-op rebuilds.

Prints, measured in one run on this machine:
  1. wall time of `rumpbuild component <every fs component>` from clean
     (compile, rename, archive .a/_pic.a, link .so) — the fs set of the
     tree (RUMPBUILD_NETBSDSRC, else the bundled example tree);
  2. baseline: the same compile commands (compile_commands.json, both
     flavours) run directly with `xargs -P <jobs>`; ratio 1 / 2 (target ≤ 1.05).
     The two alternate --repeat times (default 3) so that a noisy neighbour
     hits both; the ratio is of the best times (and of the medians, and the
     median of each run's ratio to the direct run right after it, which shares
     its noise), and the CPU seconds of each (user + sys) show what rumpbuild
     adds whatever the noise;
  3. the no-op rebuild time (target < 1 s);
  4. with --kernel: rumpbuild's base (`rumpbuild kernel`) plus all fs components
     from clean, and, when RUMPBUILD_BASELINE_CMD is set, that command timed in
     the same run (e.g. a buildrump.sh `tools build` of the same tree you set up
     yourself); ratio target ≤ 0.5.

usage: python3 benchmarks/bench_build.py [--arch amd64] [--toolchain gcc] [--jobs N] [--repeat 3] [--kernel]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(run) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the processes it started)."""
    c, t = _child_cpu(), time.perf_counter()
    run()
    return time.perf_counter() - t, _child_cpu() - c


def rumpbuild(*args) -> float:
    return rumpbuild_timed(*args)[0]


def rumpbuild_timed(*args) -> tuple[float, float]:
    def run():
        p = subprocess.run([sys.executable, "-m", "rumpbuild", *args], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"rumpbuild {' '.join(args)} failed:\n{p.stderr[-3000:]}")
    return timed(run)


def fs_components(src, arch) -> list[str]:
    args = [sys.executable, "-m", "rumpbuild", "scan", "--json", "--kind", "component", "--arch", arch]
    if src:
        args += ["--src", src]
    doc = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    # what NetBSD's rump build makes by default: MKZFS=no leaves zfs out
    return [e["name"] for e in doc["entries"] if e["category"] == "fs" and e["name"] != "zfs"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="amd64")
    ap.add_argument("--toolchain", default="gcc", help="gcc: zig caches compiles, which would flatter both sides")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs of each side (default 3)")
    ap.add_argument("--kernel", action="store_true")
    a = ap.parse_args()
    src = os.environ.get("RUMPBUILD_NETBSDSRC")
    names = fs_components(src, a.arch)
    common = ["--arch", a.arch, "--toolchain", a.toolchain, "-j", str(a.jobs), "-q"] + (["--src", src] if src else [])
    label = src or "example tree"
    print(f"tree: {label}; arch {a.arch}; toolchain {a.toolchain}; -j {a.jobs}; {len(names)} fs components")
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as tmp:
        out = os.path.join(tmp, "out")
        rumpbuild("component", *names, *common, "--out", out)  # warm caches (zig, ioconf, configure)
        cmds = json.loads(Path(out, "compile_commands.json").read_text())
        script = os.path.join(tmp, "cmds.txt")
        with open(script, "w") as f:
            for c in cmds:
                f.write(f"cd {shlex.quote(c['directory'])} && {shlex.join(c['arguments'])}\n")

        def direct():
            # the same commands, fresh outputs: objects removed first, folders and include links kept
            for c in cmds:
                o = os.path.join(c["directory"], os.path.basename(c["output"]))
                if os.path.exists(o):
                    os.unlink(o)
            subprocess.run(f"tr '\\n' '\\0' < {shlex.quote(script)} | xargs -0 -P {a.jobs} -n 1 sh -c",
                           shell=True, check=True, capture_output=True)

        ours, theirs = [], []
        for _ in range(a.repeat):
            shutil.rmtree(out)
            ours.append(rumpbuild_timed("component", *names, *common, "--out", out))
            theirs.append(timed(direct))
        t_build, t_direct = min(w for w, _ in ours), min(w for w, _ in theirs)
        med_build, med_direct = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in theirs)
        cpu_build, cpu_direct = min(c for _, c in ours), min(c for _, c in theirs)
        shutil.rmtree(out)
        rumpbuild("component", *names, *common, "--out", out)
        t_noop = min(rumpbuild("component", *names, *common, "--out", out) for _ in range(3))
        print(f"  rumpbuild, clean build        {t_build:8.2f} s  best of {a.repeat}, median {med_build:.2f} s, "
              f"CPU {cpu_build:.1f} s  ({len(cmds)} compiles + rename, ar, .so)")
        print(f"  same compiles via xargs -P{a.jobs}   {t_direct:8.2f} s  best of {a.repeat}, median {med_direct:.2f} s, "
              f"CPU {cpu_direct:.1f} s")
        pairs = [o[0] / d[0] for o, d in zip(ours, theirs)]
        print(f"  ratio rumpbuild / direct      {t_build / t_direct:8.3f}   (target <= 1.05; "
              f"medians {med_build / med_direct:.3f}, CPU {cpu_build / cpu_direct:.3f})")
        print(f"  paired ratios                 {' '.join(f'{r:.3f}' for r in pairs)}  "
              f"(median {statistics.median(pairs):.3f})")
        print(f"  no-op rebuild                 {t_noop:8.2f} s  (target < 1 s, best of 3)")
        if a.kernel:
            shutil.rmtree(out)
            t = time.perf_counter()
            rumpbuild("kernel", *common, "--out", out)
            rumpbuild("component", *names, *common, "--out", out)
            t_all = time.perf_counter() - t
            print(f"  rumpbuild base + fs, clean    {t_all:8.2f} s")
            base = os.environ.get("RUMPBUILD_BASELINE_CMD")
            if base:
                t = time.perf_counter()
                subprocess.run(base, shell=True, check=True, capture_output=True)
                t_base = time.perf_counter() - t
                print(f"  baseline command              {t_base:8.2f} s  ({base[:60]}…)")
                print(f"  ratio rumpbuild / baseline    {t_all / t_base:8.3f}   (target <= 0.5)")
            else:
                print("  (set RUMPBUILD_BASELINE_CMD to time a baseline build in the same run)")


if __name__ == "__main__":
    main()
