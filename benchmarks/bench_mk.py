"""The make evaluator on big inputs, against bmake in the same run (issue 16, defect 11).

Two cases, each a generated Makefile evaluated by rumpbuild's evaluator
(in-process) and by bmake (`bmake -r -f FILE -V EXPR`):
  for-append  `.for w in ${WORDS}` / `X+= ${w}` over N words (default 10^5),
              then `${X:[#]}`;
  doubling    `A0= x`, `Ak= ${Ak-1}${Ak-1}` up to 2^K characters (default
              K=26, a 64 MiB value), then `${AK}` (bmake expands it
              2^K times; rumpbuild once per variable).
Both sides are timed in CPU seconds (user+sys; the machine is shared, wall
time would measure the neighbours), best of --runs.  Target: rumpbuild
within 10x of bmake.  The values are compared too (bmake's output must
equal rumpbuild's).

Usage: python3 benchmarks/bench_mk.py [--runs N] [--words N] [--doublings K] [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rumpbuild.mk import Evaluator  # noqa: E402


def for_append(words: int) -> tuple[str, str]:
    text = "WORDS= " + " ".join(f"w{k}" for k in range(words)) + "\n"
    text += ".for w in ${WORDS}\nX+= ${w}\n.endfor\n"
    return text, "${X:[#]}"


def doubling(k: int) -> tuple[str, str]:
    lines = ["A0= x"] + [f"A{i}= ${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, k + 1)]
    return "\n".join(lines) + "\n", "${A%d}" % k


def ours(makefile: str, expr: str) -> tuple[float, str]:
    t = time.process_time()
    ev = Evaluator()
    ev.evaluate_file(makefile)
    value = ev.expand(expr)
    return time.process_time() - t, value


def bmake(exe: str, makefile: str, expr: str) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([exe, "-r", "-f", makefile, "-V", expr], capture_output=True, check=True,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, p.stdout.decode("utf-8", "surrogateescape").removesuffix("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--doublings", type=int, default=26)
    ap.add_argument("--quick", action="store_true", help="10^4 words and 2^20 characters")
    args = ap.parse_args()
    if args.quick:
        args.words, args.doublings = 10_000, 20
    exe = shutil.which("bmake")
    cases = [(f"for-append, {args.words} words", for_append(args.words)),
             (f"doubling, 2^{args.doublings} characters", doubling(args.doublings))]
    print(f"{'case':36} {'rumpbuild':>10} {'bmake':>10} {'ratio':>7}  (CPU s, best of {args.runs})")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-mk-") as tmp:
        for label, (text, expr) in cases:
            mf = os.path.join(tmp, "Makefile")
            Path(mf).write_text(text)
            t_ours, v_ours = min(ours(mf, expr) for _ in range(args.runs))
            if exe is None:
                print(f"{label:36} {t_ours:10.3f} {'-':>10} {'-':>7}  (no bmake: apt-get install bmake)")
                continue
            # bmake's doubling is exponential: one run is enough to know
            runs = 1 if "doubling" in label and args.doublings > 22 else args.runs
            t_bmake, v_bmake = min(bmake(exe, mf, expr) for _ in range(runs))
            ratio = t_ours / max(t_bmake, 1e-3)
            worst = max(worst, ratio)
            same = "same value" if v_ours == v_bmake else "VALUES DIFFER"
            print(f"{label:36} {t_ours:10.3f} {t_bmake:10.3f} {ratio:6.2f}x  {same}")
    if exe is not None:
        print(f"worst ratio rumpbuild / bmake: {worst:.2f}x (target <= 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
