"""What every building command shares: tree, arch, toolchain, scan, output folder."""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
from dataclasses import dataclass, field

from rumpbuild.errors import UnknownNameError, UserError
from rumpbuild.model import outputs


def parse_defines(defines) -> dict:
    """-D VAR=VALUE → {VAR: VALUE} (command-line variables, which win over the Makefiles);
    -D VAR+=VALUE → {"VAR+": VALUE}: appended to the value the Makefiles give VAR
    (rumpbuild.mk.evaluator), or to an earlier -D VAR=…."""
    out = {}
    for d in defines or []:
        name, sep, value = d.partition("=")
        append = name.endswith("+")
        name = name[:-1] if append else name
        if not sep or not name or not name.strip() or name != name.strip():
            raise UserError(f"-D '{d}' is not VAR=VALUE or VAR+=VALUE", ["write it as -D MKZFS=yes or -D 'CFLAGS+=-g'"])
        if append and name in out:
            out[name] = f"{out[name]} {value}".strip()
        elif append:
            out[name + "+"] = f"{out.get(name + '+', '')} {value}".strip()
        else:
            out[name] = value
            out.pop(name + "+", None)  # a later VAR=… replaces earlier appends, as in make
    return out


@dataclass(frozen=True)
class Request:
    """What a building command was asked for, fixed once it is made: the tree, the
    target machine, the toolchain, the output folder and the build options."""

    tree: object  # rumpbuild.tree.Tree
    target: object  # rumpbuild.arch.Target
    toolchain: object  # rumpbuild.toolchain.Toolchain
    outdir: str  # absolute
    defines: dict = field(default_factory=dict)  # -D VAR=VALUE (VAR+=VALUE appends)
    werror: bool = False
    jobs: int | None = None
    verbose: bool = False
    quiet: bool = False
    c_string: tuple | None = None  # libkern routines built from C (None: the arch's choice)
    launcher: tuple = ()  # ccache/sccache/distcc argv prefix (rumpbuild.toolchain.launcher)
    backend: str = "scons"  # rumpbuild.backends.get_backend name of the engine that builds

    @classmethod
    def from_args(cls, args, outdir: str | None = None) -> "Request":
        from rumpbuild.arch import host_arch, resolve
        from rumpbuild.backends import get_backend
        from rumpbuild.toolchain import find_toolchain
        from rumpbuild.toolchain.launcher import resolve_launcher
        from rumpbuild.tree import find_tree

        backend = getattr(args, "backend", None) or "scons"
        if not get_backend(backend).CAN_BUILD:
            raise UserError(f"the {backend} backend writes rules but does not build",
                            [f"`rumpbuild rules NAME --format {backend}` writes them; --backend scons or ninja builds"])
        tree = find_tree(getattr(args, "src", None))
        target = resolve(getattr(args, "arch", None) or host_arch())
        toolchain = find_toolchain(target, getattr(args, "toolchain", "auto") or "auto")
        out = outdir or getattr(args, "out", None) or os.path.join("rumpbuild-out", target.machine_arch)
        return cls(tree=tree, target=target, toolchain=toolchain, outdir=os.path.abspath(out),
                   defines=parse_defines(getattr(args, "defines", [])), werror=getattr(args, "werror", False),
                   jobs=getattr(args, "jobs", None), verbose=getattr(args, "verbose", False),
                   quiet=getattr(args, "quiet", False), c_string=_c_string(getattr(args, "c_string", None)),
                   launcher=tuple(resolve_launcher(getattr(args, "launcher", None))),
                   backend=backend)


def _from_request(name: str):
    return property(lambda self: getattr(self.request, name), doc=f"the request's {name}")


