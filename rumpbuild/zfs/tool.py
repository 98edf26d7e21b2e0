"""Build and run rumpbuild's zfs tool: zfstool.c + the zfs helper + the link closure.

`build_tool` links the program once per output folder; `ZfsTool.run` runs
one process (one rump kernel) with a list of commands and the image files
registered as block devices, and returns its STEP lines.  The rump_zfs
utility and the benchmark use the same two calls.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from rumpbuild.errors import UserError
from rumpbuild.backends.targets import run_in_session
from rumpbuild.model.targets import host_object, program_plan
from rumpbuild.zfs.helper import helper_target, zfs_closure
from rumpbuild.zfs.names import device_keys
from rumpbuild.zfs.pio import pio_link

HERE = Path(__file__).resolve().parent
TOOL_TIMEOUT = 1800
# not anchored: the kernel's console messages ("!created version 23 pool …") end without a newline
_STEP = re.compile(r"STEP (\S+) (PASS|FAIL) ?(.*)$")
_ERROR = re.compile(r"ERROR (.*)$")
_TIME = re.compile(r"^TIME (\S+) ([0-9.]+)$")


@dataclass
class ToolRun:
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (name, PASS|FAIL, detail)
    error: str = ""  # the tool's ERROR line: the message for the user
    returncode: int = 0
    output: str = ""
    times: list[tuple[str, float]] = field(default_factory=list)  # (command, seconds) in run order

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.error

    def detail(self, name: str) -> str:
        return next((d for n, s, d in self.steps if n == name), "")


def scrub_counts(detail: str) -> dict[str, int]:
    """'examined=1 repaired=0 errors=0 …' (the scrub step's detail) → {'examined': 1, …}."""
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", detail)}


@dataclass
class ZfsTool:
    exe: str
    run_prefix: list[str]
    workdir: str

    def run(self, commands: list[list[str]], images: list[str], timeout: int = TOOL_TIMEOUT,
            keys: list[str] | None = None) -> ToolRun:
        """Run *commands* (each [CMD, ARG…]) in one new rump kernel with *images* registered in order,
        at *keys* (default names.device_keys: regular files for file vdevs; keys under /dev/ are
        block devices)."""
        argv = list(self.run_prefix) + [self.exe]
        for key, img in zip(keys or device_keys(images), images):
            argv += ["-i", f"{key}={os.path.abspath(img)}"]
        for i, cmd in enumerate(commands):
            argv += ([";"] if i else []) + list(cmd)
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.workdir)
        except subprocess.TimeoutExpired:
            return ToolRun(error=f"no answer in {timeout} s: {shlex.join(argv)}", returncode=-1)
        res = ToolRun(returncode=p.returncode, output=p.stdout + p.stderr)
        for line in p.stdout.splitlines():
            m = _STEP.search(line)
            t = _TIME.match(line)
            if t:
                res.times.append((t.group(1), float(t.group(2))))
            elif m:
                res.steps.append((m.group(1), m.group(2), m.group(3)))
            elif _ERROR.search(line):
                res.error = _ERROR.search(line).group(1)
        if p.returncode != 0 and not res.error:
            res.error = f"exit status {p.returncode}: {(p.stderr or p.stdout).strip()[-800:]}"
        return res


def build_tool(session, entry, also=()) -> ZfsTool:
    """Build *entry* (zfs) with its link closure and the base, compile the helper and zfstool.c, link.
    *also*: more components linked in with their closures (the benchmark's ffs)."""
    tc = session.toolchain
    if tc.link_problem:
        raise UserError(f"the zfs tool is a program, and {tc.name} cannot link for {session.target.name}: "
                        f"{tc.link_problem}", ["--toolchain gcc", "`rumpbuild doctor` shows which toolchains link"])
    closure = zfs_closure(session, entry)
    for other in also:  # each component before what it needs: insert ahead of the shared tail
        for e in reversed(session.closure(other)):
            if e not in closure:
                closure.insert(0, e)
    plan = session.build(closure, shared=False)
    by_lib = {l.lib: l for l in plan.libraries}
    link_libs = [by_lib[e.lib] for e in closure if e.lib in by_lib]
    workdir = os.path.join(session.outdir, "zfs")
    os.makedirs(workdir, exist_ok=True)
    helper = helper_target(plan, workdir, entry.lib)
    obj = host_object(tc, str(HERE / "zfstool.c"), os.path.join(workdir, "zfstool.o"),
                      [os.path.join(session.outdir, "include"), session.tree.rump / "include", HERE])
    exe = os.path.join(workdir, "zfstool" + "".join("+" + e.name for e in also))
    pio_objs, pio_flags = pio_link(session, workdir)  # positioned image I/O (zfs/pio.py)
    run_in_session(session, [program_plan(tc, exe, [obj, helper, *pio_objs], link_libs, extra_libs=pio_flags,
                                          what="the zfs tool",
                                          hints=[f"libraries: {' '.join(l.lib for l in link_libs)}"])],
                   builddir=workdir)
    return ZfsTool(exe, tc.run_prefix(static=tc.libc != "glibc"), workdir)
