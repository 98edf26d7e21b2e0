"""Repeat the output-folder trials of issue #16 and print the counts (not a test: it takes minutes).

Three kinds of trial on a copy of the example tree, each N times (--trials):

  pair     `component msdos --out X` and `component tmpfs --out X` started together: both must
           exit 0 and both components' libraries must exist afterwards
  twin     the same `component msdos --out X` twice at once: both exit 0, libraries complete
  kill9    a build into X killed with SIGKILL after a random delay, then run again: it must exit 0
           and give archives byte-identical to a build that was never interrupted

Prints, per kind: trials, clean exits (every run of the trial exited 0 or, for the killed run,
was killed), lost outputs (a library missing or different afterwards), and the exit statuses seen.

Usage: python3 benchmarks/trials_outdir.py [--trials N] [--toolchain zig|gcc] [--arch amd64]
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rumpbuild.tree import example_tree_path  # noqa: E402

LIBS = {"msdos": ["librumpfs_msdos.a", "librumpfs_msdos_pic.a"],
        "tmpfs": ["librumpfs_tmpfs.a", "librumpfs_tmpfs_pic.a"]}


def _start(args, out: Path, name: str, tree: Path, work: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), RUMPBUILD_CACHE_DIR=str(work / "cache"))
    return subprocess.Popen([sys.executable, "-m", "rumpbuild", "component", name, "--src", str(tree), "--arch",
                             args.arch, "--toolchain", args.toolchain, "--out", str(out), "-q", "--no-shared"],
                            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _complete(out: Path, names) -> bool:
    return all((out / lib).is_file() and (out / lib).stat().st_size > 8 for n in names for lib in LIBS[n])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--toolchain", default="zig")
    ap.add_argument("--arch", default="amd64")
    args = ap.parse_args()
    counts = {k: collections.Counter() for k in ("pair", "twin", "kill9")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tree = work / "tree"
        shutil.copytree(example_tree_path(), tree, symlinks=True)
        ref = work / "reference"
        p = _start(args, ref, "msdos", tree, work)
        if p.wait() != 0:
            print(p.stderr.read(), file=sys.stderr)
            return 1
        reference = {lib: (ref / lib).read_bytes() for lib in LIBS["msdos"]}
        for i in range(args.trials):
            for kind, names in (("pair", ("msdos", "tmpfs")), ("twin", ("msdos", "msdos"))):
                out = work / f"{kind}{i}"
                procs = [_start(args, out, n, tree, work) for n in names]
                codes = [pr.wait() for pr in procs]
                c = counts[kind]
                c["trials"] += 1
                c["clean exits"] += all(code == 0 for code in codes)
                c["lost outputs"] += not _complete(out, set(names))
                c.update(f"exit {code}" for code in codes)
            out = work / f"kill{i}"
            pr = _start(args, out, "msdos", tree, work)
            time.sleep(random.uniform(0.2, 4.0))
            killed = pr.poll() is None
            if killed:
                pr.send_signal(signal.SIGKILL)
            pr.wait()
            again = _start(args, out, "msdos", tree, work)
            code = again.wait()
            c = counts["kill9"]
            c["trials"] += 1
            c["killed while building"] += killed
            c["clean exits"] += code == 0
            c["lost outputs"] += not all((out / lib).is_file() and (out / lib).read_bytes() == data
                                         for lib, data in reference.items())
            c[f"exit {code}"] += 1
    for kind, c in counts.items():
        print(f"{kind:6} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())))
    return 0 if all(c["lost outputs"] == 0 for c in counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
