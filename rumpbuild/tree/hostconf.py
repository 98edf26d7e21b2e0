"""Per-build host configuration, as buildrump.sh prepares it before make runs.

* OUT/mk.conf (MAKECONF, read by bsd.own.mk): the CPPFLAGS buildrump.sh adds
  for every library — `-DRUMPUSER_CONFIG=yes -I OUT/autoconf` (the
  hypercall library's configure result) and `-I OUT/compat/include`, where
  the tree's portable sys/queue.h stands in for hosts without one (musl),
  and `-I OUT/include`, the staged public headers (rumpbuild.steps.headers).
* OUT/autoconf/rumpuser_config.h: the tree's lib/librumpuser/configure run
  for the target (`--host` when cross-compiling) with the toolchain's cc.
  Trees without that script (older ones, the example tree) need none.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess

from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic


def write_mkconf(outdir: str, tree) -> str:
    path = os.path.join(outdir, "mk.conf")
    lines = ["# Written by rumpbuild: what buildrump.sh puts in its mk.conf."]
    if (tree.root / "lib" / "librumpuser" / "configure").is_file():
        lines += ["CPPFLAGS+=\t-DRUMPUSER_CONFIG=yes", f"CPPFLAGS+=\t-I{os.path.join(outdir, 'autoconf')}"]
    queue = tree.sys / "sys" / "queue.h"
    if queue.is_file():
        compat = os.path.join(outdir, "compat", "include", "sys")
        os.makedirs(compat, exist_ok=True)
        link = os.path.join(compat, "queue.h")
        if not os.path.islink(link) or os.readlink(link) != str(queue):
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(str(queue), link)
        lines.append(f"CPPFLAGS+=\t-I{os.path.join(outdir, 'compat', 'include')}")
    # the staged public headers (<rump/rumpuser.h> …), buildrump's -I<stage>/usr/include
    lines.append(f"CPPFLAGS+=\t-I{os.path.join(outdir, 'include')}")
    write_atomic(path, "\n".join(lines) + "\n")
    return path


def _is_native(target) -> bool:
    from rumpbuild.arch import resolve

    try:
        return resolve(platform.machine()).machine_arch == target.machine_arch
    except UserError:
        return False


def run_rumpuser_configure(outdir: str, tree, target, toolchain) -> str | None:
    """Run the tree's librumpuser configure once per output folder and toolchain."""
    script = tree.root / "lib" / "librumpuser" / "configure"
    if not script.is_file():
        return None
    confdir = os.path.join(outdir, "autoconf")
    header = os.path.join(confdir, "rumpuser_config.h")
    stamp_path = os.path.join(confdir, ".rumpbuild-stamp")
    stamp = json.dumps({"cc": list(toolchain.cc), "script": os.path.getmtime(script)})
    try:
        with open(stamp_path) as f:
            if f.read() == stamp and os.path.exists(header):
                return header
    except OSError:
        pass
    os.makedirs(confdir, exist_ok=True)
    argv = ["/bin/sh", str(script)]
    if not _is_native(target):
        argv += ["--host", toolchain.host_triple]
    env = dict(os.environ, CC=shlex.join(toolchain.cc), CFLAGS="", CPPFLAGS="", LDFLAGS="")
    p = subprocess.run(argv, cwd=confdir, env=env, capture_output=True, text=True)
    if p.returncode != 0 and "Invalid configuration" in p.stdout + p.stderr:
        # The tree's config.sub predates this CPU (2016 trees and riscv64).  configure
        # only needs host != build to skip running test programs, and CC is given
        # explicitly, so any pair config.sub knows stands in.
        argv = ["/bin/sh", str(script), "--build", "x86_64-pc-linux-gnu", "--host", "i386-pc-linux-gnu"]
        p = subprocess.run(argv, cwd=confdir, env=env, capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(header):
        from rumpbuild.toolchain import alternatives

        tail = (p.stdout + p.stderr)[-1500:]
        known = [f"{toolchain.name} cannot link for {target.name}: {toolchain.link_problem}"] \
            if toolchain.link_problem else []
        raise UserError(f"the tree's lib/librumpuser/configure failed for {target.name} "
                        f"(status {p.returncode}; log in {confdir}/config.log):\n{tail}",
                        known + alternatives(target, exclude=(toolchain.name,), programs=True)
                        + ["`rumpbuild doctor --arch " + target.machine_arch + "` checks the toolchains"])
    write_atomic(stamp_path, stamp)
    return header
