"""Backends chosen by name: what turns a BuildPlan into build files (and maybe a build).

Like meson's ``get_backend(name)``: each backend is one module here with

  NAME: str        its name
  CAN_BUILD: bool  whether build() runs the build itself
  write(plan, outdir, *, verbose=False) -> list[str]   the rule files written under outdir
  build(plan, outdir, *, jobs=None, progress=None) -> None
                   (where CAN_BUILD) write, then build; UserError naming what failed

Adding a backend: a module in this package with those names, and one line in BACKENDS.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from rumpbuild.errors import UnknownNameError

# name -> module; imported only when asked for (the SCons engine must not load for `rules --format ninja`)
BACKENDS = {
    "scons": "rumpbuild.backends.scons",  # rumpbuild's own engine (the default)
    "ninja": "rumpbuild.backends.ninja",  # build.ninja; `ninja -C DIR`
    "make": "rumpbuild.backends.make",  # the NetBSD Makefile of a component
    "compdb": "rumpbuild.backends.compdb",  # compile_commands.json
}


def names() -> list[str]:
    return list(BACKENDS)


def get_backend(name: str) -> ModuleType:
    """The backend module called *name*; UnknownNameError lists the others."""
    try:
        module = BACKENDS[name]
    except KeyError:
        raise UnknownNameError("backend", name, names(),
                               [f"the backends are {', '.join(names())}"]) from None
    return importlib.import_module(module)
