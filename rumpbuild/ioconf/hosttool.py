"""Build the source tree's own config(1) as a host tool, once per source version.

NetBSD's build runs ``${TOOL_CONFIG}`` (nbconfig, built from ``usr.bin/config``
by ``build.sh tools``) for every ``IOCONF=`` component.  rumpbuild does the
same with the config(1) of the tree being built, so the generated tables
always match that tree's grammar and ``struct cfdata``:

1. :func:`find_config_sources` reads ``usr.bin/config/Makefile`` for ``SRCS``,
   ``.PATH:`` and ``CPPFLAGS`` ``-I`` folders (``crc.c`` comes from
   ``usr.bin/cksum``); without a usable Makefile it takes every ``.c``, ``.y``
   and ``.l`` in the folder.
2. :func:`config_tool` hashes those sources, rumpbuild's compat files (the
   ``compat/`` folder: ``nbtool_config.h``, ``util.h``, ``vis.h``,
   ``rumpbuild_compat.c``), the host tools and the recipe, and returns the
   cached ``<cache>/config/<hash>/config`` or builds it: yacc (byacc preferred,
   as NetBSD's own nbyacc is a byacc), lex, then the host C compiler with
   ``-DHAVE_NBTOOL_CONFIG_H=1 -DMAKE_BOOTSTRAP -include nbtool_config.h``,
   like ``tools/config``.  A finished binary is moved into place atomically,
   so concurrent builds at worst repeat each other's work.

``RUMPBUILD_CONFIG=/path/to/config`` skips all of this and uses that binary
(for example buildrump.sh's ``tooldir/bin/nbconfig``).  Host tools can be
chosen with ``HOST_CC``, ``HOST_YACC`` and ``HOST_LEX``; the binary is cached in
rumpbuild's cache folder (:func:`rumpbuild.cache.cache_dir`).  Every failure is a :class:`UserError` that says what
to install or set.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rumpbuild.cache import cache_dir
from rumpbuild.errors import UserError

COMPAT_DIR = Path(__file__).resolve().parent / "compat"
COMPAT_FILES = ("nbtool_config.h", "util.h", "vis.h", "rumpbuild_compat.c")

# Bump when the recipe below changes in a way the hash cannot see.
RECIPE_VERSION = 1

# Flags for every C file, after HOST_CFLAGS.  -fcommon: config(1) defines
# globals in defs.h without `extern` (gcc >= 10 defaults to -fno-common);
# -fpermissive -std=gnu99: old sources with implicit declarations still
# compile under gcc >= 14 and C23 defaults; -w: it is not our code to lint.
BASE_CFLAGS = ("-O1", "-std=gnu99", "-w", "-fcommon", "-fpermissive")
DEFINES = ("-DHAVE_NBTOOL_CONFIG_H=1", "-DMAKE_BOOTSTRAP")

DEBIAN_PACKAGES = {"cc": "gcc", "yacc": "byacc", "lex": "flex"}

# Searched in order when HOST_YACC / HOST_LEX / HOST_CC are unset.  byacc
# first: the 2015/2016 gram.y calls static functions defined in its trailer
# before their definition, which byacc's layout allows and bison's does not.
YACC_CANDIDATES = (("byacc",), ("yacc",), ("bison", "-y"))
LEX_CANDIDATES = (("flex",), ("lex",))
CC_CANDIDATES = (("cc",), ("gcc",), ("clang",))

FALLBACK_SRCS = ("*.c", "*.y", "*.l")


class ConfigBuildError(UserError):
    """config(1) could not be built from the tree's sources."""


@dataclass(frozen=True)
class ConfigSources:
    """What to compile: the tree's ``usr.bin/config`` and its extra files."""

    src_dir: Path
    sources: tuple[Path, ...]  # .c, .y and .l files, in SRCS order
    include_dirs: tuple[Path, ...]  # besides src_dir and the build folder

    @property
    def yacc_sources(self) -> list[Path]:
        return [p for p in self.sources if p.suffix == ".y"]

    @property
    def lex_sources(self) -> list[Path]:
        return [p for p in self.sources if p.suffix == ".l"]


@dataclass(frozen=True)
class HostTools:
    """Host programs used to build config(1); argv prefixes."""

    cc: tuple[str, ...]
    yacc: tuple[str, ...] | None
    lex: tuple[str, ...] | None
    cflags: tuple[str, ...] = ()

    @property
    def yacc_is_byacc(self) -> bool:
        return bool(self.yacc) and os.path.basename(self.yacc[0]) == "byacc"


# --------------------------------------------------------------------------
# Sources


