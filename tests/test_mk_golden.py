"""Golden tests for the bmake evaluator (rumpbuild.mk) against real bmake output.

The cases live in tests/golden/mk/ (see its README.md).  Expected values were
produced by tests/golden/mk/regen.py with Debian's bmake; these tests only
need the Python evaluator, never bmake.

The runner deliberately does not chdir into the case folder: the evaluator
must resolve relative paths (.include, exists(), .PATH, '!=' commands) against
.CURDIR, i.e. the Makefile's folder, whatever the process's working directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "mk"
OK_CASES = sorted(p for p in (GOLDEN / "ok").iterdir() if p.is_dir())
ERROR_CASES = sorted(p for p in (GOLDEN / "errors").iterdir() if p.is_dir())
WARNING_CASES = [p for p in OK_CASES if (p / "expected-warnings.txt").exists()]


def _ids(cases):
    return [p.name for p in cases]


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    """NAME=value lines; the value is everything after the first '=',
    kept exactly (it may be empty or have leading spaces)."""
    pairs = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path}: line without '=': {line!r}"
        pairs.append((name, value))
    return pairs


def _cmdline_vars(case: Path) -> dict[str, str]:
    vars_file = case / "vars.txt"
    return dict(_read_pairs(vars_file)) if vars_file.exists() else {}


def _read_error(case: Path) -> tuple[str, int, str]:
    lines = (case / "expected-error.txt").read_text().splitlines()
    file, _, line = lines[0].rpartition(":")
    return file, int(line), lines[1] if len(lines) > 1 else ""


def _read_warnings(case: Path) -> list[tuple[str, int, str]]:
    out = []
    for line in (case / "expected-warnings.txt").read_text().splitlines():
        if line.strip():
            file, lineno, message = line.split(":", 2)
            out.append((file, int(lineno), message.strip()))
    return out


def _evaluate(case: Path):
    from rumpbuild.mk import Evaluator

    ev = Evaluator(cmdline_vars=_cmdline_vars(case))
    ev.evaluate_file(str(case / "Makefile"))
    return ev


# --------------------------------------------------------------------------
# Corpus sanity (does not need the evaluator)


@pytest.mark.parametrize("case", OK_CASES, ids=_ids(OK_CASES))
def test_ok_case_well_formed(case):
    assert (case / "Makefile").is_file()
    pairs = _read_pairs(case / "expected.txt")
    assert pairs, "expected.txt lists no variables"
    names = [n for n, _ in pairs]
    assert len(names) == len(set(names)), "duplicate variable in expected.txt"


@pytest.mark.parametrize("case", ERROR_CASES, ids=_ids(ERROR_CASES))
def test_error_case_well_formed(case):
    assert (case / "Makefile").is_file()
    file, line, desc = _read_error(case)
    target = case / file
    assert target.is_file(), f"expected-error.txt names a missing file {file}"
    assert 1 <= line <= len(target.read_text().splitlines())
    assert desc, "expected-error.txt needs a description line"


# --------------------------------------------------------------------------
# Evaluator against bmake's answers


@pytest.mark.parametrize("case", OK_CASES, ids=_ids(OK_CASES))
def test_ok_case(case):
    ev = _evaluate(case)
    mismatches = []
    for name, expected in _read_pairs(case / "expected.txt"):
        got = ev.value(name)
        if got != expected:
            mismatches.append(f"  {name}: expected {expected!r}, got {got!r}")
    assert not mismatches, (
        f"{case.name}: {len(mismatches)} value(s) differ from bmake:\n"
        + "\n".join(mismatches)
    )


@pytest.mark.parametrize("case", ERROR_CASES, ids=_ids(ERROR_CASES))
def test_error_case(case):
    from rumpbuild.errors import MakefileError

    file, line, desc = _read_error(case)
    with pytest.raises(MakefileError) as info:
        _evaluate(case)
    err = info.value
    where = f"{case.name} ({desc}): got {err}"
    assert Path(err.filename).resolve() == (case / file).resolve(), where
    assert err.lineno == line, where


@pytest.mark.parametrize("case", WARNING_CASES, ids=_ids(WARNING_CASES))
def test_warnings(case):
    """.warning lines are recorded (file, line, message) and do not stop
    evaluation; .warning in an untaken branch records nothing."""
    ev = _evaluate(case)
    expected = _read_warnings(case)
    got = list(ev.warnings)
    assert len(got) == len(expected), f"expected {expected}, got {got}"
    for (efile, eline, emsg), (gfile, gline, gmsg) in zip(expected, got):
        assert Path(gfile).resolve() == (case / efile).resolve(), (expected, got)
        assert gline == eline, (expected, got)
        assert emsg in str(gmsg), (expected, got)
