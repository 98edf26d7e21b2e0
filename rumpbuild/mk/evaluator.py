"""Evaluate NetBSD Makefiles the way bmake reads them, without running rules.

The evaluator keeps global variables, the `.PATH` search lists and the targets
named on dependency lines.  Shell commands of rules are skipped.  The system
makefiles (`<bsd.lib.mk>` and friends) are modelled in Python by the *sysmk*
object handed in; everything else — the tree's own Makefile.rump,
Makefile.inc and module fragments — is read as text, so flags come from the
tree whatever its NetBSD version.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import sys
import time

from rumpbuild.errors import MakefileError
from rumpbuild.mk.cond import CondError, eval_condition
from rumpbuild.mk.expand import ExpandError, expand, find_expr_end
from rumpbuild.mk.lines import Line, read_lines

_DIRECTIVE = re.compile(r"^\.\s*(-?)([a-zA-Z]+)\b\s*(.*)$", re.S)
_COND_DIRECTIVES = {
    "if": ("defined", False),
    "ifdef": ("defined", False),
    "ifndef": ("defined", True),
    "ifmake": ("make", False),
    "ifnmake": ("make", True),
}
_ELIF = {"elif": "if", "elifdef": "ifdef", "elifndef": "ifndef", "elifmake": "ifmake", "elifnmake": "ifnmake"}
# A variable name with no expression or operator character in it, then its operator.
_PLAIN_ASSIGN = re.compile(r"\s*([^\s$:!=+?{}()]+)\s*(=|\+=|\?=|:=|!=)(.*)", re.S)
# `X!= cd DIR; pwd` (and `cd DIR && pwd`) are answered without a shell.
_CD_PWD = re.compile(r"^\s*cd\s+(\S+)\s*(?:;|&&)\s*pwd\s*$")
SHELL_TIMEOUT = 20
# bmake keeps any amount; a tree's `!=` prints a path or a word list, so more
# than this is a runaway command (`cat /dev/zero`), refused before memory runs out.
SHELL_OUTPUT_LIMIT = 64 << 20
# bmake copes with deeper loops, but each level is Python frames here; no real
# Makefile nests .for more than three deep.
MAX_FOR_DEPTH = 100
MAX_INCLUDE_DEPTH = 50
# Enough Python stack for MAX_FOR_DEPTH loops inside MAX_INCLUDE_DEPTH includes
# inside a deeply nested expression, so the limits above, not Python, say no.
_RECURSION_LIMIT = 6000
_SHELL_CACHE: dict[tuple[str, str], str] = {}  # (command, cwd) -> output, per process


class _Parts(list):
    """A value built by `+=`: its words, joined when first read (appends stay linear)."""

    __slots__ = ()


class _Frame:
    __slots__ = ("path", "lines", "pos")

    def __init__(self, path, lines):
        self.path = path
        self.lines = lines
        self.pos = 0


class Evaluator:
    """Reads Makefiles into variables.  See module docstring."""

    def __init__(self, cmdline_vars=None, sysmk=None, make_targets=(), env=None, objdir=None):
        self.cmdline = dict(cmdline_vars or {})
        # "VAR+" (rumpbuild -D 'VAR+=x'): x goes after whatever the Makefiles make VAR
        self.appends = {k[:-1]: self.cmdline.pop(k) for k in [k for k in self.cmdline if k.endswith("+")]}
        if not self.appends:
            self.lookup = self._lookup
        self.vars: dict[str, str] = {}
        self.sysmk = sysmk
        self.make_targets = list(make_targets)
        self.env = env
        self.path_dirs: list[str] = []
        self.suffix_paths: dict[str, list[str]] = {}
        self.targets: set[str] = set()
        # target -> (sources as expanded, recipe lines as written); rules are
        # never run by the evaluator, but builds run them for generated sources.
        self.rules: dict[str, tuple[list[str], list[str]]] = {}
        self._rule_targets: list[str] = []
        self.objdir = objdir
        self.warnings: list[tuple[str, int, str]] = []
        self.files_read: list[str] = []
        # Every assignment and .PATH line as read: (name, op, raw value, file, line).
        # Rule generators use it to tell a Makefile's own flags from inherited ones.
        self.history: list[tuple[str, str, str, str, int]] = []
        self.curdir = os.getcwd()
        self._parsefile = ""
        self._lineno = 0
        self._include_depth = 0
        self._for_depth = 0
        self._in_rule = False  # the last statement was a dependency line: tab lines are its commands

    # -- scope interface used by expand/cond ---------------------------------
    def lookup(self, name: str):
        """A variable's value (None: undefined), with -D VAR+=x appended after what the Makefiles made.
        Without such appends this is _lookup itself (set in __init__): the hot path stays one call."""
        v = self._lookup(name)
        if name in self.appends:
            return self.appends[name] if v is None else f"{v} {self.appends[name]}"
        return v

    def _lookup(self, name: str):
        """The value without -D VAR+= appends (?= and := test definedness with it)."""
        if name in self.cmdline:
            return self.cmdline[name]
        v = self.vars.get(name)
        if v is not None:
            if type(v) is _Parts:
                v = self.vars[name] = " ".join(v)
            return v
        if name[:1] == ".":
            return self._special(name)
        if self.env is not None:
            return self.env.get(name)
        return None

    def _special(self, name):
        if name == ".CURDIR":
            return self.curdir
        if name == ".OBJDIR":
            return self.objdir or self.curdir
        if name == ".PARSEDIR":
            return os.path.dirname(self._parsefile) if self._parsefile else None
        if name == ".PARSEFILE":
            return os.path.basename(self._parsefile)
        if name == ".PATH":
            return " ".join([".", self.curdir] + self.path_dirs)
        if name == ".TARGETS":
            return " ".join(self.make_targets)
        return None

    def eval_cond(self, text: str) -> bool:
        try:
            return eval_condition(self, text)
        except CondError as exc:  # inside ${cond:?a:b}: an expansion error to the caller
            raise ExpandError(str(exc)) from None

    def is_make_target(self, name: str) -> bool:
        import fnmatch

        return any(fnmatch.fnmatchcase(t, name) for t in self.make_targets)

    def file_exists(self, path: str) -> bool:
        if os.path.isabs(path):
            return os.path.exists(path)
        for d in [self.curdir] + self.path_dirs:
            if os.path.exists(os.path.join(self.curdir, d, path)):
                return True
        return False

    def has_target(self, name: str) -> bool:
        return name in self.targets

    # -- public API ----------------------------------------------------------
    def value(self, name: str) -> str:
        """The fully expanded value of *name* ("" when undefined)."""
        raw = self.lookup(name)
        if raw is None:
            return ""
        try:
            with _deep_stack():
                return expand(self, raw)
        except ExpandError as exc:
            exc.variables.append(name)
            raise self._expand_error(exc) from None

    def defined(self, name: str) -> bool:
        return self.lookup(name) is not None

    def expand(self, text: str, locals_: dict | None = None) -> str:
        try:
            with _deep_stack():
                return expand(self, text, locals_=locals_)
        except ExpandError as exc:
            raise self._expand_error(exc) from None

    def words(self, name: str) -> list[str]:
        return self.value(name).split()

    def assign(self, name: str, value: str, op: str = "=") -> None:
        """Assign as a Makefile line `name op value` would (no shell for !=)."""
        if self._parsefile:
            self.history.append((name, op, value, self._parsefile, self._lineno))
        if name in self.cmdline:
            return
        if op == "=":
            self.vars[name] = value
        elif op == "+=":
            old = self.vars.get(name)
            if type(old) is _Parts:
                old.append(value)
                return
            if old is None and name[:1] == ".":
                old = self._special(name)
            self.vars[name] = value if old is None else _Parts((old, value))
        elif op == "?=":
            if self._lookup(name) is None:
                self.vars[name] = value
        elif op == ":=":
            if self._lookup(name) is None:
                self.vars[name] = ""  # as bmake: a self-reference then expands to nothing
            try:
                self.vars[name] = expand(self, value, keep_undef=True).replace("$$", "$")
            except ExpandError as exc:
                raise self._expand_error(exc) from None
        elif op == "!=":
            self.vars[name] = self._shell(self.expand(value))
        else:
            raise AssertionError(op)

    def undef(self, name: str) -> None:
        self.vars.pop(name, None)

    def evaluate_file(self, path: str, curdir: str | None = None) -> None:
        """Read the Makefile at *path* as `make -f path` run in *curdir*."""
        path = os.path.abspath(path)
        self.curdir = os.path.abspath(curdir or os.path.dirname(path))
        self._parsefile = ""
        with _deep_stack():
            if self.sysmk is not None:
                self.sysmk.begin(self)
            self.include(path, optional=False)

    def include(self, path: str, optional: bool = False) -> bool:
        """Read another makefile at this point; returns False if missing+optional."""
        full = os.path.join(self.curdir, path)
        if not os.path.exists(full):
            full = os.path.normpath(full)  # through a .CURDIR that does not exist (generated components)
        try:
            lines = read_lines(full)
        except FileNotFoundError:
            if optional:
                return False
            raise self._error(f"cannot open include file '{path}'",
                              ["check the path; use .-include for optional files"]) from None
        except OSError as exc:
            raise self._error(f"cannot read '{path}': {exc.strerror}",
                              ["an included makefile must be a readable regular file"]) from None
        if self._include_depth >= MAX_INCLUDE_DEPTH:
            raise self._error(f"includes nest more than {MAX_INCLUDE_DEPTH} deep at '{path}' (an include loop?)",
                              ["guard the file against being read twice (.if !defined(X_MK) ... .endif)"])
        self.files_read.append(path)
        saved = (self._parsefile, self._lineno)
        self._include_depth += 1
        try:
            self._run_lines(path, lines)
        finally:
            self._include_depth -= 1
            self._parsefile, self._lineno = saved
        self._in_rule = False  # as bmake: the end of an included file ends the dependency's commands
        return True

    # -- the line interpreter ------------------------------------------------
    def _error(self, reason: str, hints=()) -> MakefileError:
        where = os.path.join(self.curdir, self._parsefile) if self._parsefile else "<command line>"
        return MakefileError(where, self._lineno, reason, hints)

    def _expand_error(self, exc: ExpandError) -> MakefileError:
        """While reading, the line being read is to blame; afterwards (`value()` of a
        variable), the assignment that holds the bad expression, as bmake names it."""
        if self._parsefile:
            return self._error(str(exc))
        for name in exc.variables:  # innermost first: the variable whose value failed
            origin = self._origin_of_error(name)
            if origin is not None:
                return MakefileError(os.path.join(self.curdir, origin[0]), origin[1], str(exc))
        return self._error(str(exc))

    def _origin_of_error(self, name: str):
        """(file, line) of the assignment to *name* whose value does not expand; else its last one."""
        sets = [h for h in self.history if h[0] == name and h[1] in ("=", "+=", "?=", ":=", "!=")]
        if not sets:
            return None
        for _name, op, raw, file, line in sets:
            if op in ("=", "+=", "?="):
                try:
                    expand(self, raw)
                except (ExpandError, RecursionError):
                    return file, line
        return sets[-1][3], sets[-1][4]

    def _run_lines(self, path: str, lines: list[Line]) -> None:
        self._parsefile = path
        # Stack entries: [taking_branch, a_branch_was_taken, seen_else, lineno, parent_active]
        conds: list[list] = []
        active = True
        i = 0
        n = len(lines)
        while i < n:
            line = lines[i]
            i += 1
            self._lineno = line.end or line.lineno
            text = line.text
            if text[:1] == ".":
                m = _DIRECTIVE.match(text)
                if m:
                    dash, word, rest = m.group(1), m.group(2), m.group(3)
                    if word in _COND_DIRECTIVES:
                        if active:
                            func, neg = _COND_DIRECTIVES[word]
                            taking = self._cond(rest, func, neg)
                        else:
                            taking = False
                        conds.append([taking, taking, False, line.lineno, active])
                        active = active and taking
                        continue
                    if word in _ELIF or word == "else":
                        if not conds:
                            raise self._error(f".{word} without a matching .if")
                        top = conds[-1]
                        if top[2]:
                            # bmake only warns and skips to .endif.
                            self.warnings.append((path, line.lineno, f"extra .{word}"))
                            top[0] = False
                            active = False
                            continue
                        if word == "else":
                            top[2] = True
                            top[0] = top[4] and not top[1]
                        else:
                            if top[4] and not top[1]:
                                func, neg = _COND_DIRECTIVES[_ELIF[word]]
                                top[0] = self._cond(rest, func, neg)
                            else:
                                top[0] = False
                        top[1] = top[1] or top[0]
                        active = top[4] and top[0]
                        continue
                    if word == "endif":
                        if not conds:
                            raise self._error(".endif without a matching .if")
                        active = conds.pop()[4]
                        continue
                    if word in ("for", "endfor") and not active:
                        continue  # as bmake: a skipped branch only tracks conditionals
                    if word == "for":
                        body, i = self._collect_for(lines, i, line.lineno)
                        if active:
                            self._run_for(path, rest, body, line.lineno)
                            self._parsefile = path
                        continue
                    if word == "endfor":
                        raise self._error(".endfor without a matching .for")
                    if not active:
                        continue
                    if self._directive(dash, word, rest):
                        continue
                    # Not a directive: `.PATH: …` and other special targets fall through.
            if not active:
                continue
            if line.tab:
                if self._in_rule:
                    for t in self._rule_targets:  # a shell command of the current rule
                        self.rules[t][1].append(line.raw or text.strip())
                    continue
                if not text.strip():
                    continue  # a tab and a comment: nothing, as for bmake
                raise self._error(f"unassociated shell command \"{text.strip()[:60]}\" (a line that starts "
                                  "with a tab belongs to a rule)",
                                  ["indent assignments and directives with spaces or not at all"])
            self._in_rule = self._statement(text)
        if conds:
            self._lineno = conds[-1][3]
            raise self._error(".if without a matching .endif")

    def _cond(self, text: str, func: str, neg: bool) -> bool:
        try:
            return eval_condition(self, text, func, neg)
        except (CondError, ExpandError) as exc:
            raise self._error(str(exc)) from None

    def _collect_for(self, lines, i, start_lineno):
        depth = 1
        body = []
        while i < len(lines):
            line = lines[i]
            i += 1
            m = _DIRECTIVE.match(line.text) if line.text[:1] == "." else None
            if m and m.group(2) == "for":
                depth += 1
            elif m and m.group(2) == "endfor":
                depth -= 1
                if depth == 0:
                    return body, i
            body.append(line)
        self._lineno = start_lineno
        raise self._error(".for without a matching .endfor")

    def _run_for(self, path, header, body, lineno):
        names, sep, items = (header + " ").partition(" in ")
        if not sep:
            self._lineno = lineno
            raise self._error(f"malformed .for '{header}' (expected '.for VAR in LIST')")
        names = names.split()
        if not names:
            raise self._error("malformed .for: no loop variable")
        values = self.expand(items).split()
        if len(values) % len(names):
            raise self._error(f".for: {len(values)} words do not divide into {len(names)} variables")
        if self._for_depth >= MAX_FOR_DEPTH:
            self._lineno = lineno
            raise self._error(f".for loops nest more than {MAX_FOR_DEPTH} deep",
                              ["loop over a longer list, or nest fewer loops"])
        self._for_depth += 1
        templates = [(l, _for_template(l.text, names)) for l in body]
        width = len(names)
        escaped = _for_escape(values)
        try:
            if all(not l.tab and l.text[:1] != "." for l in body):
                # assignments and dependency lines only: no directive to track, so no
                # line interpreter per iteration (10^5-word loops stay fast)
                for k in range(0, len(values), width):
                    row = escaped[k : k + width]
                    for l, t in templates:
                        self._lineno = l.end or l.lineno
                        self._in_rule = self._statement(l.text if t is None else t.format(*row))
                return
            for k in range(0, len(values), width):
                row = escaped[k : k + width]
                new_body = [l if t is None else Line(l.lineno, t.format(*row), l.tab, l.end) for l, t in templates]
                self._run_lines(path, new_body)
        finally:
            self._for_depth -= 1

    def _directive(self, dash: str, word: str, rest: str) -> bool:
        """Run a non-conditional directive; False if *word* is not one."""
        if word in ("include", "sinclude", "dinclude") or (dash and word == "include"):
            optional = bool(dash) or word != "include"
            self._do_include(rest.strip(), optional)
            return True
        if dash:
            raise self._error(f"unknown directive '.-{word}'")
        if word == "error":
            raise self._error(self.expand(rest).strip() or ".error")
        if word == "warning":
            self.warnings.append((self._parsefile, self._lineno, self.expand(rest).strip()))
            return True
        if word == "info":
            return True
        if word == "undef":
            for name in self.expand(rest).split():
                self.undef(name)
            return True
        if word in ("export", "export-env", "export-literal", "unexport", "unexport-env", "MAKEFLAGS", "MFLAGS"):
            return True
        if word.isupper() or word.startswith(("PATH", "SUFFIXES")):
            return False  # a special target such as .PATH: or .BEGIN:
        _at, op = _find_operator(word + rest)
        if op in (":", "::", "!"):
            return False  # a suffix rule such as .c.o: or .S.pico:
        raise self._error(f"unknown directive '.{word}'",
                          ["rumpbuild reads the bmake subset NetBSD's kernel Makefiles use"])

    def _do_include(self, spec: str, optional: bool) -> None:
        if len(spec) < 2 or spec[0] not in '"<' or spec[-1] != {'"': '"', "<": ">"}[spec[0]]:
            raise self._error(f"malformed .include '{spec}' (expected \"file\" or <file>)")
        name = self.expand(spec[1:-1])
        if spec[0] == "<":
            if self.sysmk is not None and self.sysmk.include(self, name):
                return
            if self.sysmk is not None and self.sysmk.in_tree(self, name):
                # bmake would read the tree's share/mk file; rumpbuild has no model of it
                self.warnings.append((self._parsefile, self._lineno, f"system makefile <{name}> is not modelled; ignored"))
            elif not optional:
                raise self._error(f"cannot find system makefile <{name}>",
                                  ["check the name; use .-include <...> for an optional one"])
            return
        if os.path.isabs(name):
            candidates = [name]
        else:
            # As bmake: relative to the including file's folder, kept relative
            # when that folder is .CURDIR (so .PARSEDIR reads "sub", not a full path).
            here = os.path.dirname(self._parsefile)
            first = name if here in (self.curdir, "") else os.path.join(here, name)
            candidates = [first, name]
        for cand in candidates:
            full = os.path.join(self.curdir, cand)
            if os.path.exists(full) or os.path.exists(os.path.normpath(full)):
                self.include(cand)
                return
        if not optional:
            raise self._error(f"cannot open include file '{name}'",
                              ["check the path; use .-include for optional files"])

    def _statement(self, text: str) -> bool:
        """An assignment or a dependency line; returns True for a dependency."""
        m = _PLAIN_ASSIGN.match(text)
        if m:  # the common `NAME op value`, without the character walk below
            self.assign(m.group(1), m.group(3).strip(), m.group(2))
            return False
        op_at, op = _find_operator(text)
        if op is None:
            raise self._error(f"cannot parse line '{text.strip()[:60]}' (no assignment operator or ':')",
                              ["check for a missing '=' or ':' or a stray line"])
        if op.endswith("="):
            name = text[:op_at].strip()
            value = text[op_at + len(op) :].strip()
            if "$" not in name and " " in name:
                raise self._error(f"need an operator: '{text.strip()[:60]}' (a variable name has no blank)",
                                  ["write NAME= value, one name per line"])
            if "$" in name:
                # as bmake: a computed name is taken whole (blanks and all); an empty one assigns nothing
                name = self.expand(name).strip()
                if not name:
                    return False
            self.assign(name, value, op)
            return False
        # A dependency line.
        targets = self.expand(text[:op_at]).split()
        sources = text[op_at + len(op) :]
        self._rule_targets = [t for t in targets if t[:1] != "."]
        if self._rule_targets:
            srcs = [w for w in self.expand(sources).split() if w[:1] != "."]
            for t in self._rule_targets:
                old = self.rules.get(t)
                self.rules[t] = (old[0] + srcs if old else srcs, old[1] if old else [])
        for t in targets:
            if t == ".PATH" or t.startswith(".PATH."):
                dirs = self.expand(sources).split()
                self.history.append((t, ":", " ".join(dirs), self._parsefile, self._lineno))
                self._add_path(t, dirs)
            elif t[:1] != ".":
                self.targets.add(t)
        return True

    def _add_path(self, target: str, dirs: list[str]) -> None:
        lst = self.path_dirs if target == ".PATH" else self.suffix_paths.setdefault(target[5:], [])
        if not dirs:
            lst.clear()
            return
        for d in dirs:
            full = d if os.path.isabs(d) else os.path.join(self.curdir, d)
            # normpath too: a generated component's .CURDIR does not exist yet
            if (os.path.isdir(full) or os.path.isdir(os.path.normpath(full))) and d not in lst:
                lst.append(d)

    def _shell(self, command: str) -> str:
        m = _CD_PWD.match(command)
        base = os.path.dirname(self._parsefile) if self._parsefile else self.curdir
        if m:
            d = m.group(1)
            full = d if os.path.isabs(d) else os.path.join(self.curdir, d)
            if os.path.isdir(full):
                return os.path.realpath(full)
        cwd = self.curdir if os.path.isdir(self.curdir) else base
        hit = _SHELL_CACHE.get((command, cwd))
        if hit is not None:  # compiler probes (arm's features.mk) repeat in every Makefile
            return hit
        status, stdout = self._run_shell(command, cwd)
        if status != 0:
            self.warnings.append((self._parsefile, self._lineno,
                                  f"shell command '{command}' exited with status {status}"))
        out = stdout[:-1] if stdout.endswith("\n") else stdout
        out = out.replace("\n", " ")
        if status == 0:
            _SHELL_CACHE[(command, cwd)] = out
        return out

    def _run_shell(self, command: str, cwd: str) -> tuple[int, str]:
        """(exit status, stdout) of `/bin/sh -c command`, bounded in time and output size.

        The command runs in a session of its own so that a timeout kills
        everything it started (`sleep 1000 &`), not only the shell.
        """
        try:
            proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise self._error(f"cannot run shell command '{command}': {exc.strerror}") from None
        try:
            status, chunks, problem = _collect(proc)
        except BaseException:  # Ctrl-C while waiting: leave nothing running
            _kill_session(proc)
            raise
        if problem is not None:
            _kill_session(proc)
            raise self._error(f"shell command '{command[:200]}' {problem}; stopped it",
                              ["a `!=` command must be quick and print a line or a word list"])
        return status, b"".join(chunks).decode("utf-8", "surrogateescape")

    # resolution of sources, as make's suffix search finds them -------------
    def resolve_source(self, name: str) -> str | None:
        """The file make would use for source *name*: .CURDIR, then .PATH.<suf>, then .PATH."""
        if os.path.isabs(name):
            return name if os.path.exists(name) else None
        suffix = os.path.splitext(name)[1]
        dirs = [self.curdir] + self.suffix_paths.get(suffix, []) + self.path_dirs
        for d in dirs:
            full = os.path.normpath(os.path.join(d if os.path.isabs(d) else os.path.join(self.curdir, d), name))
            if os.path.exists(full):
                return full
        return None


@contextlib.contextmanager
def _deep_stack():
    """Python stack for the nesting limits above (the default 1000 frames is not)."""
    limit = sys.getrecursionlimit()
    if limit >= _RECURSION_LIMIT:
        yield
        return
    sys.setrecursionlimit(_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _collect(proc: subprocess.Popen):
    """Read *proc*'s output until it ends: (status, chunks, None), or (None, chunks, what went wrong)."""
    chunks, size = [], 0
    deadline = time.monotonic() + SHELL_TIMEOUT
    fd = proc.stdout.fileno()
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, chunks, f"did not finish in {SHELL_TIMEOUT} s"
            if not sel.select(left):
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                break
            chunks.append(data)
            size += len(data)
            if size > SHELL_OUTPUT_LIMIT:
                return None, chunks, f"printed more than {SHELL_OUTPUT_LIMIT >> 20} MiB of output"
    proc.stdout.close()
    try:
        return proc.wait(max(deadline - time.monotonic(), 0.01)), chunks, None
    except subprocess.TimeoutExpired:
        return None, chunks, f"did not finish in {SHELL_TIMEOUT} s"


