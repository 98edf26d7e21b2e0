"""C toolchains that compile rump kernel code for a NetBSD machine.

Three plug-ins, SCons-tool style, one module each (``gcc``, ``clang``,
``zig``), registered in ``TOOLCHAINS`` below: ``exists(target)`` returns
``None`` when the toolchain works for the :class:`~rumpbuild.arch.Target`
(else the reason, one line), ``generate(target)`` returns a
:class:`Toolchain`, ``install_hint(target)`` says how to get it.  Each
plug-in's per-arch facts (targets, flags, known breakage) live in its own
table, ``<name>.toml`` next to it, keyed by MACHINE_ARCH (loader:
:mod:`rumpbuild.toolchain.data`); the arch files hold NetBSD facts only.
Compiler-version quirks come from ``warnings.toml``.  Adding a toolchain means
``<name>.py`` + ``<name>.toml`` and its name in ``TOOLCHAINS``.

"Works" is tested, not guessed: :func:`probe` compiles a tiny C file for the
target and checks with pyelftools that the object's e_machine, ELF class and
endianness are the target's; it also records the compiler's predefined macros
(``cc -dM -E -x c /dev/null``: version, clang or gcc, host-OS macros to
undefine) and, where asked, whether a program links (dynamic and/or fully
static).  Results
are cached per process and on disk (``~/.cache/rumpbuild/toolchains.json``;
``$XDG_CACHE_HOME`` and ``$RUMPBUILD_CACHE_DIR`` move it, see :func:`cache_path`) keyed by the argv and the compiler binary's mtime and
size, so ``rumpbuild doctor`` and builds do not re-probe.

``CC`` and ``AR`` in the environment (split with shlex) override every
choice: the toolchain is then named "custom" and its flavour (gcc or clang)
and version come from its predefined macros.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import hashlib
import importlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from rumpbuild.arch import Target
from rumpbuild.cache import cache_dir
from rumpbuild.errors import UnknownNameError, UserError
from rumpbuild.toolchain.data import entry, qemu_sysroot

TOOLCHAINS = ("gcc", "clang", "zig")   # the plug-in registry, in the order `auto` tries them
AUTO_ORDER = TOOLCHAINS
NAMES = ("auto",) + TOOLCHAINS

# buildrump.sh's RUMPKERN_UNDEF: host-OS macros kernel code must not see.
# Each one the compiler predefines becomes a -U flag (in this order).
HOST_OS_MACROS = (
    "linux", "__linux", "__linux__", "__gnu_linux__", "_BIG_ENDIAN", "_LITTLE_ENDIAN",
    "__FreeBSD__", "__OpenBSD__", "__DragonFly__", "__GNU__", "__sun__", "__sun", "sun",
)
# Also undefined when predefined (Ubuntu-style gcc turns on fortify by default).
FORTIFY_MACROS = ("_FORTIFY_SOURCE",)

WARNINGS_FILE = Path(__file__).resolve().parent / "warnings.toml"

PROBE_VERSION = 3  # bump when the probe's recorded facts change
PROBE_TIMEOUT = 120
LINK_TIMEOUT = 1200  # zig's first static link for a target builds its libc: minutes on a busy machine

_PROBE_SOURCE = """\
int rumpbuild_probe(int x);
int rumpbuild_probe(int x) { return x + 1; }
int main(void) { return rumpbuild_probe(-1); }
"""


# --------------------------------------------------------------------------- model

@dataclass(frozen=True)
class Toolchain:
    """A working C compiler + archiver for one target."""

    name: str                  # "zig" | "gcc" | "clang" | "custom"
    target: Target
    cc: tuple[str, ...]        # argv prefix that compiles/links C for the target (target flags included)
    ar: tuple[str, ...]        # argv prefix for `ar`
    active_cc: str             # bsd.sys.mk's ACTIVE_CC: "gcc" or "clang" (zig is clang)
    version: tuple[int, ...]   # compiler version (zig: its clang's)
    libc: str                  # "glibc" | "musl": what programs and librumpuser link against
    static_ok: bool            # links fully static programs that run with no sysroot
    predefined: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)
    link_problem: str = ""     # why it compiles but cannot link for the target ("" if it can)
    run_problem: str = ""      # why programs it links for the target crash (toolchain data; "" if none known)
    host_triple: str = ""      # GNU triple for configure --host

    @property
    def version_str(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def program_problem(self) -> str:
        """Why test programs made with this toolchain cannot link or run ("" when they can)."""
        return self.link_problem or self.run_problem

    def path_map_flags(self, outdir: str) -> list[str]:
        """Flags that record paths under ``outdir`` as relative ones in objects (debug info, __FILE__),
        so two output folders give byte-identical objects (zig always emits debug info)."""
        out = os.path.abspath(outdir)
        if self.active_cc == "gcc" and self.version and self.version[0] < 8:
            return [f"-fdebug-prefix-map={out}=."]   # -ffile-prefix-map is gcc 8+
        return [f"-ffile-prefix-map={out}=."]

    def extra_cflags(self, source: str | None = None) -> list[str]:
        """Flags warnings.toml adds for this compiler and version (append after the tree's).

        With ``source`` (a file name or path) the rules limited to that file
        (``files = [...]``) count too.
        """
        out: list[str] = []
        for rule in rules_for(self.active_cc, self.version, source=source):
            for f in rule.add:
                if f not in out:
                    out.append(f)
        return out

    def drop_flags(self, flags, source: str | None = None) -> list[str]:
        """``flags`` minus those warnings.toml says this compiler rejects."""
        patterns = [p for rule in rules_for(self.active_cc, self.version, source=source) for p in rule.drop]
        return drop_matching(list(flags), patterns)

    def source_flags(self, flags, source: str) -> list[str]:
        """The compile flags for one kernel source: the table's drops and per-file
        additions (rules with ``files = [...]``) applied, then the plug-in's own
        ``fixup_flags`` hook if it has one (zig's include order)."""
        general = self.extra_cflags()
        out = self.drop_flags(flags, source=source) + [f for f in self.extra_cflags(source) if f not in general]
        if self.name in TOOLCHAINS:
            hook = getattr(plugin(self.name), "fixup_flags", None)
            if hook is not None:
                out = hook(out)
        return out

    def undef_flags(self) -> list[str]:
        """buildrump's host probes: ``-U`` for host-OS macros and _FORTIFY_SOURCE the compiler predefines."""
        macros = self.predefined or _predefined_macros(self.cc)
        return [f"-U{m}" for m in HOST_OS_MACROS + FORTIFY_MACROS if m in macros]

    def run_prefix(self, static: bool = False) -> list[str]:
        """argv prefix that runs a program built for the target on this host.

        ``[]`` when the host runs the target's ELF natively, else
        ``[qemu, "-L", qemu_sysroot]`` (no ``-L`` when ``static``).
        """
        if host_elf() == target_elf(self.target):
            return []
        qemu = shutil.which(self.target.qemu) or self.target.qemu
        sysroot = qemu_sysroot(self.target)
        return [qemu] if static or not sysroot else [qemu, "-L", sysroot]

    def to_dict(self) -> dict:
        return {
            "name": self.name, "arch": self.target.name, "cc": list(self.cc), "ar": list(self.ar),
            "active_cc": self.active_cc, "version": self.version_str, "libc": self.libc,
            "static_ok": self.static_ok, "links": not self.link_problem, "link_problem": self.link_problem,
            "run_problem": self.run_problem,
        }


# --------------------------------------------------------------------------- warnings table

@dataclass(frozen=True)
class WarningRule:
    compiler: str
    min_version: int
    max_version: int | None
    add: tuple[str, ...]
    drop: tuple[str, ...]
    why: str
    files: tuple[str, ...] = ()   # basenames (fnmatch globs); empty = every file


_RULE_KEYS = {"compiler": str, "min_version": int, "max_version": int, "add": list, "drop": list, "why": str,
              "files": list}


def load_warning_rules(path: Path | str = WARNINGS_FILE) -> tuple[WarningRule, ...]:
    """Read and validate a warnings table (``[[rule]]`` tables, see warnings.toml)."""
    path = Path(path)
    hints = [f"compare {path.name} with the format described at its top"]
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the warnings table: {exc}", hints) from None
    extra = set(data) - {"rule"}
    if extra:
        raise UserError(f"{path}: unknown top-level key(s): {', '.join(sorted(extra))}", hints)
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        where = f"{path}: rule[{i}]"
        for key, value in raw.items():
            typ = _RULE_KEYS.get(key)
            if typ is None:
                import difflib
                close = difflib.get_close_matches(key, list(_RULE_KEYS), n=1)
                raise UserError(f"{where}: unknown key '{key}'",
                                ([f"did you mean '{close[0]}'?"] if close else []) + hints)
            if type(value) is not typ or (typ is list and not all(isinstance(x, str) for x in value)):
                raise UserError(f"{where}: '{key}' must be a {typ.__name__}"
                                + (" of strings" if typ is list else ""), hints)
        for key in ("compiler", "min_version"):
            if key not in raw:
                raise UserError(f"{where}: missing required key '{key}'", hints)
        if raw["compiler"] not in ("gcc", "clang"):
            raise UserError(f"{where}: compiler must be \"gcc\" or \"clang\", not {raw['compiler']!r}", hints)
        rules.append(WarningRule(raw["compiler"], raw["min_version"], raw.get("max_version"),
                                 tuple(raw.get("add", ())), tuple(raw.get("drop", ())), raw.get("why", ""),
                                 tuple(raw.get("files", ()))))
    return tuple(rules)


@functools.lru_cache(maxsize=None)
def _default_rules() -> tuple[WarningRule, ...]:
    return load_warning_rules(WARNINGS_FILE)


def rules_for(active_cc: str, version: tuple[int, ...], rules: tuple[WarningRule, ...] | None = None,
              source: str | None = None) -> list[WarningRule]:
    """The rules that apply to ``active_cc`` at ``version`` (major number compared).

    Rules limited to some files apply only when ``source``'s base name matches.
    """
    major = version[0] if version else 0
    base = os.path.basename(source) if source else None
    return [r for r in (_default_rules() if rules is None else rules)
            if r.compiler == active_cc and major >= r.min_version
            and (r.max_version is None or major <= r.max_version)
            and (not r.files or (base is not None and any(fnmatch.fnmatchcase(base, g) for g in r.files)))]


def drop_matching(flags: list[str], patterns) -> list[str]:
    """Remove from ``flags`` every word sequence matching a pattern ("--param ssp-buffer-size=*")."""
    seqs = [p.split() for p in patterns if p.split()]
    out: list[str] = []
    i = 0
    while i < len(flags):
        for seq in seqs:
            n = len(seq)
            if all(i + k < len(flags) and fnmatch.fnmatchcase(flags[i + k], seq[k]) for k in range(n)):
                i += n
                break
        else:
            out.append(flags[i])
            i += 1
    return out


# --------------------------------------------------------------------------- ELF facts

def _elf_facts(path: str | os.PathLike) -> tuple[str, int, str] | None:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    try:
        with open(path, "rb") as f:
            e = ELFFile(f)
            return (e["e_machine"], e.elfclass, "little" if e.little_endian else "big")
    except (OSError, ELFError):
        return None


def target_elf(target: Target) -> tuple[str, int, str]:
    return (target.elf_machine, target.elf_class, target.endian)


@functools.lru_cache(maxsize=None)
def host_elf() -> tuple[str, int, str] | None:
    """(e_machine, class, endianness) of the Python interpreter running us: the host's native ELF."""
    for exe in (sys.executable, "/proc/self/exe", "/bin/sh"):
        facts = _elf_facts(os.path.realpath(exe))
        if facts:
            return facts
    return None


def describe_elf(facts) -> str:
    m, c, e = facts
    return f"{m} ELF{c} {e}-endian"


# --------------------------------------------------------------------------- probing + cache

def cache_path() -> Path:
    """``toolchains.json`` in rumpbuild's cache folder (:func:`rumpbuild.cache.cache_dir`)."""
    return cache_dir("toolchains.json")


_lock = threading.Lock()
_mem: dict[str, dict] = {}
_key_locks: dict[str, threading.Lock] = {}


def _disk_load(path: Path) -> dict:
    try:
        with open(path) as f:
            data = json.load(f)
        return data if isinstance(data, dict) and data.get("version") == PROBE_VERSION else {}
    except (OSError, ValueError):
        return {}


def _disk_store(key: str, value: dict) -> None:
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            data = _disk_load(path) or {"version": PROBE_VERSION, "probes": {}}
            data.setdefault("probes", {})[key] = value
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".toolchains.", suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(data, f, indent=1, sort_keys=True)
            os.replace(tmp, path)
    except OSError:
        pass  # a read-only home is no reason to fail; we just re-probe next time


def _stamp(exe: str) -> list:
    st = os.stat(exe)
    return [exe, st.st_mtime_ns, st.st_size]


def resolve_exe(argv0: str) -> str | None:
    """Absolute path of argv[0] (PATH lookup), or None when it is not an executable."""
    if os.sep in argv0:
        return argv0 if os.path.isfile(argv0) and os.access(argv0, os.X_OK) else None
    return shutil.which(argv0)


def _first_lines(text: str, n: int = 2) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines[:n])[:300] or "no output"


def probe(cc: tuple[str, ...], target: Target, *, links: tuple[str, ...] = (), cached_only: bool = False) -> dict:
    """Test ``cc`` for ``target``; returns a dict (cached in memory and on disk).

    Keys: ``ok`` (bool: it compiles for the target), ``reason`` (str, when
    not ok), ``macros`` (predefined macros, name → value), ``dumpmachine``,
    and for each of ``links`` ("dynamic", "static") that was tried:
    ``dynamic_ok``/``static_ok`` (the tiny program linked into a program of
    the target's ELF) and ``link_error`` (the linker's first lines when none
    of them linked).  With ``cached_only``, an earlier result or ``{}``: no
    compiler runs (builds read what `rumpbuild doctor` proved this way).
    """
    cc = tuple(cc)
    exe = resolve_exe(cc[0]) if cc else None
    if exe is None:
        return {"ok": False, "reason": f"'{cc[0] if cc else ''}' not found (no such executable in PATH)",
                "macros": {}, "static_ok": False}
    links = tuple(links)
    key_data = [PROBE_VERSION, list(cc), _stamp(exe), list(target_elf(target)), list(links)]
    key = hashlib.sha256(json.dumps(key_data).encode()).hexdigest()[:32]
    with _lock:
        if key in _mem:
            return _mem[key]
        klock = _key_locks.setdefault(key, threading.Lock())
    if cached_only:
        disk = _disk_load(cache_path()).get("probes", {}).get(key)
        return disk if disk is not None and disk.get("argv") == list(cc) else {}
    with klock:
        with _lock:
            if key in _mem:
                return _mem[key]
        disk = _disk_load(cache_path()).get("probes", {}).get(key)
        if disk is not None and disk.get("argv") == list(cc):
            result = disk
        else:
            result = _run_probe(cc, target, links)
            result["argv"] = list(cc)
            if not result.get("link_unknown"):   # a timeout proves nothing: try again next time
                _disk_store(key, result)
        with _lock:
            _mem[key] = result
        return result


def _run(argv, cwd, timeout: int = PROBE_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _run_probe(cc: tuple[str, ...], target: Target, links: tuple[str, ...]) -> dict:
    res: dict = {"ok": False, "reason": None, "macros": {}, "static_ok": False, "dumpmachine": ""}
    with tempfile.TemporaryDirectory(prefix="rumpbuild-probe-") as tmp:
        src = Path(tmp) / "probe.c"
        src.write_text(_PROBE_SOURCE)
        try:
            p = _run(list(cc) + ["-c", "probe.c", "-o", "probe.o"], tmp)
        except OSError as exc:
            res["reason"] = f"cannot run {cc[0]}: {exc.strerror}"
            return res
        except subprocess.TimeoutExpired:
            res["reason"] = f"compiling a test file took more than {PROBE_TIMEOUT} s"
            return res
        if p.returncode != 0 or not (Path(tmp) / "probe.o").is_file():
            res["reason"] = f"compiling a test file failed: {_first_lines(p.stderr or p.stdout)}"
            return res
        facts = _elf_facts(Path(tmp) / "probe.o")
        if facts is None:
            res["reason"] = "the compiler's object file is not ELF"
            return res
        want = target_elf(target)
        if facts != want:
            res["reason"] = (f"makes {describe_elf(facts)} objects, {target.name} needs {describe_elf(want)} "
                             f"(wrong target triple or flags?)")
            return res
        res["ok"] = True
        try:
            p = _run(list(cc) + ["-dM", "-E", "-x", "c", os.devnull], tmp)
            res["macros"] = _parse_macros(p.stdout) if p.returncode == 0 else {}
            p = _run(list(cc) + ["-dumpmachine"], tmp)
            res["dumpmachine"] = p.stdout.strip() if p.returncode == 0 else ""
        except (OSError, subprocess.TimeoutExpired):
            pass
        errors = []
        for mode in links:
            exe = Path(tmp) / f"probe-{mode}"
            try:
                p = _run(list(cc) + (["-static"] if mode == "static" else []) + ["probe.c", "-o", exe.name], tmp,
                         LINK_TIMEOUT)
            except subprocess.TimeoutExpired:
                res[f"{mode}_ok"] = False
                res["link_unknown"] = f"{mode} link: took more than {LINK_TIMEOUT} s (not cached; run again)"
                continue
            except OSError as exc:
                res[f"{mode}_ok"] = False
                errors.append(f"{mode} link: {exc.strerror}")
                continue
            res[f"{mode}_ok"] = p.returncode == 0 and _elf_facts(exe) == want
            if not res[f"{mode}_ok"]:
                errors.append(f"{mode} link: " + (_first_lines(p.stderr or p.stdout) if p.returncode
                                                  else "the program is not the target's ELF"))
        if any(res.get(f"{m}_ok") for m in links):
            res.pop("link_unknown", None)   # one way of linking works: that is proof enough
        elif errors:
            res["link_error"] = "; ".join(errors)
    return res


def _parse_macros(text: str) -> dict[str, str]:
    macros = {}
    for line in text.splitlines():
        if line.startswith("#define "):
            name, _, value = line[8:].partition(" ")
            macros[name] = value
    return macros


@functools.lru_cache(maxsize=None)
def _predefined_macros(cc: tuple[str, ...]) -> dict[str, str]:
    try:
        p = subprocess.run(list(cc) + ["-dM", "-E", "-x", "c", os.devnull], capture_output=True, text=True,
                           timeout=PROBE_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return _parse_macros(p.stdout) if p.returncode == 0 else {}


def flavour(macros: Mapping[str, str]) -> tuple[str, tuple[int, ...]]:
    """("clang" | "gcc", version) from predefined macros."""
    def num(name):
        try:
            return int(macros.get(name, "0"))
        except ValueError:
            return 0
    if "__clang__" in macros:
        return "clang", (num("__clang_major__"), num("__clang_minor__"), num("__clang_patchlevel__"))
    return "gcc", (num("__GNUC__"), num("__GNUC_MINOR__"), num("__GNUC_PATCHLEVEL__"))


def make_toolchain(name: str, target: Target, cc, ar, result: dict, *, libc: str,
                   static_ok: bool | None = None, link_problem: str = "") -> Toolchain:
    """A Toolchain from a successful probe result (plug-ins call this from generate()).

    The plug-in's table adds what is known to be broken for the arch
    (``cannot_link``, ``crashes``); a link the probe tried and that failed is a
    link problem too.
    """
    active_cc, version = flavour(result.get("macros", {}))
    e = (entry(name, target) if name in TOOLCHAINS else None) or {}
    link_problem = link_problem or e.get("cannot_link", "")
    if not link_problem and result.get("link_error"):
        link_problem = f"a test program does not link ({result['link_error']})"
    gcc = entry("gcc", target)
    return Toolchain(
        name=name, target=target, cc=tuple(cc), ar=tuple(ar), active_cc=active_cc, version=version,
        libc=libc, static_ok=result.get("static_ok", False) if static_ok is None else static_ok,
        predefined=dict(result.get("macros", {})), link_problem=link_problem,
        run_problem=e.get("crashes", ""),
        host_triple=gcc["triple"] if gcc else result.get("dumpmachine", ""),
    )


def prove_link(tc: Toolchain) -> tuple[bool | None, str]:
    """Link the tiny program as ``tc`` links programs for its target: (True, "") when it links,
    (False, why) when it does not, (None, why) when that is unknown (the link timed out).

    Cached on disk like every probe (keyed by the compiler binary and its
    mtime); zig's first link for a target builds its libc, which takes minutes.
    """
    modes = plugin(tc.name).links(tc.target) if tc.name in TOOLCHAINS else ("dynamic", "static")
    result = probe(tc.cc, tc.target, links=modes)
    if not result["ok"]:
        return False, result["reason"]
    if result.get("link_error"):
        return False, result["link_error"]
    if any(result.get(f"{m}_ok") for m in modes):
        return True, ""
    return None, result.get("link_unknown", "not tried")


def first_ar(*names: str) -> tuple[str, ...]:
    """The first archiver in ``names`` found in PATH (absolute), else the last name."""
    for n in names:
        path = shutil.which(n)
        if path:
            return (path,)
    return (names[-1],)


# --------------------------------------------------------------------------- plug-ins + selection

def plugin(name: str):
    """The plug-in module for toolchain ``name`` (zig, gcc, clang)."""
    if name not in TOOLCHAINS:
        raise UnknownNameError("toolchain", name, list(NAMES), hints=[
            "use --toolchain " + " | ".join(NAMES)])
    return importlib.import_module(f"rumpbuild.toolchain.{name}")


def not_working(name: str, target: Target, reason: str, hints=()) -> UserError:
    """The error for ``--toolchain NAME`` when NAME cannot build for ``target``."""
    arch = target.machine_arch
    return UserError(
        f"{name} cannot build for {target.name}: {reason}",
        list(hints) + alternatives(target, exclude=(name,)) + [
            f"`rumpbuild doctor --arch {arch}` shows which toolchains work for {arch}",
        ])


def alternatives(target: Target, exclude=(), programs: bool = False) -> list[str]:
    """Hints naming the toolchains that will build for ``target``: "--toolchain gcc", or with
    what to install first ("--toolchain gcc (apt-get install gcc-arm-linux-gnueabi)").

    With ``programs``, only those whose table knows no link or run breakage
    for the arch and that link when installed.  Best first: installed ones.
    """
    ready, installable = [], []
    for name in TOOLCHAINS:
        e = entry(name, target)
        if name in exclude or e is None or (programs and (e["cannot_link"] or e["crashes"])):
            continue
        mod = plugin(name)
        if mod.exists(target) is None:
            if not programs or not mod.generate(target).program_problem:
                ready.append(f"--toolchain {name}")
        elif mod.command(target) is None:   # not installed (an installed one that fails is no advice)
            installable.append(f"--toolchain {name} ({mod.install_hint(target)})")
    return ready + installable


def _split_env(environ: Mapping[str, str], var: str) -> tuple[str, ...] | None:
    value = environ.get(var, "").strip()
    if not value:
        return None
    try:
        return tuple(shlex.split(value))
    except ValueError as exc:
        raise UserError(f"cannot split {var}={value!r}: {exc}",
                        [f"fix the quoting in {var}, e.g. {var}='ccache arm-linux-gnueabihf-gcc'"]) from None


def custom_toolchain(target: Target, environ: Mapping[str, str] = os.environ) -> Toolchain:
    """The toolchain named by ``CC`` (and ``AR``) in ``environ``."""
    cc = _split_env(environ, "CC")
    assert cc
    ar = _split_env(environ, "AR") or first_ar("ar")
    result = probe(cc, target, links=("dynamic", "static"))
    if not result["ok"]:
        raise UserError(
            f"CC={shlex.join(cc)} cannot build for {target.name}: {result['reason']}",
            [f"set CC to a compiler for {target.name}"
             + (f", e.g. CC={entry('gcc', target)['triple']}-gcc" if entry("gcc", target) else ""),
             "unset CC to let rumpbuild pick a toolchain (`--toolchain zig` always works)",
             f"`rumpbuild doctor --arch {target.machine_arch}` shows which toolchains work"])
    dm = result.get("dumpmachine", "")
    return make_toolchain("custom", target, cc, ar, result, libc="musl" if "musl" in dm else "glibc")


def find_toolchain(target: Target, name: str = "auto", environ: Mapping[str, str] = os.environ) -> Toolchain:
    """The toolchain to build ``target`` with.

    ``name``: gcc | clang | zig | auto.  ``auto`` takes the first toolchain
    of ``TOOLCHAINS`` (gcc, clang, zig) that compiles for the target and whose
    test programs link and run (probed, and the toolchain's table knows no
    breakage for the arch); when none does, the first that compiles, which
    builds the libraries (its ``program_problem`` says why no programs).
    ``CC``/``AR`` in ``environ`` win over ``name``.  Raises UserError if the
    toolchain does not work for the target.
    """
    if name not in NAMES:
        raise UnknownNameError("toolchain", name, list(NAMES), hints=[
            "use --toolchain " + " | ".join(NAMES)])
    if _split_env(environ, "CC"):
        return custom_toolchain(target, environ)
    if name == "auto":
        reasons, compiles_only = [], None
        for cand in TOOLCHAINS:
            mod = plugin(cand)
            reason = mod.exists(target)
            if reason is not None:
                reasons.append(f"{cand}: {reason}")
                continue
            tc = mod.generate(target)
            if not tc.program_problem:
                break
            compiles_only = compiles_only or tc
        else:
            if compiles_only is None:
                raise UserError(f"no toolchain works for {target.name}: " + "; ".join(reasons), [
                    *alternatives(target),
                    f"`rumpbuild doctor --arch {target.machine_arch}` for details"])
            tc = compiles_only
    else:
        mod = plugin(name)
        reason = mod.exists(target)
        if reason is not None:
            raise not_working(name, target, reason, mod.hints(target) if mod.command(target) is None
                              and entry(name, target) is not None else [])
        tc = mod.generate(target)
    ar = _split_env(environ, "AR")
    return dataclasses.replace(tc, ar=ar) if ar else tc
