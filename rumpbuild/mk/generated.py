"""Sources a build generates, from the rules of the tree's own Makefiles.

`vers.c` (Makefile.rumpkern runs newvers.sh), the syscall tables of
libsys_* (Makefile.sys runs makesyscalls.sh) and the like are targets of
rules the evaluator recorded; their recipes are expanded as make would
(`.TARGET`, `.ALLSRC`, `.OBJDIR`) and run by /bin/sh in the object folder.
A target without a recipe is made as a side effect of its sources' recipes
(`${SYS_P}ent.c: ${SYS_P}callargs.h`).  `ioconf.c` comes from config(1)'s
reimplementation or build (rumpbuild.ioconf), not from a rule.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rumpbuild.errors import UserError

IOCONF_OUTPUTS = ("ioconf.c", "ioconf.h", "locators.h")


@dataclass
class GenStep:
    targets: list[str]  # file names in the object folder
    commands: list[str]  # shell lines; empty for the ioconf step
    deps: list[str]  # files the step reads (absolute paths)
    ioconf: str | None = None  # the .ioconf file, for the ioconf step
    extra: dict = field(default_factory=dict)


def _strip_prefix(line: str) -> str:
    line = line.strip()
    while line[:1] in ("@", "-", "+"):
        line = line[1:].lstrip()
    return line


def _step_for(ev, name: str, makefile: str, seen=()) -> GenStep:
    rule = ev.rules.get(name)
    if rule is None:
        raise UserError(f"{makefile}: source '{name}' does not exist and no rule makes it",
                        ["check the tree is complete; `rumpbuild scan -v` shows where sources were looked for"])
    srcs, recipe = rule
    if not recipe:
        for s in srcs:
            if s in ev.rules and s not in seen:
                step = _step_for(ev, s, makefile, seen + (name,))
                if name not in step.targets:
                    step.targets.append(name)
                return step
        raise UserError(f"{makefile}: no recipe makes '{name}'")
    locals_ = {".TARGET": name, "@": name, ".ALLSRC": " ".join(srcs), ">": " ".join(srcs),
               ".IMPSRC": srcs[0] if srcs else "", "<": srcs[0] if srcs else ""}
    commands = [_strip_prefix(ev.expand(line, locals_)) for line in recipe]
    deps = [s for s in srcs if os.path.isabs(s) and os.path.exists(s)]
    return GenStep([name], [c for c in commands if c and c != ":"], deps)


def generation_steps(ev, entry) -> list[GenStep]:
    """The steps that make *entry*'s generated sources (its Makefile evaluated by *ev*), merged per recipe."""
    steps: list[GenStep] = []
    for s in entry.sources:
        if s.status != "generated":
            continue
        if s.name in IOCONF_OUTPUTS:
            if not entry.ioconf:
                raise UserError(f"{entry.makefile}: lists {s.name} but sets no IOCONF")
            if not any(st.ioconf for st in steps):
                iodir = ev.value("IOCONFDIR") or os.path.dirname(entry.makefile)
                path = os.path.join(iodir, entry.ioconf)
                steps.append(GenStep(list(IOCONF_OUTPUTS), [], [path], ioconf=path))
            continue
        step = _step_for(ev, s.name, entry.makefile)
        for existing in steps:
            if existing.commands == step.commands:
                for t in step.targets:
                    if t not in existing.targets:
                        existing.targets.append(t)
                break
        else:
            steps.append(step)
    if entry.ioconf and not any(st.ioconf for st in steps):
        iodir = ev.value("IOCONFDIR") or os.path.dirname(entry.makefile)
        path = os.path.join(iodir, entry.ioconf)
        steps.append(GenStep(list(IOCONF_OUTPUTS), [], [path], ioconf=path))
    return steps
