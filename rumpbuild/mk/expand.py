"""Variable expansion: `${VAR}`, `$(VAR)`, `$V` and bmake's modifiers.

Supported modifiers: :U :D :L :M :N :S :C :R :E :H :T :O :Or :On :Ox :u :Q :q
:tl :tu :ts<c> :tA :tW :tw :[n] :@v@text@ :?then:else, and the SysV form
:old=new (with `%`).  Anything else is reported as an unknown modifier.

The expander needs a *scope* object offering ``lookup(name) -> str | None``
(the raw value, still to be expanded) and ``eval_cond(text) -> bool`` for the
`${cond:?a:b}` form.
"""

from __future__ import annotations

import fnmatch
import os
import re
import threading


class ExpandError(Exception):
    """A malformed expression; the evaluator adds file and line.

    ``variables`` names the variables whose values were being expanded when
    it happened, innermost first, so a late error can name their assignment.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.variables: list[str] = []


# Within one top-level expansion a variable always expands to the same text
# (expansion changes no variable), so each is expanded once: `A1=${A0}${A0}`
# chains stay linear where bmake's doubling is exponential.  Not with :@ loop
# variables in scope, which a value may refer to.
_memo = threading.local()


def _expand_value(scope, name, raw, keep_undef, locals_, depth):
    """The expansion of variable *name*'s value *raw*, with *name* noted on errors."""
    memo = None if locals_ else getattr(_memo, "values", None)
    if memo is not None:
        key = (name, keep_undef)
        hit = memo.get(key)
        if hit is not None:
            return hit
    try:
        value = expand(scope, raw, keep_undef, locals_, depth)
    except ExpandError as exc:
        exc.variables.append(name)
        raise
    if memo is not None:
        memo[key] = value
    return value


_CLOSE = {"{": "}", "(": ")"}
_MAX_DEPTH = 64


def expand(scope, text: str, keep_undef: bool = False, locals_: dict | None = None, _depth: int = 0) -> str:
    """Expand every variable expression in *text*."""
    if "$" not in text:
        return text
    if getattr(_memo, "values", None) is None:  # the top-level call: a fresh memo
        _memo.values = {}
        try:
            return _expand(scope, text, keep_undef, locals_, _depth)
        finally:
            _memo.values = None
    return _expand(scope, text, keep_undef, locals_, _depth)


# `${:Uword}`, as a .for loop writes its values: no expansion needed
_PLAIN_U = re.compile(r"\$([{(]):U([^$\\:{}()]*)([})])")


_ONLY_PLAIN_U = re.compile(r"\$\{:U([^$\\:{}()]*)\}")


