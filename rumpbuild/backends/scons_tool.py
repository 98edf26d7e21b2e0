"""SCons tool `scons_tool`: builders for rump kernel libraries.

generate(env) adds three builders; the toolchain's argv comes in the
construction variables RUMP_CC and RUMP_AR (lists; RUMP_AR None: rumpbuild's
own archive writer, rumpbuild/elf/archive.py), the arch as RUMP_TARGET
(`MACHINE/MACHINE_ARCH`, resolved through rumpbuild/arch), a compiler
launcher (ccache, distcc, …) as RUMP_LAUNCHER (a list put before each compile
argv; not in any signature, so switching launchers rebuilds nothing):

  RumpObject([obj.o, obj.pico], src, RUMP_ARGVS=[[…], […]], RUMP_CWD=dir, RUMP_RENAME={…}|None,
             RUMP_GENERATED=[…])
      for each target, run its compile argv in RUMP_CWD (the object folder, where `-I.` and
      the include links point), then rename the object's symbols into the
      rump namespace in place (Makefile.rump's rule) unless RUMP_RENAME is None.
      Header dependencies come from the compiler's depfile (rumpbuild/rules/
      headerdeps.py), not from SCons' C scanner; headers the build generates
      (RUMP_GENERATED: ioconf.h, …) are ordinary SCons dependencies.
  RumpArchive(lib.a, objs)         the objects archived in order, with a symbol index
  RumpShared(lib.so.N, lib_pic.a, RUMP_SONAME=…, RUMP_LINKFLAGS=[…])
      `cc -shared -Wl,-soname … --whole-archive lib_pic.a`, as bsd.lib.mk
      links lib.so from the renamed PIC archive.

Python function actions run the commands with subprocess (cwd per object),
which is safe under -j, unlike SCons' chdir.  Each action's signature covers
its argv, so changed flags rebuild exactly what they touch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys

from rumpbuild.steps import headerdeps


from rumpbuild.steps.tools import limit_processes  # noqa: F401  (the SConstruct calls it)


def _report(ran, what) -> int:
    """Show a tool's output (SCons' stdout, which rumpbuild reads) and its failure."""
    if ran.output:
        sys.stdout.write(ran.output)
        sys.stdout.flush()
    if not ran.ok:
        sys.stderr.write(f"rumpbuild: {what} failed (status {ran.status}) in {ran.cwd}:\n  {shlex.join(ran.argv)}\n")
    return ran.status


def _compile(target, source, env):
    """Compile (and rename) each target from the one source: the flavours of one source
    (.o, .pico) are one SCons task, which halves SCons' bookkeeping per compile."""
    from rumpbuild.arch import resolve
    from rumpbuild.steps.compile import compile_object

    cwd = env["RUMP_CWD"]
    generated = frozenset(env.get("RUMP_GENERATED") or ())
    spec = env.get("RUMP_RENAME")
    arch = resolve(env["RUMP_TARGET"]) if spec else None
    for node, words in zip(target, env["RUMP_ARGVS"]):
        # RUMP_LAUNCHER (ccache, distcc, …) is outside the varlist: switching it rebuilds nothing
        ran = compile_object(words, cwd, node.abspath, launcher=env.get("RUMP_LAUNCHER") or (),
                             generated=generated, rename=spec, target=arch)
        status = _report(ran, f"compiling {os.path.basename(str(source[0]))}")
        if status:
            return status
    return 0


def _compile_str(target, source, env):
    if env.get("RUMP_VERBOSE"):
        return "\n".join(shlex.join(words) for words in env["RUMP_ARGVS"])
    top = env.Dir("#").abspath
    return "\n".join(f"  CC      {os.path.relpath(str(t), top)}" for t in target)


def _archive(target, source, env):
    from rumpbuild.steps.archive import write_library
    from rumpbuild.errors import UserError

    out = target[0].abspath
    if os.path.exists(out):
        os.remove(out)
    try:
        write_library(env.get("RUMP_AR"), out, [s.abspath for s in source])
    except UserError as exc:  # a damaged object or a failing AR: the message, not a traceback
        sys.stderr.write(exc.render() + "\n")
        return 1
    return 0


def _archive_str(target, source, env):
    return f"  AR      {os.path.basename(str(target[0]))}"


