"""Conditions of `.if`, `.elif` and `${cond:?a:b}`.

Grammar (bmake's): or-expressions of and-expressions of `!`-prefixed
primaries; a primary is `( expr )`, a function call `defined() empty() make()
exists() target() commands()`, or a comparison `term [op term]` where a term is
a `${…}` expression, a "quoted string" or a bare word.  A bare word alone means
the directive's default function (`defined` for .if/.ifdef, `make` for .ifmake).
"""

from __future__ import annotations

import re

from rumpbuild.mk.expand import ExpandError, _scan_raw, expand, find_expr_end, parse_expr

_FUNCS = ("defined", "empty", "make", "exists", "target", "commands")
# An expression with none of these modifiers is undefined when its variable is.
_DEFINING_MOD = re.compile(r":[UDLP?]")
# bmake has no limit; this one keeps the parser's recursion well inside Python's.
MAX_PARENS = 100
_NUM = re.compile(r"^\s*(0[xX][0-9a-fA-F]+|[+-]?\d+(\.\d*)?([eE][+-]?\d+)?)\s*$")


class CondError(Exception):
    """A malformed condition; the evaluator adds file and line."""


def _number(s: str):
    m = _NUM.match(s)
    if not m:
        return None
    t = m.group(1)
    if t.lower().startswith("0x"):
        return int(t, 16)
    return float(t)