def _logical_lines(text: str):
    """Makefile lines with backslash continuations joined and comments cut."""
    buf = ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            buf += raw[:-1] + " "
            continue
        line = buf + raw
        buf = ""
        line = line.split("#", 1)[0]
        if line.strip():
            yield line
    if buf.strip():
        yield buf


_ASSIGN = re.compile(r"^\s*(SRCS|CPPFLAGS)\s*(\+?=)\s*(.*)$")
_PATH = re.compile(r"^\s*\.PATH(?:\.[a-z]+)?\s*:\s*(.*)$")
_VAR = re.compile(r"\$\{([^}]+)\}")


def find_config_sources(netbsd_src: Path) -> ConfigSources:
    """The config(1) sources of the tree rooted at *netbsd_src*."""
    netbsd_src = Path(netbsd_src)
    src_dir = netbsd_src / "usr.bin" / "config"
    if not src_dir.is_dir():
        raise ConfigBuildError(
            f"{src_dir} does not exist: this tree has no config(1) sources to build ioconf.c from",
            ["use a complete NetBSD source tree (usr.bin/config is part of src)",
             "or set RUMPBUILD_CONFIG to a NetBSD config(1) binary, e.g. buildrump.sh's tooldir/bin/nbconfig"],
        )
    variables = {"NETBSDSRCDIR": str(netbsd_src), ".CURDIR": str(src_dir)}

    def expand(word: str, mk: Path, lineno_text: str) -> str:
        def sub(m):
            name = m.group(1)
            if name not in variables:
                raise ConfigBuildError(
                    f"{mk}: cannot resolve ${{{name}}} in `{lineno_text.strip()}`",
                    ["report this Makefile to rumpbuild, or set RUMPBUILD_CONFIG to a built config(1)"],
                )
            return variables[name]
        return _VAR.sub(sub, word)

    srcs: list[str] = []
    path_dirs: list[Path] = []
    incs: list[Path] = []
    mk = src_dir / "Makefile"
    if mk.is_file():
        for line in _logical_lines(mk.read_text(errors="replace")):
            m = _PATH.match(line)
            if m:
                path_dirs += [Path(expand(w, mk, line)) for w in m.group(1).split()]
                continue
            m = _ASSIGN.match(line)
            if not m:
                continue
            var, op, value = m.groups()
            words = [expand(w, mk, line) for w in value.split()]
            if var == "SRCS":
                srcs = (srcs if op == "+=" else []) + words
            else:
                for w in words:
                    if w.startswith("-I") and len(w) > 2 and w != "-I.":
                        incs.append(Path(w[2:]))
    if srcs:
        sources = []
        for name in srcs:
            for d in (src_dir, *path_dirs):
                if (d / name).is_file():
                    sources.append(d / name)
                    break
            else:
                raise ConfigBuildError(
                    f"{mk}: source {name} of config(1) not found in {src_dir} or its .PATH",
                    ["check that the tree is complete (usr.bin/config and usr.bin/cksum)"],
                )
    else:
        sources = sorted(p for pat in FALLBACK_SRCS for p in src_dir.glob(pat))
    if not any(p.suffix == ".c" for p in sources):
        raise ConfigBuildError(f"{src_dir} holds no C sources of config(1)")
    extra = tuple(dict.fromkeys(d for d in (*incs, *path_dirs) if d != src_dir and d.is_dir()))
    return ConfigSources(src_dir=src_dir, sources=tuple(sources), include_dirs=extra)


# --------------------------------------------------------------------------
# Host tools


def _from_env_or_search(var: str, candidates, env) -> tuple[str, ...] | None:
    value = env.get(var, "").strip()
    path = env.get("PATH", os.defpath)
    if value:
        argv = tuple(shlex.split(value))
        found = shutil.which(argv[0], path=path)
        if not found:
            raise ConfigBuildError(f"{var}={value}: {argv[0]} not found on PATH",
                                   [f"unset {var} or point it at an installed program"])
        return (found, *argv[1:])
    for argv in candidates:
        found = shutil.which(argv[0], path=path)
        if found:
            return (found, *argv[1:])
    return None


