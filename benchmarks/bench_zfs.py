"""zfs in a rump kernel against rump ffs, the same work in the same run (amd64, a NetBSD tree).

One program (rumpbuild/zfs/zfstool.c linked with the zfs and ffs closures)
does, per file system, each step timed inside the process (TIME lines):
  1. zfs: create a pool on a fresh sparse image; ffs: makefs an empty image on the host;
  2. write one 256 MB file sequentially (put), then read it back (get, a new mount);
  3. write 5,000 small files (1-4 KB), then read them back.
zfs runs on a dataset of the pool, ffs on an etfs block device; the writes
run in one rump kernel, the reads in a new one (zfs exports and imports).  Prints the
seconds, MB/s or files/s and the ratio zfs / ffs per step; best of --repeat
runs (default 3).  Not a test: figures depend on the machine and its load.

usage: RUMPBUILD_NETBSDSRC=~/netbsd/src python3 benchmarks/bench_zfs.py [--out DIR] [--repeat N] [--mb 256]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SMALL_FILES = 5000


def make_inputs(work: Path, mb: int) -> tuple[Path, Path]:
    big, small = work / "big", work / "small"
    big.mkdir()
    small.mkdir()
    rnd = random.Random(1)
    with open(big / "seq.bin", "wb") as f:
        chunk = rnd.randbytes(1 << 20)
        for i in range(mb):
            f.write(chunk[i:] + chunk[:i])
    for i in range(SMALL_FILES):
        d = small / f"d{i % 50:02d}"
        d.mkdir(exist_ok=True)
        (d / f"f{i:05d}").write_bytes(rnd.randbytes(rnd.randrange(1024, 4097)))
    return big, small


def one_run(tool, work: Path, big: Path, small: Path, fs: str, mb: int) -> dict[str, float]:
    """Seconds per step for *fs* (zfs or ffs), in fresh images and a fresh rump kernel per phase."""
    for d in ("big-out", "small-out"):
        shutil.rmtree(work / d, ignore_errors=True)
        (work / d).mkdir()
    img = work / f"{fs}.img"
    if img.exists():
        img.unlink()
    times = {}
    if fs == "zfs":
        with open(img, "wb") as f:
            f.truncate((mb * 3 + 512) << 20)
        key, target = "/rumpbuild-zfs0", "bench/data"
        setup = [["create", "bench", key], ["mkds", target]]
    else:
        # ffs has no create through the kernel: makefs formats it (timed here, on the host)
        import time

        t0 = time.monotonic()
        subprocess.run(["makefs", "-t", "ffs", "-o", "version=2", "-f", str(SMALL_FILES * 2),
                        "-s", f"{mb * 2 + 128}m", str(img), str(work / "empty")], check=True, capture_output=True)
        times["create"] = time.monotonic() - t0
        key, target = "/dev/rumpbuild-ffs", "ffs:/dev/rumpbuild-ffs"
        setup = []
    # writes in one rump kernel, reads in a new one (zfs: export, import), so no cache carries over
    first = setup + [["put", target, str(big), "seq"], ["put", target, str(small), "small"]]
    second = [["get", target, str(work / "big-out"), "seq"], ["get", target, str(work / "small-out"), "small"]]
    if fs == "zfs":
        first.append(["export", "bench"])
        second = [["import", "bench"]] + second + [["export", "bench"]]
    runs = []
    for cmds in (first, second):
        run = tool.run(cmds, [str(img)], keys=[key])
        if not run.ok:
            raise SystemExit(f"{fs}: {run.error}\n{run.output[-2000:]}")
        runs.append(run)
    writes = [t for c, t in runs[0].times if c == "put"]
    reads = [t for c, t in runs[1].times if c == "get"]
    if fs == "zfs":
        times["create"] = sum(t for c, t in runs[0].times if c in ("create", "mkds"))
    times.update(write_seq=writes[0], read_seq=reads[0], write_small=writes[1], read_small=reads[1])
    for a, b in ((big, work / "big-out"), (small, work / "small-out")):
        r = subprocess.run(["diff", "-rq", str(a), str(b)], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{fs}: read back differs: {r.stdout[:500]}")
    img.unlink()
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=None, help="rumpbuild output folder (default: a temporary one)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--mb", type=int, default=256, help="size of the sequential file (default 256)")
    p.add_argument("--toolchain", default="gcc")
    args = p.parse_args()
    src = os.environ.get("RUMPBUILD_NETBSDSRC")
    if not src:
        print("set RUMPBUILD_NETBSDSRC to a NetBSD tree with external/cddl/osnet", file=sys.stderr)
        return 2
    if not shutil.which("makefs"):
        print("the ffs baseline needs makefs (apt-get install makefs)", file=sys.stderr)
        return 2
    from rumpbuild.session import BuildSession
    from rumpbuild.zfs.tool import build_tool

    work = Path(tempfile.mkdtemp(prefix="bench_zfs."))
    try:
        out = args.out or str(work / "out")
        session = BuildSession.from_args(argparse.Namespace(src=src, arch="amd64", toolchain=args.toolchain,
                                                            out=out, defines=["MKZFS=yes"], quiet=True))
        tool = build_tool(session, session.find_component("zfs"), also=[session.find_component("ffs")])
        (work / "empty").mkdir()
        big, small = make_inputs(work, args.mb)
        best: dict[str, dict[str, float]] = {"zfs": {}, "ffs": {}}
        for _ in range(args.repeat):
            for fs in ("zfs", "ffs"):  # alternate, so load changes hit both
                for k, v in one_run(tool, work, big, small, fs, args.mb).items():
                    best[fs][k] = min(v, best[fs].get(k, v))
        print(f"amd64, {args.toolchain}, best of {args.repeat}; {args.mb} MB sequential, {SMALL_FILES} small files")
        print(f"{'step':14} {'zfs s':>9} {'ffs s':>9} {'zfs/ffs':>8}   rates (zfs, ffs)")
        for k in ("create", "write_seq", "read_seq", "write_small", "read_small"):
            z, f = best["zfs"][k], best["ffs"][k]
            rate = (f"{args.mb / z:.0f}, {args.mb / f:.0f} MB/s" if "seq" in k else
                    f"{SMALL_FILES / z:.0f}, {SMALL_FILES / f:.0f} files/s" if "small" in k else "")
            print(f"{k:14} {z:9.3f} {f:9.3f} {z / f:8.2f}   {rate}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
