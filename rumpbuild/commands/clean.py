"""`rumpbuild clean [--out DIR]`: remove an output folder rumpbuild made, and nothing else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rumpbuild.commands import Command
from rumpbuild.errors import UserError

DESCRIPTION = """\
Remove an output folder that rumpbuild made: a build folder (`component`,
`kernel`, `test`: it holds rumpbuild-scons.json), a folder of such build
folders (the default rumpbuild-out/ with one per MACHINE_ARCH), or a `ci`
work folder (build/<MACHINE_ARCH>/ and dist/).  A folder without those
marks is refused and nothing is deleted, so a mistyped --out cannot remove
a source tree.

examples:
  rumpbuild clean                        ./rumpbuild-out (every arch)
  rumpbuild clean --out /tmp/o --dry-run what would go
  rumpbuild clean --out rumpbuild-ci     a ci work folder
"""

MARKER = "rumpbuild-scons.json"  # written into every build folder (rumpbuild.backends.scons.write_outdir)
DEFAULT_OUT = "rumpbuild-out"


def add_arguments(p):
    p.add_argument("--out", metavar="DIR", help=f"the folder to remove (default: {DEFAULT_OUT})")
    p.add_argument("-n", "--dry-run", action="store_true", help="print what would be removed, remove nothing")


def _is_build_folder(d: Path) -> bool:
    return (d / MARKER).is_file()


def _is_ci_folder(d: Path) -> bool:
    builds = d / "build"
    return (builds.is_dir() and any(_is_build_folder(b) for b in builds.iterdir() if b.is_dir())
            and all(e.name in ("build", "dist") for e in d.iterdir()))


def what_to_remove(out: Path) -> list[Path]:
    """The folders `clean` removes for *out*; UserError when *out* is not rumpbuild's."""
    if out.is_symlink() or not out.is_dir():
        raise UserError(f"{out}: no such folder (or a symbolic link, which clean does not follow)",
                        ["give the --out folder of a build: `rumpbuild clean --out DIR`"])
    if _is_build_folder(out) or _is_ci_folder(out):
        return [out]
    entries = list(out.iterdir())
    if entries and all(e.is_dir() and not e.is_symlink() and _is_build_folder(e) for e in entries):
        return [out]  # rumpbuild-out/<MACHINE_ARCH>/…: every entry a build folder
    strangers = [e.name for e in entries if not (e.is_dir() and _is_build_folder(e))]
    raise UserError(
        f"{out} does not look like a folder rumpbuild made: no {MARKER} in it"
        + (f", and it holds {', '.join(sorted(strangers)[:5])}" if strangers else " (it is empty)")
        + "; nothing was removed",
        [f"point --out at a build folder (one holding {MARKER}) or a ci work folder",
         f"remove it yourself if it is yours: rm -r {out}"])


def run(args) -> int:
    out = Path(os.path.abspath(args.out or DEFAULT_OUT))
    if args.out is None and not out.exists():
        print(f"rumpbuild: nothing to clean ({DEFAULT_OUT} does not exist here)")
        return 0
    for d in what_to_remove(out):
        rel = os.path.relpath(d)
        shown = str(d) if rel.startswith("..") else rel
        if args.dry_run:
            print(f"would remove {shown}/")
        else:
            shutil.rmtree(d)  # symbolic links inside (include links) go, not what they point at
            print(f"removed {shown}/")
    return 0


COMMAND = Command("clean", "remove an output folder rumpbuild made (checks its marker first)", DESCRIPTION,
                  add_arguments, run)
