"""Fuzzing the make evaluator with mutated Makefiles (issue 16).

Seeds are the golden cases (tests/golden/mk) and the example tree's
component Makefiles; hypothesis mutates them line- and character-wise with
the characters and lines make cares about.  The bar:

- the evaluator never raises anything but a UserError (MakefileError), both
  alone and as `scan` evaluates a component inside a tree;
- where bmake is installed, for the golden cases: both accept the Makefile and
  agree on every variable's value, or both refuse it.

Bounded for CI (about a minute on a shared machine): a fixed number of
examples, no deadline, no example database.  RUMPBUILD_FUZZ_EXAMPLES=N
multiplies the examples for a longer local run; a failure prints the
Makefile that caused it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

# Hypothesis keeps caches in ./.hypothesis even without a database (from the
# first @given on): a temporary folder instead, removed when the run ends.
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="rumpbuild-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

from rumpbuild.errors import UserError  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden" / "mk"
OK_CASES = sorted(p for p in (GOLDEN / "ok").iterdir() if p.is_dir())
ALL_CASES = OK_CASES + sorted(p for p in (GOLDEN / "errors").iterdir() if p.is_dir())
SCALE = int(os.environ.get("RUMPBUILD_FUZZ_EXAMPLES", "1"))
BMAKE = shutil.which("bmake")


def _settings(n: int):
    # CI runs the same examples every time (derandomize); a longer local run explores new ones
    return settings(max_examples=n * SCALE, deadline=None, database=None, print_blob=True, derandomize=SCALE == 1,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# Lines and characters make gives a meaning to; mutations draw from these.
SNIPPETS = [
    ".if ${X}", ".if defined(X)", ".if !empty(Y:M*.c)", ".if ${N} > 2", ".if \"${X}\" == \"a\"",
    ".elif make(all)", ".else", ".endif", ".ifdef X", ".ifndef Y",
    ".for v in a b c", ".for a b in 1 2 3 4", ".endfor", ".undef X", ".warning w ${X}", ".error stop",
    ".include \"nothere.mk\"", ".-include \"nope.mk\"", ".include <missing.mk>",
    "X= ${Y:S/a/b/g}", "X+= ${Y:C/[0-9]+/N/}", "Y?= ${X:U${N}}", "Z:= ${Z} ${X}", "N= 3",
    "A= ${A}", "B= ${X:[2..-1]}", "C= ${X:@w@<${w}>@}", "D= ${X:ts,:Q}", "E= ${X:O:u:tl}",
    "F= ${${X}:?yes:no}", "G= ${X:R:E:H:T}", "H= ${X:%.c=%.o}", "S!= echo ${X}", "T!= exit 1",
    "\tX= tab", "all: ${X}", "\techo ${.TARGET}", ".PATH: ${.CURDIR}", "X = a\\", "  b", "# comment",
]
CHARS = "${}():=!?+\t\\#.@[]\"'*<>|&%^,;/ \nXYZabc019-_"


LINE_MUTATIONS = ["insert line", "delete line", "duplicate line", "swap lines"]
CHAR_MUTATIONS = ["insert char", "delete chars", "replace char"]


@st.composite
def mutated(draw, seeds, kinds=LINE_MUTATIONS + CHAR_MUTATIONS):
    """(seed folder, mutated Makefile text)."""
    folder, text = draw(st.sampled_from(seeds))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if kind == "insert line":
            lines.insert(at, draw(st.sampled_from(SNIPPETS)))
        elif kind == "delete line" and len(lines) > 1:
            del lines[at]
        elif kind == "duplicate line" and lines:
            lines.insert(at, lines[at])
        elif kind == "swap lines" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif lines:
            line = lines[at]
            pos = draw(st.integers(0, len(line)))
            if kind == "insert char":
                line = line[:pos] + draw(st.sampled_from(CHARS)) + line[pos:]
            elif kind == "delete chars":
                line = line[:pos] + line[pos + draw(st.integers(1, 4)):]
            elif pos < len(line):
                line = line[:pos] + draw(st.sampled_from(CHARS)) + line[pos + 1:]
            lines[at] = line
    return folder, "\n".join(lines)


def _seeds(cases):
    return [(case, (case / "Makefile").read_text()) for case in cases]


def _assigned_names(text: str) -> list[str]:
    names = re.findall(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*[+?:!]?=", text, re.M)
    return list(dict.fromkeys(names))


@pytest.fixture(autouse=True)
def _bounded_shell(monkeypatch):
    """Mutated `!=` commands must not stall the run."""
    from rumpbuild.mk import evaluator

    monkeypatch.setattr(evaluator, "SHELL_TIMEOUT", 3)
    monkeypatch.setattr(evaluator, "SHELL_OUTPUT_LIMIT", 1 << 20)


def _workdir(tmp_path_factory, folder: Path) -> Path:
    """A fresh copy of the seed's folder (its includes and subfolders), resolved like bmake's getcwd."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("fuzz")))
    shutil.copytree(folder, work / "case")
    return work / "case"


def _evaluate(case: Path, text: str):
    """(values, None) or (None, error); anything but a UserError escapes (a test failure)."""
    from rumpbuild.mk import Evaluator

    (case / "Makefile").write_text(text)
    try:
        ev = Evaluator()
        ev.evaluate_file(str(case / "Makefile"))
        names = _assigned_names(text)
        return {name: ev.value(name) for name in names}, None
    except UserError as exc:
        return None, exc