def _expand(scope, text, keep_undef, locals_, _depth):
    if _depth > _MAX_DEPTH:
        raise ExpandError("variable expansion nests too deeply (a variable refers to itself?)")
    dollars = text.count("$")
    if dollars > 16:  # a list a .for loop built: when every `$` starts a `${:Uword}`, one C-speed pass
        pieces = _ONLY_PLAIN_U.split(text)  # literal, value, literal, value, …, literal
        if len(pieces) == 2 * dollars + 1:
            return "".join(pieces)
    out = []
    i = 0
    n = len(text)
    while True:
        j = text.find("$", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        if j + 1 >= n:
            out.append("$")
            break
        c = text[j + 1]
        if c == "$":
            out.append("$$" if keep_undef else "$")
            i = j + 2
        elif c in _CLOSE:
            m = _PLAIN_U.match(text, j) if text.startswith(":U", j + 2) else None
            if m and _CLOSE[c] == m.group(3):  # a .for loop's value
                out.append(m.group(2))
                i = m.end()
                continue
            value, i = parse_expr(scope, text, j, keep_undef, locals_, _depth)
            out.append(value)
        else:
            name = c
            value = _lookup(scope, name, locals_)
            if value is None:
                out.append(text[j : j + 2] if keep_undef else "")
            else:
                out.append(_expand_value(scope, name, value, keep_undef, locals_, _depth + 1))
            i = j + 2
    return "".join(out)


def _lookup(scope, name, locals_):
    if locals_ and name in locals_:
        return locals_[name]
    return scope.lookup(name)


def find_expr_end(text: str, i: int) -> int:
    """Index just past the expression starting at text[i] == '$'."""
    close = _CLOSE[text[i + 1]]
    j = i + 2
    n = len(text)
    stack = [close]
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n:
            j += 2
            continue
        if c == "$" and j + 1 < n and text[j + 1] in _CLOSE:
            stack.append(_CLOSE[text[j + 1]])
            j += 2
            continue
        if c == stack[-1]:
            stack.pop()
            if not stack:
                return j + 1
        j += 1
    raise ExpandError(f"unclosed variable expression '{text[i:i + 40]}'")


def _scan_raw(text: str, i: int, stops: str) -> tuple[str, int]:
    """Raw text from i up to the first char in *stops* outside nested ${}."""
    j = i
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n:
            j += 2
            continue
        if c == "$" and j + 1 < n and text[j + 1] in _CLOSE:
            j = find_expr_end(text, j)
            continue
        if c in stops:
            return text[i:j], j
        j += 1
    raise ExpandError(f"unclosed variable expression near '{text[i:i + 40]}'")


def _unescape(raw: str, specials: str) -> str:
    """Drop the backslash before characters in *specials*; keep others."""
    if "\\" not in raw:
        return raw
    out = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw) and raw[i + 1] in specials:
            out.append(raw[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _expand_part(scope, raw: str, delim: str, keep_undef, locals_, depth) -> str:
    """Expand a :S/:C part: `\\d` is the delimiter, `$d` or a final `$` stays."""
    out = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            if raw[i + 1] == delim:
                out.append(delim)
            else:
                out.append(raw[i : i + 2])
            i += 2
            continue
        if c == "$":
            if i + 1 < n and raw[i + 1] in _CLOSE:
                value, i = parse_expr(scope, raw, i, keep_undef, locals_, depth)
                out.append(value)
                continue
            if i + 1 < n and raw[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            out.append("$")  # an anchor
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_expr(scope, text: str, i: int, keep_undef: bool = False, locals_=None, depth: int = 0):
    """Evaluate the expression starting at text[i] ('$'); return (value, end)."""
    if text.startswith(":U", i + 2):
        m = _PLAIN_U.match(text, i)
        if m and _CLOSE[m.group(1)] == m.group(3):
            return m.group(2), m.end()
    close = _CLOSE[text[i + 1]]
    start = i + 2
    raw_name, j = _scan_raw(text, start, ":" + close)
    n = len(text)
    has_mods = text[j] == ":"
    if not has_mods and keep_undef:
        name = expand(scope, raw_name, False, locals_, depth + 1)
        raw = _lookup(scope, name, locals_)
        if raw is None:
            return text[i : j + 1], j + 1
        return _expand_value(scope, name, raw, keep_undef, locals_, depth + 1), j + 1
    # The :? form takes the whole name as a condition.
    if has_mods and j + 1 < n and text[j + 1] == "?":
        then_raw, k = _scan_raw(text, j + 2, ":")
        else_raw, k = _scan_raw(text, k + 1, close)
        # as bmake: the name is expanded first, and the result read as the condition
        cond = expand(scope, raw_name, False, locals_, depth + 1) if "$" in raw_name else raw_name
        chosen = then_raw if scope.eval_cond(cond) else else_raw
        value = expand(scope, _unescape(chosen, ":" + close + "$\\"), keep_undef, locals_, depth + 1)
        if k < n and text[k] == ":":
            value, k = _apply_mods(scope, text, k, close, value, True, keep_undef, locals_, depth)
        return value, k + 1
    name = expand(scope, raw_name, False, locals_, depth + 1)
    raw = _lookup(scope, name, locals_)
    defined = raw is not None
    value = _expand_value(scope, name, raw, keep_undef, locals_, depth + 1) if defined else ""
    if not has_mods:
        return value, j + 1
    if name == "" and not defined:
        value = ""
    value, k = _apply_mods(scope, text, j, close, value, defined, keep_undef, locals_, depth, name)
    return value, k + 1


def _words(value: str) -> list[str]:
    return value.split()


def _one_word_at_least(value: str, defined: bool) -> list[str]:
    """Words as bmake's per-word modifiers (:H :S :C :[#]) see them: an empty value of a
    defined variable is one empty word, an undefined variable has none."""
    return value.split() or ([""] if defined else [])


_SIMPLE = set("REHTuQqL")


def _apply_mods(scope, text, j, close, value, defined, keep_undef, locals_, depth, name=""):
    """Apply the modifiers starting at text[j] == ':'; return (value, index of close)."""
    n = len(text)
    while j < n and text[j] == ":":
        j += 1
        if j >= n:
            raise ExpandError("unclosed variable expression")
        m = text[j]
        if m == close:  # a trailing ':' is an empty modifier, as bmake reads it
            break
        nxt = text[j + 1] if j + 1 < n else ""
        # SysV :old=new applies when no known modifier matches exactly.
        if m in _SIMPLE and nxt in (":", close):
            value = _simple_mod(m, value, name, defined)
            defined = True if m == "L" else defined
            j += 1
            continue
        if m in "UD":
            raw, j = _scan_raw(text, j + 1, ":" + close)
            arg = expand(scope, _unescape(raw, ":" + close + "$\\"), keep_undef, locals_, depth + 1)
            if m == "U" and not defined:
                value, defined = arg, True
            elif m == "D":
                value = arg if defined else ""
            continue
        if m in "MN":
            raw, j = _scan_raw(text, j + 1, ":" + close)
            pat = expand(scope, _unescape(raw, ":" + close), keep_undef, locals_, depth + 1)
            pat = pat.replace("[^", "[!")
            keep = m == "M"
            value = " ".join(w for w in _words(value) if fnmatch.fnmatchcase(w, pat) == keep)
            continue
        if m in "SC":
            value, j = _mod_subst(scope, text, j, close, value, keep_undef, locals_, depth, defined)
            continue
        if m == "O":
            k = j + 1
            flags = ""
            while k < n and text[k] in "rnx":
                flags += text[k]
                k += 1
            if k < n and text[k] in (":", close):
                value = _sort(value, flags)
                j = k
                continue
        if m == "t" and nxt:
            value, j, ok = _mod_t(text, j, close, value)
            if ok:
                continue
        if m == "[":
            k = text.find("]", j)
            if k < 0:
                raise ExpandError("unclosed ':[' modifier")
            value = _select_words(expand(scope, text[j + 1 : k], False, locals_, depth + 1), value, defined)
            j = k + 1
            continue
        if m == "@":
            var, k = _scan_raw(text, j + 1, "@")
            body, k = _scan_raw(text, k + 1, "@")
            loc = dict(locals_ or {})
            out = []
            for w in _words(value):
                loc[var] = w
                out.append(expand(scope, body, keep_undef, loc, depth + 1))
            value = " ".join(x for x in out if x != "")
            j = k + 1
            continue
        # SysV substitution :old=new runs to the closing brace.
        raw, k = _scan_raw(text, j, close)
        if "=" in raw:
            lhs, _, rhs = raw.partition("=")
            lhs = expand(scope, lhs, keep_undef, locals_, depth + 1)
            rhs = expand(scope, rhs, keep_undef, locals_, depth + 1)
            value = " ".join(_sysv(w, lhs, rhs) for w in _words(value))
            j = k
            continue
        mod = text[j : _scan_raw(text, j, ":" + close)[1]]
        raise ExpandError(f"unknown modifier ':{mod}'")
    if j >= n or text[j] != close:
        raise ExpandError("unclosed variable expression")
    return value, j


def _simple_mod(m: str, value: str, name: str, defined: bool = True) -> str:
    if m == "L":
        return name
    words = _words(value)
    if m == "R":
        return " ".join(_root(w) for w in words)
    if m == "E":
        return " ".join(_ext(w) for w in words if _ext(w) is not None)
    if m == "H":
        return " ".join(os.path.dirname(w) or "." for w in _one_word_at_least(value, defined))
    if m == "T":
        return " ".join(w.rsplit("/", 1)[-1] for w in words)
    if m == "u":
        out = []
        for w in words:
            if not out or out[-1] != w:
                out.append(w)
        return " ".join(out)
    if m in "Qq":
        return _quote(value, m == "q")
    raise AssertionError(m)


def _root(w: str) -> str:
    slash = w.rfind("/")
    dot = w.rfind(".")
    return w[:dot] if dot > slash else w


def _ext(w: str):
    slash = w.rfind("/")
    dot = w.rfind(".")
    return w[dot + 1 :] if dot > slash else None


_QUOTE_META = set(" \t\n\"'\\#$&()*;<>?[]^`{|}~")


def _quote(value: str, dollars: bool) -> str:
    out = []
    for c in value:
        if c == "\n":
            out.append("' '")
            continue
        if c in _QUOTE_META:
            out.append("\\")
        out.append(c)
        if dollars and c == "$":
            out.append("$")
    return "".join(out)


def _sort(value: str, flags: str) -> str:
    words = _words(value)
    if "x" in flags:
        return " ".join(words)  # reproducible: no shuffle
    if "n" in flags:
        def key(w):
            m = re.match(r"[+-]?\d+", w)
            return int(m.group()) if m else 0
        words.sort(key=key, reverse="r" in flags)
    else:
        words.sort(reverse="r" in flags)
    return " ".join(words)


def _mod_t(text, j, close, value):
    """:tl :tu :tA :tW :tw :ts<c>; returns (value, next index, matched)."""
    n = len(text)
    c = text[j + 1]
    after = text[j + 2] if j + 2 < n else ""
    if c in "luAWw" and after in (":", close):
        if c == "l":
            value = value.lower()
        elif c == "u":
            value = value.upper()
        elif c == "A":
            value = " ".join(os.path.realpath(w) for w in _words(value))
        return value, j + 2, True
    if c == "s":
        k = j + 2
        if k >= n:
            raise ExpandError("unclosed variable expression (':ts' at the end)")
        if text[k] in (":", close):
            return "".join(_words(value)), k, True
        if text[k] == "\\" and k + 1 < n:
            esc = text[k + 1]
            table = {"n": "\n", "t": "\t", "\\": "\\", ":": ":"}
            if esc in table:
                return table[esc].join(_words(value)), k + 2, True
            m = re.match(r"[0-7]+", text[k + 1 :])
            if m:
                return chr(int(m.group(), 8)).join(_words(value)), k + 1 + len(m.group()), True
        return text[k].join(_words(value)), k + 1, True
    return value, j, False


def _select_words(sel: str, value: str, defined: bool = True) -> str:
    words = _words(value)
    sel = sel.strip()
    if sel == "#":
        return str(len(words or [""])) if defined else ""
    if sel in ("*", "0"):
        return " ".join(words)
    if sel == "@":
        return " ".join(words)
    m = re.fullmatch(r"(-?\d+)(?:\.\.(-?\d+))?", sel)
    if not m:
        raise ExpandError(f"bad word selector ':[{sel}]'")

    def idx(s):
        v = int(s)
        return v - 1 if v > 0 else len(words) + v

    a = idx(m.group(1))
    b = idx(m.group(2)) if m.group(2) else a
    step = 1 if b >= a else -1
    out = [words[k] for k in range(a, b + step, step) if 0 <= k < len(words)]
    return " ".join(out)


def _sysv(word: str, lhs: str, rhs: str) -> str:
    if "%" in lhs:
        pre, _, suf = lhs.partition("%")
        if word.startswith(pre) and word.endswith(suf) and len(word) >= len(pre) + len(suf):
            stem = word[len(pre) : len(word) - len(suf)]
            return rhs.replace("%", stem, 1) if "%" in rhs else rhs
        return word
    if word.endswith(lhs):
        return word[: len(word) - len(lhs)] + rhs
    return word


_re_cache: dict[str, re.Pattern] = {}

_POSIX_CLASSES = {
    "[:alpha:]": "a-zA-Z",
    "[:digit:]": "0-9",
    "[:alnum:]": "a-zA-Z0-9",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:space:]": r" \t\n\r\f\v",
    "[:xdigit:]": "0-9A-Fa-f",
    "[:punct:]": r"!-/:-@\[-`{-~",
}


def _compile_ere(pattern: str) -> re.Pattern:
    rx = _re_cache.get(pattern)
    if rx is None:
        py = pattern
        for k, v in _POSIX_CLASSES.items():
            py = py.replace(k, v)
        try:
            rx = re.compile(py)
        except re.error as exc:
            raise ExpandError(f"bad regular expression '{pattern}' in :C modifier: {exc}") from None
        _re_cache[pattern] = rx
    return rx


def _mod_subst(scope, text, j, close, value, keep_undef, locals_, depth, defined=True):
    """:S/old/new/flags and :C/regex/repl/flags."""
    kind = text[j]
    n = len(text)
    if j + 1 >= n:
        raise ExpandError(f"missing delimiter for ':{kind}' modifier")
    delim = text[j + 1]
    old_raw, k = _scan_raw(text, j + 2, delim)
    new_raw, k = _scan_raw(text, k + 1, delim)
    flags, k = _scan_raw(text, k + 1, ":" + close)
    for f in flags:
        if f not in "g1W":
            raise ExpandError(f"unknown flag '{f}' in ':{kind}' modifier")
    words = [value] if "W" in flags else _one_word_at_least(value, defined)
    once = "1" in flags
    glob = "g" in flags
    if kind == "S":
        anchor_start = old_raw.startswith("^")
        if anchor_start:
            old_raw = old_raw[1:]
        anchor_end = old_raw.endswith("$") and not old_raw.endswith("\\$")
        if anchor_end:
            old_raw = old_raw[:-1]
        old = _expand_part(scope, old_raw, delim, keep_undef, locals_, depth + 1)
        new = _expand_part(scope, new_raw, delim, keep_undef, locals_, depth + 1)
        out = []
        done = False
        for w in words:
            if done:
                out.append(w)
                continue
            r = _subst_word(w, old, new, anchor_start, anchor_end, glob)
            if once and r != w:
                done = True
            out.append(r)
        return " ".join(x for x in out if x != ""), k
    pattern = _expand_part(scope, old_raw, delim, keep_undef, locals_, depth + 1)
    repl = _expand_part(scope, new_raw, delim, keep_undef, locals_, depth + 1)
    rx = _compile_ere(pattern)

    def replace(mo):
        res = []
        i = 0
        while i < len(repl):
            c = repl[i]
            if c == "\\" and i + 1 < len(repl):
                d = repl[i + 1]
                if d.isdigit():
                    res.append(mo.group(int(d)) or "")
                else:
                    res.append(d)
                i += 2
                continue
            if c == "&":
                res.append(mo.group(0))
            else:
                res.append(c)
            i += 1
        return "".join(res)

    out = []
    done = False
    for w in words:
        if done:
            out.append(w)
            continue
        r = rx.sub(replace, w, count=0 if glob else 1)
        if once and rx.search(w):
            done = True
        out.append(r)
    return " ".join(x for x in out if x != ""), k


def _subst_word(w, old, new, a_start, a_end, glob):
    def rep():
        return new.replace("\\&", "\x00").replace("&", old).replace("\x00", "&")

    if a_start and a_end:
        return rep() if w == old else w
    if a_start:
        return rep() + w[len(old) :] if w.startswith(old) else w
    if a_end:
        return w[: len(w) - len(old)] + rep() if w.endswith(old) else w
    if old == "":
        return w
    if glob:
        return w.replace(old, rep())
    return w.replace(old, rep(), 1)
