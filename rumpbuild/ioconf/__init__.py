"""config(1) outputs for ``IOCONF=`` components: ioconf.c, ioconf.h, locators.h.

bsd.ioconf.mk runs ``${TOOL_CONFIG} -b ${.OBJDIR} -s ${S} <dir>/<X>.ioconf``.
:func:`generate_ioconf` does the same with the config(1) of the tree being
built (see :mod:`rumpbuild.ioconf.hosttool`: compiled once from
``usr.bin/config`` into rumpbuild's cache), so the files are byte for byte
what NetBSD's nbconfig writes for the same arguments.

Output files are replaced atomically and only when their content changed,
so timestamps (and SCons/make rebuilds) follow real changes only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from rumpbuild.errors import UserError
from rumpbuild.fsutil import write_atomic
from rumpbuild.ioconf.hosttool import (
    ConfigBuildError,
    ConfigSources,
    HostTools,
    build_config,
    config_tool,
    find_config_sources,
    find_host_tools,
)

OUTPUT_NAMES = ("ioconf.c", "ioconf.h", "locators.h")

__all__ = [
    "OUTPUT_NAMES",
    "ConfigBuildError",
    "ConfigSources",
    "HostTools",
    "IoconfError",
    "build_config",
    "config_tool",
    "find_config_sources",
    "find_host_tools",
    "generate_ioconf",
    "ioconf_inputs",
]


_INCLUDE = re.compile(r'^\s*c?include\s+"?([^"\s]+)"?')


def ioconf_inputs(sys_dir: Path, ioconf_file: Path) -> list[Path]:
    """The .ioconf file and every existing file its ``include``/``cinclude``
    lines reach (relative to *sys_dir*, ``./`` relative to the including
    file), in discovery order: dependencies for re-running config(1).

    Conditionals (``ifdef``) and ``prefix`` are ignored, so this is a
    superset of what config(1) reads, which is what a dependency list needs.
    """
    sys_dir = Path(os.path.abspath(sys_dir))
    seen: dict[Path, None] = {}
    todo = [Path(os.path.abspath(ioconf_file))]
    while todo:
        path = todo.pop(0)
        if path in seen or not path.is_file():
            continue
        seen[path] = None
        for line in path.read_text(errors="replace").splitlines():
            m = _INCLUDE.match(line.split("#", 1)[0])
            if not m:
                continue
            name = m.group(1)
            if name.startswith("/"):
                todo.append(Path(name))
            elif name.startswith("./"):
                todo.append(path.parent / name[2:])
            else:
                todo.append(sys_dir / name)
    return list(seen)


class IoconfError(UserError):
    """config(1) rejected an .ioconf file (or the files it includes)."""


def generate_ioconf(sys_dir: Path, ioconf_file: Path, out_dir: Path, *, config: Path | None = None) -> list[Path]:
    """Write ioconf.c, ioconf.h and locators.h for *ioconf_file* into *out_dir*.

    *sys_dir* is the tree's ``sys`` (config's ``-s``); config(1) is built from
    ``<sys_dir>/../usr.bin/config`` unless *config* (or RUMPBUILD_CONFIG)
    names a binary.  Returns the three paths in OUTPUT_NAMES order.
    """
    sys_dir = Path(os.path.abspath(sys_dir))
    ioconf_file = Path(os.path.abspath(ioconf_file))
    out_dir = Path(out_dir)
    if not (sys_dir / "conf" / "files").is_file():
        raise UserError(f"{sys_dir} is not a NetBSD sys folder (no conf/files)",
                        ["pass the tree's sys folder, e.g. <src>/sys"])
    if not ioconf_file.is_file():
        raise UserError(f"{ioconf_file}: no such .ioconf file",
                        ["check the component's IOCONF= line and its folder"])
    tool = Path(config) if config is not None else config_tool(sys_dir.parent)

    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out_dir, prefix=".ioconf-"))
    try:
        argv = [str(tool), "-b", str(work), "-s", str(sys_dir), str(ioconf_file)]
        try:
            proc = subprocess.run(argv, cwd=work, capture_output=True, text=True)
        except OSError as e:
            raise UserError(f"cannot run config(1) {tool}: {e}",
                            ["unset RUMPBUILD_CONFIG, or delete the cached build so it is rebuilt"]) from None
        if proc.returncode != 0:
            msg = (proc.stderr + proc.stdout).strip()
            raise IoconfError(
                f"config(1) failed (status {proc.returncode}) for {ioconf_file}:\n"
                + "\n".join("    " + line for line in msg.splitlines()[-20:]),
                ["the message names the file and line config(1) rejected",
                 "check that the .ioconf belongs to this tree's sys folder"],
            )
        missing = [n for n in OUTPUT_NAMES if not (work / n).is_file()]
        if missing:
            raise IoconfError(f"config(1) {tool} wrote no {', '.join(missing)} for {ioconf_file}",
                              ["is the file an ioconf-only config (first line `ioconf NAME`)?"])
        outputs = []
        for name in OUTPUT_NAMES:
            dest = out_dir / name
            write_atomic(dest, (work / name).read_bytes())
            outputs.append(dest)
        return outputs
    finally:
        shutil.rmtree(work, ignore_errors=True)
