"""SCons tool `scons_rump`: builders for rump kernel libraries.

generate(env) adds three builders; the toolchain's argv comes in the
construction variables RUMP_CC and RUMP_AR (lists), the arch as RUMP_TARGET
(`MACHINE/MACHINE_ARCH`, resolved through rumpbuild/arch), a compiler
launcher (ccache, distcc, …) as RUMP_LAUNCHER (a list put before each compile
argv; not in any signature, so switching launchers rebuilds nothing):

  RumpObject(obj, src, RUMP_ARGV=[…], RUMP_CWD=dir, RUMP_RENAME={…}|None, CPPPATH=[…])
      run the compile argv in RUMP_CWD (the object folder, where `-I.` and
      the include links point), then rename the object's symbols into the
      rump namespace in place (Makefile.rump's rule) unless RUMP_RENAME is None.
  RumpArchive(lib.a, objs)         `ar crs` (RUMP_AR) of the objects, in order
  RumpShared(lib.so.N, lib_pic.a, RUMP_SONAME=…, RUMP_LINKFLAGS=[…])
      `cc -shared -Wl,-soname … --whole-archive lib_pic.a`, as bsd.lib.mk
      links lib.so from the renamed PIC archive.

Python function actions run the commands with subprocess (cwd per object),
which is safe under -j, unlike SCons' chdir.  Each action's signature covers
its argv, so changed flags rebuild exactly what they touch.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys


def _run(argv, cwd, what):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if p.stdout:
        sys.stdout.write(p.stdout)
    if p.stderr:
        sys.stderr.write(p.stderr)
    if p.returncode != 0:
        sys.stderr.write(f"rumpbuild: {what} failed (status {p.returncode}) in {cwd}:\n  {shlex.join(argv)}\n")
    return p.returncode


def _compile(target, source, env):
    # RUMP_LAUNCHER (ccache, distcc, …) is outside the varlist: switching it rebuilds nothing
    argv = list(env.get("RUMP_LAUNCHER") or []) + list(env["RUMP_ARGV"])
    cwd = env["RUMP_CWD"]
    os.makedirs(cwd, exist_ok=True)
    status = _run(argv, cwd, f"compiling {os.path.basename(str(source[0]))}")
    if status:
        return status
    spec = env.get("RUMP_RENAME")
    if spec:
        from rumpbuild.arch import resolve
        from rumpbuild.elf.rename import rename_symbols, rename_table

        tgt = resolve(env["RUMP_TARGET"])
        obj = target[0].abspath
        table = rename_table(obj, tgt, spec.get("norename") or None)
        if table:
            rename_symbols(obj, obj, table)
    return 0


def _compile_str(target, source, env):
    if env.get("RUMP_VERBOSE"):
        return shlex.join(env["RUMP_ARGV"])
    return f"  CC      {os.path.relpath(str(target[0]), env.Dir('#').abspath)}"


def _archive(target, source, env):
    out = target[0].abspath
    if os.path.exists(out):
        os.remove(out)
    tmp = out + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    status = _run(list(env["RUMP_AR"]) + ["crs", tmp] + [s.abspath for s in source], os.path.dirname(out),
                  f"archiving {os.path.basename(out)}")
    if status:
        return status
    os.replace(tmp, out)
    return 0


def _archive_str(target, source, env):
    return f"  AR      {os.path.basename(str(target[0]))}"


def _shared(target, source, env):
    out = target[0].abspath
    tmp = out + ".tmp"
    argv = (list(env["RUMP_CC"]) + ["-shared", f"-Wl,-soname,{env['RUMP_SONAME']}", "-o", tmp,
            "-Wl,--whole-archive", source[0].abspath, "-Wl,--no-whole-archive"] + list(env.get("RUMP_LINKFLAGS", [])))
    status = _run(argv, os.path.dirname(out), f"linking {os.path.basename(out)}")
    if status:
        return status
    os.replace(tmp, out)
    link = os.path.join(os.path.dirname(out), env["RUMP_SOLINK"])
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.basename(out), link)
    return 0


def _shared_str(target, source, env):
    return f"  LINK    {os.path.basename(str(target[0]))}"


def _generate_src(target, source, env):
    cwd = env["RUMP_CWD"]
    os.makedirs(cwd, exist_ok=True)
    for line in env["RUMP_SHELL"]:
        status = _run(["/bin/sh", "-c", line], cwd, f"generating {os.path.basename(str(target[0]))}")
        if status:
            return status
    return 0


def _generate_str(target, source, env):
    return f"  GEN     {' '.join(os.path.basename(str(t)) for t in target)}"


def _ioconf(target, source, env):
    from pathlib import Path

    from rumpbuild.errors import UserError
    from rumpbuild.ioconf import generate_ioconf

    try:
        generate_ioconf(Path(env["RUMP_SYSDIR"]), Path(source[0].abspath), Path(env["RUMP_CWD"]))
    except UserError as exc:
        sys.stderr.write(exc.render() + "\n")
        return 1
    return 0


# Every object the build knows, so the SConstruct can list what they depend on.
OBJECT_NODES = []


def _record_objects(target, source, env):
    OBJECT_NODES.extend(target)
    return target, source


def dump_dependencies(path):
    """Write the sources and scanned headers of every object (for rumpbuild's no-op fast path)."""
    import json

    deps = set()
    for node in OBJECT_NODES:
        for d in list(node.sources) + list(node.implicit or []) + list(node.depends or []):
            deps.add(d.abspath)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(sorted(deps), f)
    os.replace(tmp, path)


def generate(env):
    from SCons.Action import Action
    from SCons.Builder import Builder
    from SCons.Scanner.C import CScanner

    env["BUILDERS"]["RumpObject"] = Builder(
        action=Action(_compile, _compile_str, varlist=["RUMP_ARGV", "RUMP_CWD", "RUMP_RENAME", "RUMP_TARGET"]),
        source_scanner=CScanner(),
        emitter=_record_objects,
    )
    env["BUILDERS"]["RumpGenerate"] = Builder(action=Action(_generate_src, _generate_str,
                                                             varlist=["RUMP_SHELL", "RUMP_CWD"]))
    env["BUILDERS"]["RumpIoconf"] = Builder(action=Action(_ioconf, _generate_str, varlist=["RUMP_SYSDIR"]))
    env["BUILDERS"]["RumpArchive"] = Builder(action=Action(_archive, _archive_str, varlist=["RUMP_AR"]))
    env["BUILDERS"]["RumpShared"] = Builder(
        action=Action(_shared, _shared_str, varlist=["RUMP_CC", "RUMP_SONAME", "RUMP_LINKFLAGS", "RUMP_SOLINK"]))


def exists(env):
    return True