class _Parser:
    def __init__(self, scope, text: str, default_func: str, negate_default: bool):
        self.scope = scope
        self.text = text
        self.i = 0
        self.default_func = default_func
        self.negate_default = negate_default
        self.undefined = None
        self.noeval = 0
        self.parens = 0

    def skip_ws(self):
        t = self.text
        while self.i < len(t) and t[self.i] in " \t":
            self.i += 1

    def peek(self, s: str) -> bool:
        self.skip_ws()
        return self.text.startswith(s, self.i)

    def parse(self) -> bool:
        v = self.or_expr()
        self.skip_ws()
        if self.i != len(self.text):
            raise CondError(f"malformed condition '{self.text.strip()}' (unexpected '{self.text[self.i:].strip()}')")
        return v

    def or_expr(self) -> bool:
        v = self.and_expr()
        while self.peek("||"):
            self.i += 2
            self.noeval += v  # bmake does not evaluate a short-circuited side
            r = self.and_expr()
            self.noeval -= v
            v = v or r
        return v

    def and_expr(self) -> bool:
        v = self.not_expr()
        while self.peek("&&"):
            self.i += 2
            self.noeval += not v
            r = self.not_expr()
            self.noeval -= not v
            v = v and r
        return v

    def not_expr(self) -> bool:
        negate = False
        while self.peek("!") and not self.text.startswith("!=", self.i):
            self.i += 1
            negate = not negate
        return self.primary() != negate

    def primary(self) -> bool:
        self.skip_ws()
        t = self.text
        if self.i >= len(t):
            raise CondError(f"malformed condition '{t.strip()}' (missing operand)")
        if t[self.i] == "(":
            self.i += 1
            self.parens += 1
            if self.parens > MAX_PARENS:
                raise CondError(f"condition nests parentheses more than {MAX_PARENS} deep")
            v = self.or_expr()
            self.parens -= 1
            if not self.peek(")"):
                raise CondError(f"malformed condition '{t.strip()}' (missing ')')")
            self.i += 1
            return v
        m = re.compile(r"([a-z]+)\s*\(").match(t, self.i)
        if m and m.group(1) in _FUNCS:
            self.i = m.end()
            arg = self.func_arg()
            return self.call(m.group(1), arg)
        return self.comparison()

    def func_arg(self) -> str:
        t = self.text
        depth = 1
        j = self.i
        while j < len(t):
            c = t[j]
            if c == "$" and j + 1 < len(t) and t[j + 1] in "{(":
                j = find_expr_end(t, j)
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    arg = t[self.i : j]
                    self.i = j + 1
                    return arg.strip()
            j += 1
        raise CondError(f"malformed condition '{t.strip()}' (missing ')')")

    def call(self, func: str, arg: str) -> bool:
        s = self.scope
        if func == "defined":
            return s.lookup(expand(s, arg)) is not None
        if func == "empty":
            value, _ = parse_expr(s, "${" + arg + "}", 0)
            return value.strip() == ""
        if func == "make":
            return s.is_make_target(expand(s, arg))
        if func == "exists":
            return s.file_exists(expand(s, arg))
        if func == "target":
            return s.has_target(expand(s, arg))
        if func == "commands":
            return s.has_target(expand(s, arg))
        raise AssertionError(func)

    def term(self):
        """Return (value, kind) with kind one of "expr", "quoted", "bare"."""
        self.skip_ws()
        t = self.text
        if t.startswith("${", self.i) or t.startswith("$(", self.i):
            end = find_expr_end(t, self.i)
            if not self.noeval:
                self.undefined = self._undefined_name(t, end)
            value, _ = parse_expr(self.scope, t[: end], self.i)
            self.i = end
            return value, "expr"
        if t.startswith('"', self.i):
            j = self.i + 1
            buf = []
            while j < len(t) and t[j] != '"':
                if t[j] == "\\" and j + 1 < len(t):
                    buf.append(t[j + 1])
                    j += 2
                    continue
                if t[j] == "$" and j + 1 < len(t) and t[j + 1] in "{(":
                    end = find_expr_end(t, j)
                    buf.append(t[j:end])
                    j = end
                    continue
                buf.append(t[j])
                j += 1
            if j >= len(t):
                raise CondError(f"malformed condition '{t.strip()}' (unfinished string)")
            self.i = j + 1
            return expand(self.scope, "".join(buf)), "quoted"
        j = self.i
        while j < len(t) and t[j] not in " \t()!&|=<>\"":
            if t[j] == "$" and j + 1 < len(t) and t[j + 1] in "{(":
                j = find_expr_end(t, j)
                continue
            j += 1
        if j == self.i:
            raise CondError(f"malformed condition '{t.strip()}' (missing operand)")
        word = t[self.i : j]
        self.i = j
        return expand(self.scope, word), "bare"

    def _undefined_name(self, t: str, end: int):
        """The variable of the expression t[self.i:end] if it stays undefined (no :U :D :L :P :?)."""
        raw_name, k = _scan_raw(t, self.i + 2, ":" + t[end - 1])
        if _DEFINING_MOD.search(t, k, end):
            return None
        name = expand(self.scope, raw_name) if "$" in raw_name else raw_name
        return name if self.scope.lookup(name) is None else None

    def comparison(self) -> bool:
        self.undefined = None
        left, lkind = self.term()
        bare = lkind == "bare"
        self.skip_ws()
        t = self.text
        op = None
        for cand in ("==", "!=", "<=", ">=", "<", ">"):
            if t.startswith(cand, self.i):
                op = cand
                break
        if op is None:
            if self.undefined:
                raise CondError(f"malformed condition '{t.strip()}' (variable {self.undefined} is undefined; "
                                f"use ${{{self.undefined}:U}} or defined({self.undefined}))")
            if bare and _number(left) is None:
                v = self.call(self.default_func, left)
                return not v if self.negate_default else v
            num = _number(left)
            if num is not None:
                return num != 0
            return left.strip() != ""
        if self.undefined:
            raise CondError(f"malformed condition '{t.strip()}' (variable {self.undefined} is undefined; "
                            f"quote it as \"${{{self.undefined}}}\" or use ${{{self.undefined}:U}})")
        self.i += len(op)
        self.skip_ws()
        if self.i >= len(t) or t[self.i] in "&|)":
            raise CondError(f"malformed condition '{t.strip()}' (missing right-hand side of '{op}')")
        right, rkind = self.term()
        if self.undefined:
            raise CondError(f"malformed condition '{t.strip()}' (variable {self.undefined} is undefined)")
        ln, rn = _number(left), _number(right)
        if ln is not None and rn is not None and "quoted" not in (lkind, rkind):
            return {"==": ln == rn, "!=": ln != rn, "<": ln < rn, ">": ln > rn, "<=": ln <= rn, ">=": ln >= rn}[op]
        if op in ("==", "!="):
            return (left == right) == (op == "==")
        raise CondError(f"malformed condition '{t.strip()}' (comparison '{op}' needs numbers)")


def eval_condition(scope, text: str, default_func: str = "defined", negate_default: bool = False) -> bool:
    try:
        return _Parser(scope, text, default_func, negate_default).parse()
    except ExpandError as exc:
        raise CondError(str(exc)) from None
