"""The ninja backend: a build.ninja that `ninja -C OUTDIR` builds into the same libraries.

One edge per object and flavour runs the plan's compile argv in the object
folder (`cd OBJDIR && cc … -MD -MF x.o.d`), then renames the object with
`python -m rumpbuild.steps rename`, which also writes the depfile's relative
headers (`machine/types.h`, through the include links) as absolute paths:
ninja reads depfiles from its build folder (`deps = gcc`).  Archives are
`python -m rumpbuild.steps archive` (rumpbuild's own writer, as the SCons
engine uses: the same bytes), lib.so is `python -m rumpbuild.steps shared`,
generated sources run the tree's own recipes, and the include links are
edges too, so deleting obj/ and running ninja again works.

The tree root, the output folder, the compiler and Python are variables at the
top of the file (`netbsdsrc`, `root`, `cc`, `python`); paths under the output
folder are written relative to it, and in commands through `$root`: the
folder ninja runs in, read by each command (`RUMPBUILD_ROOT=$PWD`), so the
output folder can be moved or copied and `ninja -C` there keeps working.
Depfiles name the headers under it relative to it too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from io import StringIO

from ninja.ninja_syntax import Writer

from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.steps.archive import archiver
from rumpbuild.steps.tools import failure_detail

NAME = "ninja"
CAN_BUILD = True
FILE_NAME = "build.ninja"
_PROGRESS = re.compile(r"^\[\d+/\d+\] (CC|AR|LINK|GEN|LN) (\S+)")
_FAILED = re.compile(r"^FAILED: (?:\[code=\d+\] )?(\S+)")  # ninja 1.12 says the exit status first
_SHELL_SAFE = re.compile(r"[\w@%+=:,./-]+")


class _Paths:
    """Spells paths and argv words for build.ninja: under the tree → `$netbsdsrc/…`,
    under the output folder → relative (in build lines) or `$root/…` (in commands)."""

    def __init__(self, tree_root: str, outdir: str):
        self.outdir = os.path.abspath(outdir)
        roots = [(r, v) for r, v in ((os.path.abspath(tree_root), "$netbsdsrc"), (self.outdir, "$root"))
                 if r and _SHELL_SAFE.fullmatch(r)]  # a root with blanks or quotes stays spelled out
        roots.sort(key=lambda rv: -len(rv[0]))  # the output folder may lie inside the tree, or the reverse
        self._vars = dict(roots)
        self._pattern = re.compile("|".join(re.escape(r) + r"(?![\w.@%+-])" for r, _ in roots)) if roots else None

    def roots(self, text: str) -> str:
        """*text* with the tree root and the output folder as `$netbsdsrc` and `$root`."""
        return self._pattern.sub(lambda m: self._vars[m.group(0)], text) if self._pattern else text

    def path(self, p: str) -> str:
        """A file named in a build line."""
        p = os.path.abspath(p)
        if p == self.outdir or p.startswith(self.outdir + os.sep):
            return os.path.relpath(p, self.outdir).replace("$", "$$")
        return self.roots(p.replace("$", "$$"))

    def word(self, w: str) -> str:
        """One argv word in a command: quoted for /bin/sh, `$` escaped for ninja.  The output
        folder becomes `"$root"` (a shell variable: outside any single quotes, kept whole)."""
        q = self.roots(shlex.quote(w.replace("$", "$$")))
        return re.sub(r"(?<!\$)\$root\b", "'\"$root\"'" if q.startswith("'") else '"$root"', q)

    def command(self, argv) -> str:
        return " ".join(self.word(w) for w in argv)


def _tree_root(plan) -> str:
    sysdir = getattr(plan, "sysdir", "") or ""
    return os.path.dirname(os.path.abspath(sysdir)) if sysdir else ""


def _rules(n: Writer, launcher: bool) -> None:
    cc = ("$launcher " if launcher else "") + "$argv -MD -MF $obj.d"
    here = "RUMPBUILD_ROOT=$$PWD && "  # the build folder (ninja -C's), before a rule's `cd`
    n.rule("cc", f"{here}cd $cwd && {cc} && $python -m rumpbuild.steps depfile --root \"$root\" $obj.d .",
           depfile="$out.d", deps="gcc", description="CC $out")
    n.rule("cc_rename", f"{here}cd $cwd && {cc} && $python -m rumpbuild.steps rename --arch $arch $norename"
           " --depfile $obj.d --root \"$root\" $obj", depfile="$out.d", deps="gcc", description="CC $out")
    # restat: the writer leaves an archive whose bytes would not change as it is (older than its
    # members): ninja then takes the time it recorded, and what links the archive stays up to date
    n.rule("archive", "$python -m rumpbuild.steps archive $out $in", description="AR $out", restat=True)
    n.rule("ar", "rm -f $out && $ar crs $out $in", description="AR $out")
    n.rule("shared", f"{here}$python -m rumpbuild.steps shared --soname $soname --link $solink $ldflags $out $in -- $cc",
           description="LINK $out")
    n.rule("gen", f"{here}cd $cwd && $commands", description="GEN $out")
    n.rule("ioconf", f"{here}$python -m rumpbuild.steps ioconf $sysdir $in $cwd", description="GEN $out")
    n.rule("klink", f"{here}ln -sfn $dest $out", description="LN $out")


def render(plan, outdir: str) -> str:
    """The text of build.ninja for *plan*, its outputs under *outdir*."""
    paths = _Paths(_tree_root(plan), outdir)
    buf = StringIO()
    n = Writer(buf, width=100)
    tc = plan.toolchain
    names = ", ".join(f"lib{l.lib}" for l in plan.libraries)
    n.comment(f"{names} for {plan.target.name} with the {tc.name} toolchain: written by rumpbuild "
              f"(`rumpbuild rules NAME --format ninja`) from its build plan; build with `ninja -C DIR`.")
    n.variable("ninja_required_version", "1.7")
    n.variable("netbsdsrc", _tree_root(plan).replace("$", "$$"))
    # the output folder is where ninja runs: each command sets RUMPBUILD_ROOT to it before any
    # `cd`, so the file holds no absolute path of it and works where the folder is moved or copied
    n.variable("root", "$${RUMPBUILD_ROOT}")
    n.variable("python", paths.word(sys.executable))
    n.variable("cc", paths.command(tc.cc))
    n.variable("arch", plan.target.name)
    ar = archiver(tc)
    if ar:
        n.variable("ar", paths.command(ar))
    launcher = list(getattr(plan, "launcher", []) or [])
    if launcher:
        n.variable("launcher", paths.command(launcher))
    n.newline()
    _rules(n, bool(launcher))
    shared = getattr(plan, "shared", True)
    for lib in plan.libraries:
        n.newline()
        n.comment(f"lib{lib.lib} ({lib.kind}) from {paths.path(lib.makefile)}")
        _library(n, paths, plan, lib, tc, ar, shared and lib.kind != "kmod")
    n.newline()
    return buf.getvalue()


def _library(n: Writer, paths: _Paths, plan, lib, tc, ar, shared: bool) -> None:
    cwd = paths.path(lib.objdir)
    klinks = []
    for name, dest in lib.klinks:
        link = paths.path(os.path.join(lib.objdir, name))
        n.build(link, "klink", variables={"dest": paths.word(dest)})
        klinks.append(link)
    generated, generated_headers = [], []
    for g in lib.generated:
        outs = [paths.path(os.path.join(lib.objdir, t)) for t in g.targets]
        deps = [paths.path(d) for d in g.deps]
        if g.ioconf:
            n.build(outs, "ioconf", deps[:1], implicit=deps[1:], order_only=klinks,
                    variables={"cwd": cwd, "sysdir": paths.word(plan.sysdir)})
        else:
            shell = " && ".join(f"({paths.roots(c.replace('$', '$$'))})" for c in g.commands)
            n.build(outs, "gen", implicit=deps, order_only=klinks, variables={"cwd": cwd, "commands": shell})
        generated += outs
        generated_headers += [o for o in outs if o.endswith(".h")]
    prefixes = lib.argv_prefixes()
    stem = re.sub(r"\W", "_", lib.lib)
    before = []  # made before any object compiles: one phony name instead of a list per object
    if klinks or generated:
        before = [f"{stem}_before_compiling"]
        n.build(before[0], "phony", klinks + generated)
    spelled: dict[str, str] = {}  # flags text -> the variable that holds it (.o and .pico often share)
    for flavour, prefix in prefixes.items():
        text = paths.command(prefix[len(tc.cc):] if prefix[:len(tc.cc)] == list(tc.cc) else prefix)
        n.variable(f"{stem}_{flavour}", f"${spelled[text]}" if text in spelled else text)
        spelled.setdefault(text, f"{stem}_{flavour}")
    norename = (lib.rename or {}).get("norename")
    objects: dict[str, list[str]] = {"static": [], "pic": []}
    for o in lib.objects:
        for flavour, argv in o.argv.items():
            prefix = prefixes[flavour]
            head = f"$cc ${stem}_{flavour}" if prefix[:len(tc.cc)] == list(tc.cc) else f"${stem}_{flavour}"
            out = paths.path(os.path.join(lib.objdir, o.obj(flavour)))
            variables = {"cwd": cwd, "obj": o.obj(flavour), "argv": " ".join([head, paths.command(argv[len(prefix):])])}
            renamed = o.rename and lib.rename is not None
            if renamed and norename:
                variables["norename"] = "--norename " + paths.word(norename)
            n.build(out, "cc_rename" if renamed else "cc", paths.path(o.source),
                    implicit=generated_headers, order_only=before, variables=variables)
            objects.setdefault(flavour, []).append(out)
    archive, pic_archive = paths.path(lib.archive), paths.path(lib.pic_archive)
    for out, objs in ((archive, objects["static"]), (pic_archive, objects["pic"])):
        if ar:
            n.build(out, "ar", objs)
        else:
            n.build(out, "archive", objs)
    targets = [archive, pic_archive]
    if shared:
        so = paths.path(lib.shared)
        variables = {"soname": os.path.basename(lib.shared), "solink": os.path.basename(lib.shared_link)}
        if lib.link_ldflags:
            variables["ldflags"] = " ".join(paths.word("--ldflags=" + f) for f in lib.link_ldflags)
        n.build(so, "shared", pic_archive, implicit_outputs=[paths.path(lib.shared_link)], variables=variables)
        targets.append(so)
    n.build(lib.lib, "phony", targets)
    n.default(lib.lib)


def write(plan, outdir: str, *, verbose: bool = False) -> list[str]:
    """Write OUTDIR/build.ninja (and make OUTDIR); returns [its path]."""
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, FILE_NAME)
    write_atomic(path, render(plan, outdir))
    return [path]


def ninja_program() -> str:
    """The ninja to run: one on PATH (Debian's ninja-build), else the PyPI package's."""
    found = shutil.which("ninja")
    if found:
        return found
    try:
        import ninja

        return os.path.join(ninja.BIN_DIR, "ninja")
    except (ImportError, AttributeError):
        raise UserError("no ninja program found",
                        ["install Debian's ninja-build or `pip install ninja`"]) from None


def build(plan, outdir: str | None = None, *, jobs: int | None = None, progress=None, **_engine_options) -> None:
    """Write build.ninja and run `ninja -C OUTDIR -j N`; *progress(kind, path)* per step.
    (*_engine_options*: what only the scons engine takes, such as a SCons started early.)"""
    outdir = outdir or plan.outdir
    write(plan, outdir)
    argv = [ninja_program(), "-C", outdir, "-j", str(jobs or os.cpu_count() or 1)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    other = []
    for line in proc.stdout:
        m = _PROGRESS.match(line)
        if m and progress:
            progress(m.group(1), m.group(2))
        elif not m:
            other.append(line.rstrip("\n"))
    if proc.wait() != 0:
        raise UserError(f"the ninja build in {outdir} failed:\n{failure_detail(other)}",
                        ["the compiler's `error:` lines above name the file and line",
                         f"rerun by hand: {shlex.join(argv)}"])


# -- programs, kernel modules and extra objects (rumpbuild.model.targets) -------------------

def _shell(argv) -> str:
    """argv as one /bin/sh command in build.ninja (quoted, `$` escaped for ninja)."""
    return " ".join(shlex.quote(str(w)).replace("$", "$$") for w in argv)


def render_targets(plans, arch=None) -> str:
    """build.ninja for ObjectTargets and ProgramPlans: one edge per object (compile with a depfile,
    then the rename step when it has one) and per link (`python -m rumpbuild.steps link`); absolute paths
    (the file lives in the folder of the programs it builds, next to their sources)."""
    from ninja.ninja_syntax import escape_path

    from rumpbuild.backends.targets import _objects, _programs

    buf = StringIO()
    n = Writer(buf, width=100)
    n.comment("programs and objects rumpbuild built from its model (rumpbuild.model.targets); `ninja -C` here")
    n.variable("ninja_required_version", "1.7")
    n.variable("python", _shell([sys.executable]))
    n.variable("arch", arch.name if arch is not None else "")
    n.newline()
    # depfiles: a changed header (rump's, rbu_abi.h, the tree's through include links) rebuilds
    n.rule("cc", "cd $cwd && $argv -MD -MF $out.d && $python -m rumpbuild.steps depfile $out.d .",
           depfile="$out.d", deps="gcc", description="CC $out")
    n.rule("cc_rename", "cd $cwd && $argv -MD -MF $out.d && $python -m rumpbuild.steps rename --arch $arch "
           "$norename --depfile $out.d $out", depfile="$out.d", deps="gcc", description="CC $out")
    n.rule("link", "$python -m rumpbuild.steps link $args", description="LINK $out")
    for o in _objects(plans):
        variables = {"cwd": _shell([o.cwd]), "argv": _shell(o.argv)}
        if o.rename is not None and o.rename.get("norename"):
            variables["norename"] = "--norename " + _shell([o.rename["norename"]])
        n.build(escape_path(o.out), "cc_rename" if o.rename is not None else "cc", escape_path(o.source),
                variables=variables)
    for p in _programs(plans):
        args = [f"--kind={p.kind}"] + ([f"--soname={p.soname}"] if p.soname else [])
        args += [f"--input={i}" for i in p.link_inputs()] + [f"--whole={a}" for a in p.whole_archives]
        args += [f"--flag={f}" for f in p.flags] + [f"--lib={l}" for l in p.libs] + [p.out, "--", *p.cc]
        n.build(escape_path(p.out), "link", [escape_path(o.out) for o in p.objects],
                implicit=[escape_path(i) for i in list(p.inputs) + list(p.whole_archives)],
                variables={"args": _shell(args)})
    return buf.getvalue()


def _failed_sections(lines) -> dict[str, str]:
    """{output: what ninja printed for it} for each `FAILED: OUT` block of ninja's output."""
    failed, current = {}, None
    for line in lines:
        m = _FAILED.match(line)
        if m:
            current = m.group(1)
            failed[current] = ""
        elif _PROGRESS.match(line) or line.startswith("ninja: "):
            current = None
        elif current is not None:
            failed[current] += line + "\n"
    return failed


def build_targets(plans, builddir: str, *, arch=None, jobs: int | None = None, verbose: bool = False) -> dict:
    """Write *builddir*/build.ninja for *plans*, run ninja there (-k 0: build what can be built);
    {output: rumpbuild.steps.tools.Ran} as the in-process runner returns it."""
    from rumpbuild.backends.targets import _objects, _programs, link_command
    from rumpbuild.steps.tools import Ran

    os.makedirs(builddir, exist_ok=True)
    write_atomic(os.path.join(builddir, FILE_NAME), render_targets(plans, arch))
    objects, programs = _objects(plans), _programs(plans)
    wanted = [p.out for p in programs] + [o.out for o in objects if not any(o in p.objects for p in programs)]
    argv = [ninja_program(), "-C", builddir, "-k", "0", "-j", str(jobs or os.cpu_count() or 1)] + ["-v"] * verbose
    proc = subprocess.run(argv + wanted, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace")
    if verbose:
        print(proc.stdout, end="")
    failed = _failed_sections(proc.stdout.splitlines()) if proc.returncode else {}
    if proc.returncode and not failed:  # ninja itself failed (a bad build.ninja, no ninja)
        failed = {out: proc.stdout for out in wanted}
    results = {}
    for o in objects:
        results[o.out] = Ran(tuple(o.argv), o.cwd, 1 if o.out in failed else 0, failed.get(o.out, ""))
    for p in programs:
        bad = next((results[o.out] for o in p.objects if not results[o.out].ok), None)
        shown = link_command(p)
        results[p.out] = bad or Ran(tuple(shown), None, 1 if p.out in failed else 0, failed.get(p.out, ""))
    return results
