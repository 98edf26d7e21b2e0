"""Run the CI matrix: every selected component on every arch, then smoke tests.

Per arch one BuildSession and one output folder (OUT/build/<MACHINE_ARCH>):
the base (factions + rumpuser) is built once and shared by every component;
then each component is built on its own SCons run, so one that fails to
compile stops nothing else; last, the smoke test runs for each component
that built, wherever an image can be made (the file system has smoke facts,
the host has the image tools and can run the arch's programs); otherwise the
smoke step is a SKIP that says why.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from dataclasses import dataclass, field

from rumpbuild.errors import UserError

BASE = ("rumpkern", "rumpvfs", "rumpdev", "rumpnet", "rumpuser")
PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


@dataclass
class StepResult:
    status: str  # PASS | FAIL | SKIP
    detail: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"status": self.status, "detail": self.detail, "seconds": round(self.seconds, 2)}


@dataclass
class ComponentResult:
    name: str
    lib: str
    build: StepResult
    smoke: StepResult | None = None  # the smoke test as a whole (SKIP with the reason, FAIL, PASS)
    smoke_steps: list = field(default_factory=list)  # rumpbuild.smoke.runner.Step

    @property
    def failed(self) -> bool:
        return self.build.status == FAIL or (self.smoke is not None and self.smoke.status == FAIL)


@dataclass
class ArchResult:
    machine: str
    machine_arch: str
    toolchain: str = ""
    outdir: str = ""
    base: StepResult | None = None
    base_libs: list = field(default_factory=list)
    components: dict = field(default_factory=dict)  # name -> ComponentResult
    compile_commands: list = field(default_factory=list)
    libraries: list = field(default_factory=list)  # LibraryPlan of everything to put in dist

    @property
    def failed(self) -> bool:
        return (self.base is not None and self.base.status == FAIL) or any(c.failed for c in self.components.values())


@dataclass
class CIRun:
    src: str
    example_tree: bool
    selection: str
    arches: list = field(default_factory=list)  # ArchResult
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(a.failed for a in self.arches)


def _session_args(args, arch: str, outdir: str) -> argparse.Namespace:
    ns = argparse.Namespace(**vars(args))
    ns.arch, ns.out, ns.quiet = arch, outdir, True
    return ns


def prepare(args, arches: list[str], outroot: str):
    """(session or UserError, selected entries) per arch; bad names and revisions raise at once."""
    from rumpbuild.arch import resolve
    from rumpbuild.session import BuildSession
    from rumpbuild.ci.select import select_components

    from rumpbuild.toolchain.launcher import resolve_launcher

    targets = [resolve(a) for a in arches]  # an unknown arch or a missing launcher: stop before building
    resolve_launcher(getattr(args, "launcher", None))
    out = []
    for t in targets:
        outdir = os.path.join(outroot, "build", t.machine_arch)
        try:
            session = BuildSession.from_args(_session_args(args, t.name, outdir))
        except UserError as exc:  # e.g. no toolchain for this arch: that arch fails, the others run
            out.append((t, exc, []))
            continue
        out.append((t, session, select_components(session, args.components)))
    return out


def smoke_skip_reason(session, entry) -> str | None:
    """Why no smoke test can run for *entry* here, or None."""
    from rumpbuild.model.closure import module_info
    from rumpbuild.smoke import runner

    if entry.category != "fs":
        return f"smoke tests cover file systems; {entry.name} is a {entry.category} component"
    if session.toolchain.program_problem:
        return f"{session.toolchain.name} cannot run test programs here: {session.toolchain.program_problem}"
    names, _ = module_info(entry)
    fs_name = sorted(names)[0] if names else entry.name
    try:
        facts = runner.fs_facts(fs_name)
    except UserError:
        return f"no smoke-test facts for '{fs_name}' (rumpbuild/smoke/filesystems.toml)"
    if facts.get("no_image"):
        return f"{fs_name}'s test has no image: {facts['no_image']}"
    if facts.get("stubs"):
        return f"{fs_name}'s test needs stubs (`rumpbuild test {fs_name} --stubs`): {facts['stubs']}"
    lacking = runner.missing_image_tool(facts["image"]) if facts.get("image") else None
    if lacking:
        return f"making the {facts['image']} image needs {lacking[0]} ({lacking[1]})"
    prefix = session.toolchain.run_prefix(static=True)
    if prefix and not shutil.which(prefix[0]):
        return f"running {session.target.machine_arch} programs needs {prefix[0]} (apt-get install qemu-user)"
    return None


def _timed(fn):
    t0 = time.monotonic()
    try:
        value = fn()
        return value, None, time.monotonic() - t0
    except UserError as exc:
        return None, exc, time.monotonic() - t0


def run_arch(target, session, entries, progress, shared: bool) -> ArchResult:
    res = ArchResult(target.machine, target.machine_arch)
    if isinstance(session, UserError):
        res.base = StepResult(FAIL, session.render())
        for e in entries:
            res.components[e.name] = ComponentResult(e.name, e.lib, StepResult(SKIP, "no session"))
        progress.done(target.machine_arch, "base", "build", res.base)
        return res
    res.toolchain, res.outdir = session.toolchain.name, session.outdir
    planned = {}

    def keep(plan):
        for lib in plan.libraries:
            planned[lib.lib] = lib

    # 1. the base, once
    base = [b for b in (session.find_base(n) for n in BASE) if b is not None]
    progress.start(target.machine_arch, "base", "build")
    plan, exc, secs = _timed(lambda: session.build(base, shared=shared, progress=progress))
    res.base = StepResult(PASS, f"{len(base)} libraries: " + " ".join(b.lib for b in base), secs) if exc is None \
        else StepResult(FAIL, exc.message, secs)
    res.base_libs = [b.lib for b in base]
    if plan is not None:
        keep(plan)
    progress.done(target.machine_arch, "base", "build", res.base)

    # 2. each component on its own
    for e in entries:
        progress.start(target.machine_arch, e.name, "build")
        plan, exc, secs = _timed(lambda: session.build([e], shared=shared, progress=progress))
        step = StepResult(PASS, f"lib{e.lib}.a", secs) if exc is None else StepResult(FAIL, exc.message, secs)
        res.components[e.name] = ComponentResult(e.name, e.lib, step)
        if plan is not None:
            keep(plan)
        progress.done(target.machine_arch, e.name, "build", step)

    # 3. smoke tests
    from rumpbuild.smoke.runner import run_smoke

    for e in entries:
        cr = res.components[e.name]
        progress.start(target.machine_arch, e.name, "smoke")
        reason = None
        if cr.build.status != PASS:
            reason = "the component did not build"
        elif res.base.status != PASS:
            reason = "the rump kernel base did not build"
        else:
            reason = smoke_skip_reason(session, e)
        if reason:
            cr.smoke = StepResult(SKIP, reason)
        else:
            sm, exc, secs = _timed(lambda: run_smoke(session, e, None, None))
            if exc is not None:
                cr.smoke = StepResult(FAIL, exc.message, secs)
            else:
                cr.smoke_steps = sm.steps
                failed = [s for s in sm.steps if s.status == FAIL]
                cr.smoke = StepResult(PASS if sm.ok else FAIL,
                                      "; ".join(f"{s.name}{'[' + s.variant + ']' if s.variant else ''}: {s.detail}"
                                                for s in failed) or f"{len(sm.steps)} steps", secs)
        progress.done(target.machine_arch, e.name, "smoke", cr.smoke)

    # 4. what goes into dist: the base and every built library of the components' link closures
    names = set(res.base_libs)
    for e in entries:
        if res.components[e.name].build.status == PASS:
            try:
                names.update(c.lib for c in session.closure(e) if c.lib)
            except UserError:
                names.add(e.lib)
    for e in session.scan().entries:
        if e.lib in names and e.lib not in planned and not e.error:
            try:
                keep(session.plan([e]))
            except UserError:
                pass
    res.libraries = [planned[n] for n in sorted(planned) if n in names]
    for e in entries:  # compile commands of every attempted library, failed ones included
        if e.lib not in planned:
            try:
                keep(session.plan([e]))
            except UserError:
                pass
    from rumpbuild.model.plan import BuildPlan

    res.compile_commands = BuildPlan(session.target, session.toolchain, session.outdir,
                                     list(planned.values())).compile_commands()
    return res
