#!/usr/bin/env python3
"""Regenerate the golden expectations in this folder from the real bmake.

For every success case ``ok/<case>/`` the variable list is taken from the
existing ``expected.txt`` (the part of each line before the first ``=``), and
each value is rewritten with what

    bmake -r -f Makefile [NAME=value ...] -V '${NAME}'

prints when run inside the case folder (command-line variables come from
``vars.txt``).  bmake runs with a minimal environment (only PATH) so that no
environment variable leaks into the values.

Error cases ``errors/<case>/`` are only checked, never rewritten: bmake must
fail, and the location it blames is printed next to ``expected-error.txt`` so
that a human can compare (for some errors bmake reports no useful line, see
the description line of those cases).

Usage:
    python3 tests/golden/mk/regen.py           # rewrite expected.txt files
    python3 tests/golden/mk/regen.py --check   # only compare, exit 1 on drift
    python3 tests/golden/mk/regen.py CASE...   # only these case folder names
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OK_DIR = HERE / "ok"
ERR_DIR = HERE / "errors"


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """NAME=value lines (value may be empty or contain '=')."""
    pairs = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise SystemExit(f"{path}: line without '=': {line!r}")
        pairs.append((name, value))
    return pairs


def bmake_env() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def bmake_value(bmake: str, case: Path, cmdline: list[str], name: str) -> str:
    proc = subprocess.run(
        [bmake, "-r", "-f", "Makefile", *cmdline, "-V", "${%s}" % name],
        cwd=case, env=bmake_env(), capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"{case.name}: bmake failed (exit {proc.returncode}) for {name}:\n"
            f"{proc.stderr}"
        )
    out = proc.stdout
    if out.endswith("\n"):
        out = out[:-1]
    if "\n" in out:
        raise SystemExit(f"{case.name}: value of {name} spans lines: {out!r}")
    if out != out.strip():
        print(f"note: {case.name}: {name} has leading/trailing whitespace: {out!r}")
    return out


def cmdline_args(case: Path) -> list[str]:
    vars_file = case / "vars.txt"
    if not vars_file.exists():
        return []
    return [f"{k}={v}" for k, v in read_pairs(vars_file)]


def regen_ok(bmake: str, case: Path, check: bool) -> bool:
    expected = case / "expected.txt"
    pairs = read_pairs(expected)
    cmdline = cmdline_args(case)
    new = [(name, bmake_value(bmake, case, cmdline, name)) for name, _ in pairs]
    fresh = True
    warn_file = case / "expected-warnings.txt"
    if warn_file.exists():
        fresh = regen_warnings(bmake, case, cmdline, warn_file, check)
    if new == pairs:
        return fresh
    for (name, old), (_, val) in zip(pairs, new):
        if old != val:
            print(f"{case.name}: {name}: {old!r} -> {val!r}")
    if not check:
        expected.write_text("".join(f"{n}={v}\n" for n, v in new))
    return False


LOC_RE = re.compile(r'"([^"]+)" line (\d+):')
WARN_RE = re.compile(r'"([^"]+)" line (\d+): warning: (.*)$')


def regen_warnings(bmake: str, case: Path, cmdline: list[str], warn_file: Path,
                   check: bool) -> bool:
    """expected-warnings.txt: one 'FILE:LINE: message' line per warning."""
    proc = subprocess.run(
        [bmake, "-r", "-f", "Makefile", *cmdline, "-V", "${.CURDIR}"],
        cwd=case, env=bmake_env(), capture_output=True, text=True,
    )
    lines = []
    for line in proc.stderr.splitlines():
        m = WARN_RE.search(line)
        if m:
            rel = os.path.relpath(m.group(1), case)
            lines.append(f"{rel}:{m.group(2)}: {m.group(3)}\n")
    text = "".join(lines)
    if warn_file.read_text() == text:
        return True
    print(f"{case.name}: expected-warnings.txt -> {text!r}")
    if not check:
        warn_file.write_text(text)
    return False


def check_error(bmake: str, case: Path) -> bool:
    exp_file, _, exp_line = case.joinpath("expected-error.txt").read_text() \
        .splitlines()[0].rpartition(":")
    proc = subprocess.run(
        [bmake, "-r", "-f", "Makefile", *cmdline_args(case), "-V", "${.CURDIR}"],
        cwd=case, env=bmake_env(), capture_output=True, text=True,
    )
    if proc.returncode == 0:
        print(f"{case.name}: ERROR: bmake did not fail")
        return False
    locs = [(m.group(1), int(m.group(2))) for m in LOC_RE.finditer(proc.stderr)]
    # skip pure warnings: take the first location of a non-warning message
    blamed = None
    for line in proc.stderr.splitlines():
        m = LOC_RE.search(line)
        if m and "warning:" not in line:
            blamed = (m.group(1), int(m.group(2)))
            break
    if blamed is None and locs:
        blamed = locs[0]
    ok = False
    status = "DIFFERS"
    if blamed:
        bfile = Path(blamed[0])
        if not bfile.is_absolute():
            bfile = case / bfile
        nlines = len(bfile.read_text().splitlines()) if bfile.exists() else 0
        ok = (bfile.resolve() == (case / exp_file).resolve()
              and blamed[1] == int(exp_line))
        if ok:
            status = "ok"
        elif blamed[1] == 0 or blamed[1] > nlines:
            # 'line 0: 1 open conditional', or the line after EOF for an
            # unterminated .for: the case names the opening line instead.
            status = "ok: bmake gives no usable line, case uses the opening line"
            ok = True
    else:
        status = "bmake gave no location"
    first = proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else ""
    print(f"{case.name}: expected {exp_file}:{exp_line}, bmake: {first}  [{status}]")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="do not rewrite, exit 1 if any expected.txt is stale")
    ap.add_argument("cases", nargs="*", help="case folder names to process")
    args = ap.parse_args()

    bmake = shutil.which("bmake")
    if bmake is None:
        print("regen.py: bmake not found on PATH; refusing to regenerate "
              "(install it, e.g. 'apt-get install bmake')", file=sys.stderr)
        return 2
    version = subprocess.run([bmake, "-r", "-f", "/dev/null", "-V", "MAKE_VERSION"],
                             capture_output=True, text=True, env=bmake_env())
    print(f"using {bmake}, MAKE_VERSION={version.stdout.strip()}")

    stale = 0
    for case in sorted(p for p in OK_DIR.iterdir() if p.is_dir()):
        if args.cases and case.name not in args.cases:
            continue
        if not regen_ok(bmake, case, args.check):
            stale += 1
    for case in sorted(p for p in ERR_DIR.iterdir() if p.is_dir()):
        if args.cases and case.name not in args.cases:
            continue
        check_error(bmake, case)
    if stale:
        print(f"{stale} case(s) {'stale' if args.check else 'rewritten'}")
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
