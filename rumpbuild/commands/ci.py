"""`rumpbuild ci --arch A,B --components fs`: build and smoke-test a matrix, write a dist folder."""

from __future__ import annotations

import json
import os
import sys
import time

from rumpbuild.commands import Command
from rumpbuild.errors import UserError

DESCRIPTION = """\
Build a matrix of components × arches in one run and test it, for CI:
per arch the rump kernel base once (factions + rumpuser, in
OUT/build/<MACHINE_ARCH>, shared by every component), then each component
on its own (one that fails stops nothing else), then the smoke test of each
file system that has smoke facts and whose image the host can make (else a
SKIP saying why).  The dist folder (default OUT/dist) gets:

  <MACHINE_ARCH>/lib*.a lib*_pic.a lib*.so*   base and components with their link closures
  <MACHINE_ARCH>/compile_commands.json
  junit.xml      one test case per component × arch × step (build, smoke.<step>[variant])
  summary.json   format 1 (README.md, `rumpbuild ci`)
  summary.md     a Markdown table for a CI summary page ($GITHUB_STEP_SUMMARY)

--components: `fs` (default: the fs components NetBSD builds, SUBDIR of
sys/rump/fs/lib/Makefile; zfs with -D MKZFS=yes), names (ffs,msdos), a
category (dev, net, kern), or `changed:REV`: the components whose sources or
Makefiles (with every included fragment) changed since git revision REV in
the --src tree, untracked files included, plus those whose link closure has
a changed library.  The exit status is 1 when anything failed; the last
lines say what.  Progress is live in a terminal, plain lines when $CI is
set or stderr is not a terminal.

examples:
  rumpbuild ci --arch amd64,evbarm --toolchain zig            example tree
  rumpbuild ci --src ~/netbsd/src --arch amd64,evbarm64 --components changed:origin/trunk
  rumpbuild ci --emit-workflow github -o .github/workflows/rump.yml --arch amd64,evbarm
"""


def add_arguments(p):
    from rumpbuild.commands.component import add_build_arguments

    add_build_arguments(p)
    for action in p._actions:  # the shared options, with ci's meaning
        if action.dest == "arch":
            action.help = "comma-separated NetBSD machines or MACHINE_ARCHes (default: the host's)"
            action.metavar = "A,B,…"
        elif action.dest == "out":
            action.help = "work folder: build/<MACHINE_ARCH>/ and dist/ (default: rumpbuild-ci)"
        elif action.dest == "json":
            action.help = "print summary.json on stdout instead of the text summary"
    p.add_argument("--components", default="fs", metavar="SPEC",
                   help="fs (default), NAME,NAME…, dev|net|kern, or changed:REV")
    p.add_argument("--dist", metavar="DIR", help="dist folder (default: OUT/dist)")
    p.add_argument("--emit-workflow", choices=["github"], metavar="KIND",
                   help="write a CI workflow (github: GitHub Actions) instead of building")
    p.add_argument("-o", "--output", metavar="FILE", help="with --emit-workflow: the file (default: stdout)")
    p.add_argument("--rumpbuild-spec", metavar="SPEC",
                   help="with --emit-workflow: the pinned pip spec the workflow installs rumpbuild from "
                        "(default: this rumpbuild's git URL and commit, when pip installed it from one)")


def run(args) -> int:
    from rumpbuild.arch import host_arch

    arches = [a for a in (args.arch or "").split(",") if a] or [host_arch()]
    if args.emit_workflow:
        return _emit(args, arches)
    from rumpbuild.ci import matrix, report
    from rumpbuild.ci.progress import CIProgress

    outroot = os.path.abspath(args.out or "rumpbuild-ci")
    dist = os.path.abspath(args.dist or os.path.join(outroot, "dist"))
    t0 = time.monotonic()
    prepared = matrix.prepare(args, arches, outroot)
    report.prepare_dist(dist)
    total = sum(1 + 2 * len(entries) for _t, _s, entries in prepared)
    first = next((s for _t, s, _e in prepared if not isinstance(s, UserError)), None)
    tree = first.tree if first else None
    run_ = matrix.CIRun(src=str(tree.root) if tree else (args.src or ""),
                        example_tree=bool(tree and getattr(tree, "is_example", False)), selection=args.components)
    with CIProgress(total, quiet=args.quiet) as progress:
        for target, session, entries in prepared:
            run_.arches.append(matrix.run_arch(target, session, entries, progress, shared=not args.no_shared))
    run_.seconds = time.monotonic() - t0
    report.write_dist(run_, dist)
    doc = report.summary(run_)
    if args.json:
        json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        _print_tail(doc, dist)
    return 1 if run_.failed else 0


def _print_tail(doc, dist):
    t = doc["totals"]
    rel = os.path.relpath(dist)
    print(f"dist: {rel}/ ({', '.join(doc['arches'])}), junit.xml, summary.json, summary.md")
    from rumpbuild.steps.tools import error_lines

    for f in doc["failures"]:
        lines = (f["message"] or "").strip().splitlines()
        errors = error_lines(lines, limit=3)  # file:line of the compiler's first errors, not the header
        print(f"FAILED {f['arch']} {f['component']} {f['step']}: {errors[0] if errors else lines[0] if lines else ''}"
              [:300])
        for line in errors[1:]:
            print(f"    {line}"[:300])
    verdict = "ok" if doc["ok"] else "FAILED"
    print(f"ci {verdict}: {t['tests']} tests, {t['passed']} passed, {t['failed']} failed, "
          f"{t['skipped']} skipped in {doc['seconds']:.0f} s")


def _emit(args, arches) -> int:
    from rumpbuild.ci.workflow import DEFAULT_ARCHES, github_workflow
    from rumpbuild.fsutil import write_atomic

    text = github_workflow(arches if args.arch else DEFAULT_ARCHES, args.components,
                           args.toolchain if args.toolchain != "auto" else "zig", args.defines,
                           args.rumpbuild_spec)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        write_atomic(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


COMMAND = Command("ci", "build and smoke-test components × arches for CI (dist folder, JUnit, summary)",
                  DESCRIPTION, add_arguments, run)