def find_host_tools(need_yacc: bool = True, need_lex: bool = True, env=None) -> HostTools:
    """The host C compiler, yacc and lex, or a UserError naming the package."""
    env = os.environ if env is None else env
    cc = _from_env_or_search("HOST_CC", CC_CANDIDATES, env)
    yacc = _from_env_or_search("HOST_YACC", YACC_CANDIDATES, env)
    lex = _from_env_or_search("HOST_LEX", LEX_CANDIDATES, env)
    missing = []
    if cc is None:
        missing.append(("a host C compiler (cc, gcc or clang)", "cc"))
    if need_yacc and yacc is None:
        missing.append(("yacc (byacc, yacc or bison)", "yacc"))
    if need_lex and lex is None:
        missing.append(("lex (flex)", "lex"))
    if missing:
        what = ", ".join(m[0] for m in missing)
        pkgs = " ".join(DEBIAN_PACKAGES[m[1]] for m in missing)
        raise ConfigBuildError(
            f"building config(1) for ioconf.c needs {what}, which is not installed",
            [f"Debian/Ubuntu: apt-get install {pkgs}",
             "or name the programs with HOST_CC, HOST_YACC, HOST_LEX",
             "or set RUMPBUILD_CONFIG to a NetBSD config(1) binary, e.g. buildrump.sh's tooldir/bin/nbconfig"],
        )
    cflags = tuple(shlex.split(env.get("HOST_CFLAGS", "")))
    return HostTools(cc=cc, yacc=yacc if need_yacc else None, lex=lex if need_lex else None, cflags=cflags)


def _tool_identity(argv: tuple[str, ...] | None) -> str:
    """Path plus first line of --version: enough to notice a changed tool."""
    if not argv:
        return "-"
    try:
        out = subprocess.run([argv[0], "--version"], capture_output=True, text=True, timeout=30)
        first = (out.stdout or out.stderr).strip().splitlines()[:1]
    except (OSError, subprocess.SubprocessError):
        first = []
    if not first:  # byacc prints its version for -V, not --version
        try:
            out = subprocess.run([argv[0], "-V"], capture_output=True, text=True, timeout=30)
            first = (out.stdout or out.stderr).strip().splitlines()[:1]
        except (OSError, subprocess.SubprocessError):
            first = []
    return " ".join(argv) + " | " + (first[0] if first else "?")


# --------------------------------------------------------------------------
# Cache and build


def source_hash(srcs: ConfigSources, tools: HostTools) -> str:
    """Content hash of everything that goes into the config(1) binary."""
    h = hashlib.sha256()

    def add(tag: str, data: bytes):
        h.update(tag.encode() + b"\0" + len(data).to_bytes(8, "little") + data)

    add("recipe", str(RECIPE_VERSION).encode())
    add("flags", " ".join((*BASE_CFLAGS, *DEFINES, *tools.cflags)).encode())
    for name in COMPAT_FILES:
        add("compat/" + name, (COMPAT_DIR / name).read_bytes())
    for p in srcs.sources:
        add("src/" + p.name, p.read_bytes())
    for d in srcs.include_dirs:
        for hdr in sorted(d.glob("*.h")):
            add("inc/" + d.name + "/" + hdr.name, hdr.read_bytes())
    for hdr in sorted(srcs.src_dir.glob("*.h")):
        add("hdr/" + hdr.name, hdr.read_bytes())
    for what, argv in (("cc", tools.cc), ("yacc", tools.yacc), ("lex", tools.lex)):
        add(what, _tool_identity(argv).encode())
    return h.hexdigest()[:20]


def _run(argv, cwd: Path, log: list[str], stdout=None) -> subprocess.CompletedProcess:
    log.append("$ " + shlex.join(str(a) for a in argv))
    try:
        if stdout is not None:
            proc = subprocess.run([str(a) for a in argv], cwd=cwd, stdout=stdout,
                                  stderr=subprocess.PIPE, text=True)
        else:
            proc = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True)
    except OSError as e:
        raise ConfigBuildError(f"cannot run {argv[0]}: {e}") from None
    for stream in (proc.stdout if stdout is None else "", proc.stderr):
        if stream:
            log.append(stream.rstrip("\n"))
    return proc


def _failure(step: str, proc: subprocess.CompletedProcess, tools: HostTools, build_dir: Path,
             srcs: ConfigSources) -> ConfigBuildError:
    text = ((proc.stdout or "") + (proc.stderr or "")).strip().splitlines()
    tail = "\n".join("    " + t for t in text[-15:])
    hints = []
    undefined = sorted(set(re.findall(r"undefined reference to [`'](\w+)'", "\n".join(text))))
    if undefined:
        hints.append("the tree's config(1) calls host functions rumpbuild's compat shim lacks: "
                     + ", ".join(undefined) + " (report this to rumpbuild with the tree's version)")
    yacc_outputs = {y.stem + ".c" for y in srcs.yacc_sources}
    if step.startswith("compile ") and step[len("compile "):] in yacc_outputs and not tools.yacc_is_byacc:
        hints.append("install byacc (Debian: apt-get install byacc) or set HOST_YACC=byacc: "
                     "bison's parser layout breaks gram.y of 2015-2016 trees")
    hints.append(f"the full log is in {build_dir / 'build.log'}")
    hints.append("or set RUMPBUILD_CONFIG to a NetBSD config(1) binary, e.g. buildrump.sh's tooldir/bin/nbconfig")
    return ConfigBuildError(f"building config(1) from {srcs.src_dir} failed at {step}:\n{tail}", hints)