def _kill_session(proc: subprocess.Popen) -> None:
    """Kill the process group *proc* leads (it was started with start_new_session) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.stdout.close()
    proc.wait()


def _find_operator(text: str):
    """Locate the first assignment operator or dependency colon outside ${}."""
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "$" and i + 1 < n and text[i + 1] in "{(":
            try:
                i = find_expr_end(text, i)
            except ExpandError:
                return None, None
            continue
        if c == "=":
            if i > 0 and text[i - 1] in "+?:!":
                return i - 1, text[i - 1] + "="
            return i, "="
        if c == ":":
            if i + 1 < n and text[i + 1] == "=":
                return i, ":="
            if i + 1 < n and text[i + 1] == ":":
                return i, "::"
            return i, ":"
        if c == "!":
            if i + 1 < n and text[i + 1] == "=":
                return i, "!="
            return i, "!"
        if c in "+?" and i + 1 < n and text[i + 1] == "=":
            return i, c + "="
        i += 1
    return None, None


def _for_escape(values: list[str]) -> list[str]:
    """Loop values as the text of `${:U…}`; words hold no blank, so one pass over them all."""
    text = " ".join(values)
    if _FOR_SPECIAL.search(text):
        text = text.replace("\\", "\\\\").replace("$", "$$").replace(":", "\\:").replace("}", "\\}").replace(")", "\\)")
    return text.split(" ")


_FOR_SPECIAL = re.compile(r"[\\$:})]")


def _for_template(text: str, names: list[str]) -> str | None:
    """*text* as a str.format template with `{k}` where loop variable k's value
    goes (`${name…` becomes `${:U{k}…`, as bmake writes it); None if it has none."""
    if "$" not in text:
        return None
    alts = [r"\$([{(])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?=[:})])"]
    short = [n for n in names if len(n) == 1]
    if short:
        alts.append(r"\$()(" + "|".join(re.escape(n) for n in short) + ")")
    parts, at = [], 0
    for m in re.finditer("|".join(alts), text):
        form = m.group(1) if m.group(1) is not None else m.group(3)
        name = m.group(2) if m.group(2) is not None else m.group(4)
        lead = "${{:U" if form == "{" else "$(:U" if form else ""
        parts += [_brace(text[at : m.start()]), lead + "{" + str(names.index(name)) + "}"]
        at = m.end()
    if not parts:
        return None
    parts.append(_brace(text[at:]))
    return "".join(parts)


def _brace(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")
