"""Compiler launchers (ccache, sccache, distcc) that wrap each compile.

The launcher reaches SCons as the construction variable RUMP_LAUNCHER (a
list), which `backends/scons_tool.py::_compile` puts in front of the compile
argv.  It is not part of the compile action's signature, so switching
launchers rebuilds nothing; compile_commands.json keeps the plain compiler.
"""

from __future__ import annotations

import os
import shlex
import shutil

from rumpbuild.errors import UnknownNameError, UserError

# launcher name -> Debian package providing it
LAUNCHERS = {"ccache": "ccache", "sccache": "sccache", "distcc": "distcc"}
ENV_VAR = "RUMPBUILD_LAUNCHER"


def resolve_launcher(value: str | None) -> list[str]:
    """argv prefix for *value* (a launcher name, or empty/"none" for none); default from RUMPBUILD_LAUNCHER."""
    if value is None:
        value = os.environ.get(ENV_VAR, "")
    words = shlex.split(value)
    if not words or words == ["none"]:
        return []
    name = os.path.basename(words[0])
    if name not in LAUNCHERS:
        raise UnknownNameError("compiler launcher", name, sorted(LAUNCHERS),
                               [f"--launcher takes one of {', '.join(sorted(LAUNCHERS))} (or {ENV_VAR}=…)"])
    path = shutil.which(words[0])
    if path is None:
        raise UserError(f"the compiler launcher '{words[0]}' is not installed",
                        [f"apt-get install {LAUNCHERS[name]}", f"or drop --launcher / unset {ENV_VAR}"])
    return [path] + words[1:]