def build_config(srcs: ConfigSources, tools: HostTools, dest: Path, jobs: int | None = None) -> Path:
    """Compile config(1) from *srcs* into the file *dest* (atomically)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    build_dir = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".build-"))
    log: list[str] = []
    ok = False
    try:
        c_files: list[Path] = []
        for y in srcs.yacc_sources:
            out = build_dir / (y.stem + ".c")
            proc = _run([*tools.yacc, "-d", "-o", out.name, y], build_dir, log)
            if proc.returncode or not out.is_file():
                raise _failure(f"yacc {y.name}", proc, tools, build_dir, srcs)
            c_files.append(out)
        for lx in srcs.lex_sources:
            out = build_dir / (lx.stem + ".c")
            with open(out, "w") as f:
                proc = _run([*tools.lex, "-t", lx], build_dir, log, stdout=f)
            if proc.returncode:
                raise _failure(f"lex {lx.name}", proc, tools, build_dir, srcs)
            c_files.append(out)
        c_files += [p for p in srcs.sources if p.suffix == ".c"]
        c_files.append(COMPAT_DIR / "rumpbuild_compat.c")

        flags = [*tools.cflags, *BASE_CFLAGS, *DEFINES, f"-I{COMPAT_DIR}", "-include", "nbtool_config.h",
                 f"-I{build_dir}", f"-I{srcs.src_dir}", *(f"-I{d}" for d in srcs.include_dirs)]
        objs = []
        names_seen: set[str] = set()
        jobs_list = []
        for c in c_files:
            stem = c.stem
            while stem in names_seen:
                stem += "_"
            names_seen.add(stem)
            obj = build_dir / (stem + ".o")
            objs.append(obj)
            jobs_list.append(([*tools.cc, *flags, "-c", c, "-o", obj], c))
        workers = jobs or min(8, os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda j: (j[1], _run(j[0], build_dir, [])), jobs_list))
        for (argv, _), (c, proc) in zip(jobs_list, results):
            log.append("$ " + shlex.join(str(a) for a in argv))
            if proc.stderr:
                log.append(proc.stderr.rstrip("\n"))
        for c, proc in results:
            if proc.returncode:
                raise _failure(f"compile {c.name}", proc, tools, build_dir, srcs)
        exe = build_dir / "config"
        proc = _run([*tools.cc, *tools.cflags, "-o", exe, *objs], build_dir, log)
        if proc.returncode:
            raise _failure("link", proc, tools, build_dir, srcs)
        os.replace(exe, dest)
        (dest.parent / "build.log").write_text("\n".join(log) + "\n")
        ok = True
        return dest
    finally:
        (build_dir / "build.log").write_text("\n".join(log) + "\n")
        if ok:
            shutil.rmtree(build_dir, ignore_errors=True)


_memo: dict[tuple, Path] = {}


def config_tool(netbsd_src: Path, env=None) -> Path:
    """A config(1) binary for the tree at *netbsd_src*: RUMPBUILD_CONFIG,
    the cached build of the tree's sources, or a fresh build."""
    env = os.environ if env is None else env
    override = env.get("RUMPBUILD_CONFIG", "").strip()
    if override:
        p = Path(override)
        if not (p.is_file() and os.access(p, os.X_OK)):
            raise UserError(f"RUMPBUILD_CONFIG={override} is not an executable file",
                            ["unset RUMPBUILD_CONFIG to build config(1) from the tree"])
        return p
    srcs = find_config_sources(Path(netbsd_src))
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in srcs.sources)
    key = (stamp, cache_dir(env=env), env.get("HOST_CC"), env.get("HOST_YACC"), env.get("HOST_LEX"),
           env.get("HOST_CFLAGS"))
    hit = _memo.get(key)
    if hit is not None and hit.is_file():
        return hit
    tools = find_host_tools(bool(srcs.yacc_sources), bool(srcs.lex_sources), env)
    digest = source_hash(srcs, tools)
    dest = cache_dir("config", digest, "config", env=env)
    if not (dest.is_file() and os.access(dest, os.X_OK)):
        build_config(srcs, tools, dest)
    _memo[key] = dest
    return dest