class BuildSession:
    """One building command's work on one output folder: its :class:`Request`, the
    folder's lock, and what it evaluated so far (the scan, the modules, generated
    components).  Made by :meth:`from_args`; the request never changes."""

    tree = _from_request("tree")
    target = _from_request("target")
    toolchain = _from_request("toolchain")
    outdir = _from_request("outdir")
    defines = _from_request("defines")
    werror = _from_request("werror")
    jobs = _from_request("jobs")
    verbose = _from_request("verbose")
    quiet = _from_request("quiet")
    c_string = _from_request("c_string")
    launcher = _from_request("launcher")
    backend = _from_request("backend")

    def __init__(self, request: Request, lock=None):
        self.request = request
        self.lock = lock  # rumpbuild.model.outlock.OutputLock of outdir (None: not locked)
        self._scan = None  # rumpbuild.tree.scan.ScanResult / LazyScan of the libraries
        self._modules: list | None = None  # every kernel module, evaluated on first use
        self._engine = None  # a SCons process started early (rumpbuild.backends.scons.SconsRun)

    @classmethod
    def from_args(cls, args, outdir: str | None = None) -> "BuildSession":
        """The request *args* describe, with its output folder locked (waiting for another run
        using it, or stopping with --no-wait)."""
        from rumpbuild.model.outlock import lock_outdir

        request = Request.from_args(args, outdir)
        lock = lock_outdir(request.outdir, wait=not getattr(args, "no_wait", False),
                           quiet=getattr(args, "quiet", False))
        return cls(request, lock)

    def with_outdir(self, outdir: str) -> "BuildSession":
        """The same request into another output folder (locked too), evaluated afresh."""
        from dataclasses import replace

        from rumpbuild.model.outlock import lock_outdir

        request = replace(self.request, outdir=os.path.abspath(outdir))
        return BuildSession(request, lock_outdir(request.outdir, quiet=self.quiet))

    # -- evaluation ---------------------------------------------------------
    def make_overrides(self) -> dict:
        tc = self.toolchain
        extra = list(tc.extra_cflags())
        if self.target.wno_format:
            extra.append("-Wno-format")
        v = {
            # the target's compiler: trees probe it from make (arm's features.mk runs
            # ${COMPILE.c} to learn FEAT_LDREX, which decides the atomic ops librump gets)
            "CC": shlex.join(tc.cc),
            "ACTIVE_CC": tc.active_cc,
            "RUMPKERN_UNDEF": " ".join(tc.undef_flags()),
            "RUMPBUILD_CFLAGS": " ".join(extra),
        }
        # hypercall code (RUMPCOMP_USER_SRCS) finds <rump/…> headers here, as buildrump's stage
        v["BUILDRUMP_CPPFLAGS"] = "-I" + os.path.join(self.outdir, "include")
        if self.werror:
            v["NOGCCERROR"] = None  # undefined: bsd.sys.mk adds -Werror
        v.update(self.defines)
        return v

    def scan(self):
        if self._scan is None:
            from rumpbuild.tree.scan import scan

            from rumpbuild.tree.hostconf import write_mkconf

            overrides = self.make_overrides()
            overrides["MAKECONF"] = write_mkconf(self.outdir, self.tree)
            self._scan = scan(self.tree, self.target.make_vars(), overrides, recipes=True,
                              objroot=os.path.join(self.outdir, "obj"),
                              kinds=("component", "faction", "hypercall"), lazy=True)
        return self._scan

    def find_component(self, name: str):
        res = self.scan()
        # the library in the folder the name suggests first; every library only if that fails
        for pool in (lambda: res.named(name), lambda: res.entries):
            libs = [e for e in pool() if e.kind in ("component", "faction", "hypercall")]
            for e in libs:
                if name in (e.name, e.lib) or (e.lib and name == "lib" + e.lib) or name in e.fs_names:
                    if e.error:
                        raise UserError(e.error["message"],
                                        ["fix the Makefile at that line; `rumpbuild scan` lists all errors"])
                    return e
        module = self.find_module(name)
        if module is not None and module.error:  # e.g. a KMOD that is no plain name
            raise UserError(module.error["message"], ["fix the Makefile at that line; `rumpbuild scan` lists all errors"])
        if module is not None and module.candidate:
            return self.generated_component(module)
        if module is not None:
            raise UserError(f"'{name}' is a kernel module but not a file system without a component "
                            f"(it pairs with {module.component or 'nothing'}, vfs={module.is_vfs})",
                            ["`rumpbuild scan --kind candidate` lists the modules rumpbuild can turn into components"])
        known = sorted({n for e in libs for n in (e.name, e.lib) if n})
        raise UnknownNameError("component", name, known, ["`rumpbuild scan` lists every component"])

    def modules(self):
        """Every kernel module of the tree, evaluated (lazily: builds rarely need them)."""
        if self._modules is None:
            from rumpbuild.tree.scan import link_modules, scan

            res = scan(self.tree, self.target.make_vars(), self.make_overrides(), recipes=True,
                       kinds=("module",))
            link_modules(self.scan().entries + res.entries)
            self._modules = res.entries
        return self._modules

    def find_module(self, name: str):
        for m in self.modules():
            if name in (m.name, m.kmod):
                return m
        return None

    def generated_component(self, module):
        """A component generated from candidate *module*, evaluated and added to the scan."""
        from rumpbuild.tree.generate import evaluate_generated, from_module

        gen = from_module(self, module)
        where = os.path.join(self.outdir, "generated", os.path.relpath(gen.newdir, self.tree.root), "Makefile")
        entry = evaluate_generated(self, gen, where)
        entry.generated_makefile = where
        self.scan().add(entry)
        return entry

    def find_base(self, name: str):
        """A faction (rumpkern, rumpvfs, rumpdev, rumpnet) or rumpuser; None if the tree has none."""
        for e in self.scan().named(name):
            if e.kind in ("faction", "hypercall") and e.name == name:
                if e.error:
                    raise UserError(e.error["message"], ["`rumpbuild scan` lists all errors"])
                return e
        if name in ("rumpkern", "rumpuser"):
            raise UserError(f"this tree has no {name} (lib/librump*, sys/rump/librump)",
                            ["pass the top of a full NetBSD source tree with --src"])
        return None

    def closure(self, entry):
        from rumpbuild.model.closure import link_closure

        def generate(module_name):
            m = self.find_module(module_name)
            return self.generated_component(m) if m is not None and not m.error else None

        return link_closure(self.scan(), entry, generate)

    # -- building -----------------------------------------------------------
    def plan(self, entries, shared=True):
        """The build model of *entries*; lib*.so too when *shared* and the toolchain can link for the
        target (else ``no_shared_reason`` says why not)."""
        from rumpbuild.model.plan import BuildPlan, plan_library

        no_shared_reason = self.toolchain.link_problem if shared else ""
        libs = tuple(plan_library(e, self.toolchain, self.target, self.outdir, c_string=self.c_string)
                     for e in entries)
        return BuildPlan(self.target, self.toolchain, self.outdir, libs, str(self.tree.sys),
                         launcher=tuple(self.launcher), shared=shared and not no_shared_reason,
                         no_shared_reason=no_shared_reason)

    def scanned_files(self) -> set[str]:
        """Every Makefile the scan read (for the no-op fast path)."""
        files = set()
        if self._scan is not None:
            for e in self._scan.evaluated():
                files.update(os.path.abspath(os.path.join(os.path.dirname(e.makefile), f)) if not
                             os.path.isabs(f) else f for f in e.includes)
                files.add(e.makefile)
        return files

    def fast_path(self, command: str, names, **options):
        """(key, recorded report or None) for this request."""
        from rumpbuild.model import uptodate

        key = uptodate.request_key(self, command, names, **options)
        return key, uptodate.check(self.outdir, key)

    def record(self, key: str, plan, report, files=None) -> None:
        """Remember a successful request for the no-op fast path (*files*: its inputs, default the scan's)."""
        from rumpbuild.model import uptodate

        outputs = []
        for l in plan.libraries:
            outputs += [l.archive, l.pic_archive]
        files = set(files) if files is not None else self.plan_inputs()
        uptodate.record(self.outdir, key, files, outputs, report)

    def plan_inputs(self) -> set[str]:
        """What this run's plan was made from: Makefiles evaluated, C sources read (MODULE()
        lines, calls the closure looks for), the component folders, the compiler."""
        from rumpbuild.model import uptodate

        files = self.scanned_files() | set(uptodate.compiler_files(self.toolchain))
        if self._scan is not None:
            for e in self._scan.evaluated():
                files.update(s.path for s in e.sources if s.path and s.path.endswith(".c"))
        for cat in ("fs", "dev", "net", "kern"):
            files.add(str(self.tree.rump / cat / "lib"))
        files.add(str(self.tree.root / "lib"))
        # OUT/mk.conf is rumpbuild's own output (write_mkconf), made from these two
        files.update((str(self.tree.root / "lib" / "librumpuser" / "configure"), str(self.tree.sys / "sys" / "queue.h")))
        out = os.path.join(os.path.abspath(self.outdir), "")
        return {f for f in files if not os.path.abspath(f).startswith(out)}

    def build(self, entries, shared=True, progress=None, plan=None):
        """Build *entries* (or a *plan* made before); *progress* (optional) has begin(total) and is
        called (kind, path) per step.

        No lib*.so when the toolchain cannot link for the target (arch data
        says why; the plan's ``shared`` is then False and ``no_shared_reason`` set).
        """
        from rumpbuild.backends import get_backend
        from rumpbuild.steps.headers import stage_headers

        no_shared_reason = self.toolchain.link_problem if shared else ""
        shared = shared and not no_shared_reason

        stage_headers(self.tree, self.target.make_vars(), os.path.join(self.outdir, "include"))
        for path in outputs.discard_damaged(self.outdir):
            print(f"rumpbuild: {os.path.relpath(path)} changed since it was built; building it again",
                  file=sys.stderr)
        if plan is None:
            plan = self.plan(entries, shared)
        elif (plan.shared, plan.no_shared_reason) != (shared, no_shared_reason):  # a stored plan, asked anew
            plan = dataclasses.replace(plan, shared=shared, no_shared_reason=no_shared_reason)
        if any(l.kind == "hypercall" for l in plan.libraries):
            from rumpbuild.tree.hostconf import run_rumpuser_configure

            run_rumpuser_configure(self.outdir, self.tree, self.target, self.toolchain)
        backend = get_backend(self.backend)
        total = sum(len(l.objects) * 2 + 2 + (1 if shared else 0) + len(l.generated) for l in plan.libraries)
        started, self._engine = self._engine, None
        if self.lock is not None:
            self.lock.keep = True  # outputs are being written: a later failure keeps the folder
        options = {"started": started, "verbose": self.verbose}  # the scons engine's; others ignore them
        if progress is not None:
            progress.begin(total)
            backend.build(plan, plan.outdir, jobs=self.jobs, progress=progress, **options)
        else:
            with Progress(total, quiet=self.quiet, echo=self.verbose) as progress:
                backend.build(plan, plan.outdir, jobs=self.jobs, progress=progress, **options)
        outputs.record(self.outdir, plan.output_files())
        return plan

    def start_engine(self) -> None:
        """Start SCons now, while the scan and plan run (build() tells it to go)."""
        from rumpbuild.backends.scons import SconsRun

        if self._engine is None and self.backend == "scons":
            self._engine = SconsRun(self.outdir, self.jobs)

    def stop_engine(self) -> None:
        """Stop a SCons started by start_engine() that build() did not use."""
        if self._engine is not None:
            self._engine.cancel()
            self._engine = None


def _c_string(value):
    if value is None:
        return None
    if value == "none":
        return ()
    return tuple(v for v in value.split(",") if v)


class Progress:
    """Live progress in a terminal, one plain line per step elsewhere (CI logs)."""

    def __init__(self, total: int, quiet=False, echo=False):
        self.total = total
        self.done = 0
        self.quiet = quiet
        self.echo = echo
        self.live = sys.stderr.isatty() and not quiet
        self._bar = None

    def __enter__(self):
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn

            self._rich = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      transient=True)
            self._rich.__enter__()
            self._bar = self._rich.add_task("building", total=self.total)
        return self

    def __call__(self, kind, path):
        self.done += 1
        if self.live:
            self._rich.update(self._bar, advance=1, description=f"{kind:4} {os.path.basename(path)}")
        elif not self.quiet:
            print(f"[{self.done}/{self.total}] {kind} {path}", file=sys.stderr)

    def __exit__(self, *exc):
        if self.live:
            self._rich.__exit__(*exc)
        return False
