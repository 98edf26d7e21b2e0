"""Run the model's programs, kernel modules and extra objects (rumpbuild.model.targets).

:func:`run_targets` is the one way they are built.  By default in this
process: every object once (in parallel, at most *jobs*), through
steps.compile.compile_object, then every link through steps.link.link.
With ``backend="ninja"`` the same targets become a build.ninja in *builddir*
(rumpbuild.backends.ninja.render_targets) that ninja runs.

Results are per output path (a Ran).  ``check=True`` turns the first failure
into a UserError naming the target's *what* with its hints; ``check=False``
leaves the decision to the caller (the smoke test reports a failed link as a
FAIL step).  A program whose object failed is not linked: its Ran is the
object's.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from rumpbuild.errors import UserError
from rumpbuild.steps.tools import Ran

DEFAULT = "scons"  # the default backend: its SCons engine builds libraries; targets run here, in-process


def _objects(plans) -> list:
    """The ObjectTargets of *plans* (ObjectTargets and ProgramPlans), each output once, in order."""
    from rumpbuild.model.targets import ObjectTarget

    seen: dict[str, object] = {}
    for p in plans:
        for o in ([p] if isinstance(p, ObjectTarget) else p.objects):
            seen.setdefault(o.out, o)
    return list(seen.values())


def _programs(plans) -> list:
    from rumpbuild.model.targets import ProgramPlan

    return [p for p in plans if isinstance(p, ProgramPlan)]


def link_command(plan, out: str | None = None) -> list[str]:
    """The command that links the ProgramPlan *plan* (writing *out*, default plan.out): what ninja
    shows and what `kmod convert` prints for a program of the user's."""
    from rumpbuild.steps.link import link_argv

    return link_argv(plan.cc, out or plan.out, plan.link_inputs(), kind=plan.kind, soname=plan.soname,
                     whole_archives=plan.whole_archives, flags=plan.flags, libs=plan.libs)


def run_targets(plans, *, arch=None, jobs: int | None = None, backend: str = DEFAULT,
                builddir: str | None = None, verbose: bool = False, check: bool = True) -> dict[str, Ran]:
    """Build *plans* (ObjectTargets and ProgramPlans); {output path: Ran} for every object and link.

    *arch*: the rumpbuild.arch.Target renamed objects are for.  *backend*: the
    default runs here; "ninja" writes *builddir*/build.ninja and runs ninja.
    """
    plans = list(plans)
    if not plans:
        return {}
    if backend == "ninja":
        from rumpbuild.backends.ninja import build_targets

        results = build_targets(plans, builddir or os.path.dirname(plans[0].out), arch=arch, jobs=jobs,
                                verbose=verbose)
    else:
        results = _run_here(plans, arch, jobs, verbose)
    if check:
        raise_failure(plans, results)
    return results


def _run_here(plans, arch, jobs, verbose) -> dict[str, Ran]:
    from rumpbuild.steps.compile import compile_object
    from rumpbuild.steps.link import link

    def compile_one(o):
        if verbose:
            print(" ".join(o.argv))
        os.makedirs(os.path.dirname(o.out), exist_ok=True)
        return compile_object(o.argv, o.cwd, o.out, depfile=False, rename=o.rename, target=arch)

    objects = _objects(plans)
    results: dict[str, Ran] = {}
    if objects:
        with ThreadPoolExecutor(max_workers=max(1, min(len(objects), jobs or os.cpu_count() or 2))) as pool:
            results.update(zip((o.out for o in objects), pool.map(compile_one, objects)))
    for p in _programs(plans):
        failed = next((results[o.out] for o in p.objects if not results[o.out].ok), None)
        if failed is not None:
            results[p.out] = failed
            continue
        os.makedirs(os.path.dirname(p.out), exist_ok=True)
        results[p.out] = link(list(p.cc), p.out, p.link_inputs(), kind=p.kind, soname=p.soname,
                              whole_archives=list(p.whole_archives), flags=list(p.flags), libs=list(p.libs))
        if verbose:
            print(" ".join(results[p.out].argv))
    return results


def failed_object(plan, results: dict[str, Ran]):
    """The ObjectTarget of *plan* (a ProgramPlan) that failed to compile, or None."""
    return next((o for o in plan.objects if o.out in results and not results[o.out].ok), None)


def raise_failure(plans, results: dict[str, Ran]) -> None:
    """UserError for the first failed target of *plans*: its *what*, the tool's output, its hints."""
    for o in _objects(plans):
        ran = results.get(o.out)
        if ran is not None and not ran.ok:
            raise UserError(f"compiling {o.what or os.path.basename(o.source)} failed:\n"
                            f"{ran.output.strip()[-2500:]}",
                            list(o.hints) + [f"the command was: {' '.join(ran.argv)}"])
    for p in _programs(plans):
        ran = results.get(p.out)
        if ran is not None and not ran.ok:
            raise UserError(f"linking {p.what or os.path.basename(p.out)} failed:\n{ran.output.strip()[-2500:]}",
                            list(p.hints) + [f"the command was: {' '.join(ran.argv)}"])


def run_in_session(session, plans, *, builddir: str | None = None, check: bool = True) -> dict[str, Ran]:
    """run_targets with the session's target, jobs, backend (--backend) and verbosity."""
    return run_targets(plans, arch=session.target, jobs=session.jobs, backend=session.backend,
                       builddir=builddir, verbose=bool(getattr(session, "verbose", False)), check=check)