@_settings(150)
@given(mutated(_seeds(ALL_CASES)))
def test_mutated_golden_makefiles_never_traceback(tmp_path_factory, example):
    folder, text = example
    _evaluate(_workdir(tmp_path_factory, folder), text)


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory, example_tree):
    dst = tmp_path_factory.mktemp("fuzztree") / "src"
    shutil.copytree(example_tree, dst)
    return dst


TREE_MAKEFILES = ["sys/rump/fs/lib/libmsdos/Makefile", "sys/rump/fs/lib/libtmpfs/Makefile",
                  "sys/rump/dev/lib/libdisk/Makefile", "sys/modules/cpiofs/Makefile"]


@_settings(100)
@given(data=st.data())
def test_mutated_tree_makefiles_never_traceback(tree_copy, example_tree, data):
    from rumpbuild.arch import resolve
    from rumpbuild.tree import find_tree
    from rumpbuild.tree.scan import evaluate

    seeds = [(rel, (example_tree / rel).read_text()) for rel in TREE_MAKEFILES]
    rel, text = data.draw(mutated(seeds))
    makefile = tree_copy / rel
    original = makefile.read_text()
    makefile.write_text(text)
    try:
        entry = evaluate(find_tree(str(tree_copy)), "component", makefile.parent.name[3:], str(makefile), "fs",
                         resolve("amd64").make_vars())
    finally:
        makefile.write_text(original)
    if entry.error:  # an error names a real file and line, never "<command line>"
        assert os.path.isabs(entry.error["file"]), entry.error


# Pieces of expressions: random strings of them reach the modifier parsers' corners.
ATOMS = ["${", "}", "$(", ")", ":", "X", "Y", "U", "D", "S", "C", "M", "N", "t", "s", "l", "[", "]", "@",
         "?", "=", "%", "/", ",", "\\", "1", "-", ".", "#", "*", "g", "W", "O", "r", "n", "Q", "q", "R", "E",
         "H", "T", "u", "L", "^", "$", "&", "(", '"', "!", "<", " ", "A", "x"]
FORMS = ["V= ${X:%s}", "V= %s", ".if %s\nV= 1\n.endif", "V:= ${X:%s}", ".for i in %s\nV+= ${i}\n.endfor",
         "%s= 1", "V= ${%s}"]


@_settings(400)
@given(st.sampled_from(FORMS), st.lists(st.sampled_from(ATOMS), min_size=1, max_size=14).map("".join))
def test_random_expressions_never_traceback(tmp_path_factory, form, expr):
    case = Path(os.path.realpath(tmp_path_factory.mktemp("expr")))
    _evaluate(case, "X= a b.c d/e 12\nY= X\n" + form % expr + "\nW= ${V}\n")


def _bmake(case: Path, names: list[str]):
    """(values, None) or (None, stderr) as bmake -r evaluates the case folder's Makefile."""
    args = [BMAKE, "-r", "-f", "Makefile"]
    for name in names:
        args += ["-V", "${%s}" % name]
    args += ["-V", "end"]  # at least one -V: bmake then builds no target
    try:
        p = subprocess.run(args, cwd=case, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                           capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return None, None
    err = p.stderr.decode("utf-8", "replace")
    # bmake reports some errors (an unknown modifier in -V) and exits 0: any message of its own but a
    # warning fails (a `!=` command's stderr is the command's)
    problems = [l for l in err.splitlines() if l.startswith("bmake:") and "warning:" not in l]
    if p.returncode != 0 or problems:
        return None, err
    out = p.stdout.decode("utf-8", "surrogateescape").split("\n")[:-2]
    if len(out) != len(names):
        return None, None  # a value with a newline in it: not comparable line by line
    return dict(zip(names, out)), None


# Line mutations only: the golden cases' lines recombined, with make's directives and
# modifiers inserted.  Character-level noise finds corners where bmake itself is
# inconsistent (half-parsed names, quietly dropped lines); those are left to the
# no-traceback tests above.
@pytest.mark.skipif(BMAKE is None, reason="bmake is not installed (apt-get install bmake)")
@_settings(150)
@given(mutated(_seeds(OK_CASES), LINE_MUTATIONS))
def test_mutated_makefiles_agree_with_bmake(tmp_path_factory, example):
    folder, text = example
    case = _workdir(tmp_path_factory, folder)
    ours, our_error = _evaluate(case, text)
    names = _assigned_names(text)
    theirs, their_error = _bmake(case, names)
    if theirs is None and their_error is None:
        return  # bmake timed out or printed a multi-line value
    if ours is None or theirs is None:
        assert ours is None and theirs is None, (
            f"rumpbuild {'refused: ' + str(our_error) if ours is None else 'accepted'}, "
            f"bmake {'refused: ' + their_error if theirs is None else 'accepted'}\n--- Makefile:\n{text}")
        return
    differ = {n: (ours[n], theirs[n]) for n in names if ours[n] != theirs[n]}
    assert not differ, f"values differ (rumpbuild, bmake): {differ}\n--- Makefile:\n{text}"
