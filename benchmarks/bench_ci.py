"""`rumpbuild ci` wall time on the example tree (target: under 120 s on a quiet 2-core machine).

Runs `rumpbuild ci --arch amd64,evbarm --components fs --toolchain zig` into a temporary folder
(the run tests/test_ci.py checks for results) and prints its wall time.  Moved out of the tests:
a busy machine took 293 s, which says nothing about rumpbuild.

Usage: python3 benchmarks/bench_ci.py [--arch amd64,evbarm] [--toolchain zig]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 120


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="amd64,evbarm")
    ap.add_argument("--toolchain", default="zig")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, CI="1", PYTHONPATH=str(ROOT))
        t = time.monotonic()
        p = subprocess.run([sys.executable, "-m", "rumpbuild", "ci", "--arch", args.arch, "--components", "fs",
                            "--toolchain", args.toolchain, "--out", out, "-q"], env=env, cwd=out)
        secs = time.monotonic() - t
    status = "OK" if p.returncode == 0 and secs < TARGET_SECONDS else ("FAILED" if p.returncode else "SLOW")
    print(f"rumpbuild ci --arch {args.arch} --components fs: {secs:.0f} s (target < {TARGET_SECONDS} s) {status}")


if __name__ == "__main__":
    main()
