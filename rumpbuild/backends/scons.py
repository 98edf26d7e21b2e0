"""The SCons backend: write the output folder, run SCons, report progress.

Output folder layout (one per arch)::

    OUT/rumpbuild-scons.json    toolchain argv, arch, the SConscripts to read
    OUT/SConscript.<lib>        generated rules, one per library (templates/SConscript.j2)
    OUT/obj/<lib>/              objects, include links (machine → sys/arch/…)
    OUT/lib<lib>.a  lib<lib>_pic.a  lib<lib>.so.0  lib<lib>.so
    OUT/compile_commands.json

SCons is run as a subprocess (`python -m SCons -f rumpbuild/backends/SConstruct -C OUT`),
so the same command rebuilds by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from rumpbuild.steps.archive import archiver
from rumpbuild.steps.klinks import make_klinks
from rumpbuild.errors import MACHINE_ERRNOS, UserError, printable
from rumpbuild.fsutil import inside, write_atomic
from rumpbuild.steps.tools import failure_detail
from rumpbuild.templates import render

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
SCONSTRUCT = str(Path(__file__).resolve().parent / "SConstruct")
_PROGRESS = re.compile(r"^  (CC|AR|LINK|GEN)\s+(\S+)")
# A full disk as SCons, the compiler or the assembler report it: the path it names when it does.
_DISK_FULL = re.compile(r"(?:(/[^\s:]+):\s*|\[([^\]\s]+)\]\s*)?(No space left on device|Disk quota exceeded)")
# A compiler quoting a source line ("  12 | …", "     |  ^"): libc's strerror table holds those words too.
_SOURCE_QUOTE = re.compile(r"^\s*\d*\s*\|")



def write_outdir(plan, shared: bool, verbose: bool = False) -> list[str]:
    """Write the SCons files for *plan*; returns the SConscript paths.

    compile_commands.json is write_compile_commands(): run_scons writes it
    once SCons has started reading these files.
    """
    os.makedirs(plan.outdir, exist_ok=True)
    sconscripts = []
    for lib in plan.libraries:
        make_klinks(inside(lib.objdir, plan.outdir), lib.klinks)
        key = (lib.lib, shared, verbose)
        text = plan.rendered.get(key)
        if text is None:
            text = plan.rendered[key] = render(
                "SConscript.j2", lib=lib, target=plan.target, toolchain=plan.toolchain,
                makefile_rel=lib.makefile, shared=shared and lib.kind != "kmod",
                sysdir=str(Path(plan.sysdir)) if getattr(plan, "sysdir", None) else "")
        path = inside(os.path.join(plan.outdir, f"SConscript.{lib.lib}"), plan.outdir)
        write_atomic(path, text)
        sconscripts.append(path)
    conf = {
        "rumpbuild_path": PACKAGE_PARENT,
        "cc": list(plan.toolchain.cc),
        "ar": archiver(plan.toolchain),  # None: rumpbuild writes archives itself
        "launcher": list(getattr(plan, "launcher", [])),  # RUMP_LAUNCHER: ccache, distcc, …
        "target": plan.target.name,
        "verbose": verbose,
        "sconscripts": [os.path.basename(s) for s in sconscripts],
    }
    write_atomic(os.path.join(plan.outdir, "rumpbuild-scons.json"), json.dumps(conf, indent=1) + "\n")
    return sconscripts


def write_compile_commands(plan) -> None:
    """compile_commands.json of the output folder, merged with earlier runs' (rumpbuild.backends.compdb)."""
    from rumpbuild.backends import compdb

    compdb.write(plan, plan.outdir, merge=True)


def scons_argv(outdir: str, jobs: int, targets=()) -> list[str]:
    # --rump-jobs, not -j: N compilers at once, and SCons gets threads to spare (see SConstruct)
    return [sys.executable, "-m", "SCons", "-f", SCONSTRUCT, "-C", outdir, f"--rump-jobs={jobs}", "-Q",
            "--warn=no-all", *targets]