def _shared(target, source, env):
    from rumpbuild.steps.link import link

    out = target[0].abspath
    ran = link(env["RUMP_CC"], out, kind="shared", soname=env["RUMP_SONAME"], whole_archives=[source[0].abspath],
               flags=env.get("RUMP_LINKFLAGS", []), cwd=os.path.dirname(out))
    status = _report(ran, f"linking {os.path.basename(out)}")
    if status:
        return status
    link_path = os.path.join(os.path.dirname(out), env["RUMP_SOLINK"])
    if os.path.lexists(link_path):
        os.remove(link_path)
    os.symlink(os.path.basename(out), link_path)
    return 0


def _shared_str(target, source, env):
    return f"  LINK    {os.path.basename(str(target[0]))}"


def _generate_src(target, source, env):
    from rumpbuild.steps.tools import run_tool

    cwd = env["RUMP_CWD"]
    os.makedirs(cwd, exist_ok=True)
    for line in env["RUMP_SHELL"]:
        status = _report(run_tool(["/bin/sh", "-c", line], cwd), f"generating {os.path.basename(str(target[0]))}")
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


class _Words(tuple):
    """An argv SCons keeps as it is: it deep-copies the lists and dicts of every builder
    call's keywords (a ~100-word argv per object), but not objects of other types."""


class _Frozen(dict):
    """Like _Words, for the small dicts (RUMP_RENAME); never changed after the SConscripts."""


def rump_object(env, target, source, **kw):
    """RumpObject: compile (and rename) each flavour's object of one source, one argv per
    target; an object is rebuilt when a header it read changed."""
    # The action's signature is one digest of what decides the object's bytes: SCons would
    # otherwise substitute every word of the ~100-word argv for every object, every run.
    kw["RUMP_SIG"] = hashlib.sha256(json.dumps(
        [kw.get("RUMP_ARGVS"), kw.get("RUMP_CWD"), kw.get("RUMP_RENAME"), env["RUMP_TARGET"]],
        sort_keys=True).encode()).hexdigest()
    if len(kw.get("RUMP_ARGVS") or ()) != len(target if isinstance(target, (list, tuple)) else [target]):
        raise ValueError(f"RumpObject {target}: one argv per target in RUMP_ARGVS")
    kw["RUMP_ARGVS"] = _Words(_Words(words) for words in kw["RUMP_ARGVS"])
    for key, kind in (("RUMP_GENERATED", _Words), ("RUMP_RENAME", _Frozen)):
        if kw.get(key) is not None:
            kw[key] = kind(kw[key])
    nodes = env._RumpObject(target, source, **kw)
    cwd = kw.get("RUMP_CWD") or env["RUMP_CWD"]
    generated = kw.get("RUMP_GENERATED") or []
    built_headers = [g for g in generated if g.endswith(".h")]
    for node in nodes:
        OBJECT_NODES.append((node, cwd))
        if built_headers:
            env.Depends(node, built_headers)
        if node.exists() and not headerdeps.is_current(node.abspath, cwd, frozenset(generated)):
            env.AlwaysBuild(node)
    return nodes


def dump_dependencies(path):
    """Write the sources and the compiler-reported headers of every object (for rumpbuild's no-op fast path)."""
    deps = set(headerdeps.deps_seen)  # every object was either compiled or checked: all their headers
    for node, cwd in OBJECT_NODES:
        for d in list(node.sources) + list(node.depends or []):
            deps.add(d.abspath)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(sorted(deps), f)
    os.replace(tmp, path)


def generate(env):
    from SCons.Action import Action
    from SCons.Builder import Builder
    from SCons.Scanner import ScannerBase

    env["BUILDERS"]["_RumpObject"] = Builder(
        action=Action(_compile, _compile_str, varlist=["RUMP_SIG"]),
        # no C scanning (headerdeps does it); without this SCons' default scanners still would
        source_scanner=ScannerBase(lambda node, env, path: [], name="rumpbuild-none"))
    env.AddMethod(rump_object, "RumpObject")
    env["BUILDERS"]["RumpGenerate"] = Builder(action=Action(_generate_src, _generate_str,
                                                             varlist=["RUMP_SHELL", "RUMP_CWD"]))
    env["BUILDERS"]["RumpIoconf"] = Builder(action=Action(_ioconf, _generate_str, varlist=["RUMP_SYSDIR"]))
    env["BUILDERS"]["RumpArchive"] = Builder(action=Action(_archive, _archive_str, varlist=["RUMP_AR"]))
    env["BUILDERS"]["RumpShared"] = Builder(
        action=Action(_shared, _shared_str, varlist=["RUMP_CC", "RUMP_SONAME", "RUMP_LINKFLAGS", "RUMP_SOLINK"]))


def exists(env):
    return True