class SconsRun:
    """A SCons process started before its input is written, waiting for `go`.

    Python and SCons take a quarter of a second to start; rumpbuild starts
    SCons while it scans and plans, on the otherwise idle core, then tells it
    to go (or, when the front fails, closes the pipe and SCons exits).
    """

    def __init__(self, outdir: str, jobs: int | None = None, targets=()):
        self.outdir = outdir
        self.jobs = jobs or os.cpu_count() or 1
        self.argv = scons_argv(outdir, self.jobs, targets)
        os.makedirs(outdir, exist_ok=True)
        r, self._w = os.pipe()
        env = dict(os.environ, RUMPBUILD_GO_FD=str(r))
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     bufsize=1, pass_fds=(r,), env=env)
        os.close(r)

    def go(self) -> None:
        os.write(self._w, b"go\n")
        os.close(self._w)
        self._w = None

    def cancel(self) -> None:
        """Stop a SCons that was never told to go (EOF on its pipe).

        (An output folder the failed request made is removed with its lock,
        rumpbuild.model.outlock, never one another run made.)
        """
        if self._w is None:
            return
        os.close(self._w)
        self._w = None
        self.proc.communicate()


def run_scons(plan, jobs: int | None = None, progress=None, targets=(), started: SconsRun | None = None) -> None:
    """Build; raises UserError naming what failed.  *progress(kind, path)* per step."""
    run = started or SconsRun(plan.outdir, jobs, targets)
    run.go()
    write_compile_commands(plan)  # nothing SCons reads: written while it reads its files
    proc, argv = run.proc, run.argv
    failed_lines = []
    disk_full = None  # the first line saying the disk is full: the rest is SCons' traceback
    for line in proc.stdout:
        m = _PROGRESS.match(line)
        if m and progress:
            progress(m.group(1), m.group(2))
        elif not m:
            failed_lines.append(line.rstrip("\n"))
            disk_full = disk_full or (not _SOURCE_QUOTE.match(line) and _DISK_FULL.search(line))
            if (progress is None or getattr(progress, "echo", False)) and not disk_full:
                sys.stderr.write(line)
    status = proc.wait()
    if status != 0 and disk_full:
        _report_disk_full(failed_lines, plan.outdir)
    if status != 0:
        raise UserError(
            f"the build in {plan.outdir} failed:\n{failure_detail(failed_lines)}",
            ["the compiler's `error:` lines above name the file and line (`-v` shows all its output)",
             "`--toolchain gcc|clang|zig` tries another compiler; `rumpbuild doctor` shows which work",
             f"rerun by hand: {' '.join(argv)}"],
        )


def _report_disk_full(lines: list[str], outdir: str) -> None:
    """One message for a disk that filled while SCons ran (not its traceback, not compiler hints)."""
    found = [m for m in (_DISK_FULL.search(l) for l in lines if not _SOURCE_QUOTE.match(l)) if m]
    m = next((m for m in found if m.group(1) or m.group(2)), found[0])  # one that names the file, if any does
    errname = "ENOSPC" if m.group(3).startswith("No space") else "EDQUOT"
    path = m.group(1) or (os.path.join(outdir, m.group(2)) if m.group(2) else outdir)
    raise UserError(f"{printable(path)}: {m.group(3)} ({errname}): the build in {printable(outdir)} stopped",
                    [MACHINE_ERRNOS[errname], "then run the same command again: what was built is kept"])


# -- the backend interface (rumpbuild.backends.get_backend("scons")) ------------------
NAME = "scons"
CAN_BUILD = True


def write(plan, outdir: str | None = None, *, verbose: bool = False) -> list[str]:
    """The SConscripts, rumpbuild-scons.json and compile_commands.json for *plan* (in plan.outdir)."""
    paths = write_outdir(plan, shared=plan.shared, verbose=verbose)
    write_compile_commands(plan)
    return paths + [os.path.join(plan.outdir, f) for f in ("rumpbuild-scons.json", "compile_commands.json")]


def build(plan, outdir: str | None = None, *, jobs: int | None = None, progress=None,
          started: SconsRun | None = None, verbose: bool = False) -> None:
    """Write the rules and run SCons (*started*: a SCons begun early, waiting for go)."""
    write_outdir(plan, shared=plan.shared, verbose=verbose)
    run_scons(plan, jobs, progress, started=started)
