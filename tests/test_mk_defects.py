"""Issue 16, make evaluation: each defect as the evaluator must handle it.

Every case writes a small Makefile under tmp_path and evaluates it as
`scan` does; the expected outcome is what bmake does with the same file
(a value, or a refusal naming file and line) — never a Python traceback.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from rumpbuild.errors import MakefileError
from rumpbuild.mk import Evaluator, SystemMakefiles


def _evaluate(tmp_path: Path, text: str, name: str = "Makefile", sysmk=None) -> Evaluator:
    mf = tmp_path / name
    mf.write_text(text)
    ev = Evaluator(sysmk=sysmk)
    ev.evaluate_file(str(mf))
    return ev


def _refused(tmp_path: Path, text: str, sysmk=None) -> MakefileError:
    with pytest.raises(MakefileError) as info:
        _evaluate(tmp_path, text, sysmk=sysmk)
    return info.value


def _pid_gone(pid: int) -> bool:
    """True when *pid* no longer runs (gone, or a zombie waiting for its reaper)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


# -- defect 7: a `!=` that times out is killed, with everything it started --------------------------


def test_shell_timeout_kills_the_process_group(tmp_path, monkeypatch):
    from rumpbuild.mk import evaluator

    monkeypatch.setattr(evaluator, "SHELL_TIMEOUT", 1)
    pidfile = tmp_path / "pid"
    err = _refused(tmp_path, f"X!= sleep 1000 >/dev/null 2>&1 & echo $$! > {pidfile}; wait\n")
    assert "did not finish" in err.reason
    assert err.lineno == 1 and err.filename.endswith("Makefile")
    pid = int(pidfile.read_text())
    for _ in range(100):  # the kill is sent before the error; its delivery may take a moment
        if _pid_gone(pid):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        pytest.fail(f"the timed-out command's child {pid} still runs")


# -- defect 8: late expansion errors name where the variable was set ---------------------------------


@pytest.mark.parametrize("text, var, line", [
    ("SRCS= a.c\nCPPFLAGS+= -Ia\nCPPFLAGS+= ${SRCS:Z}\nCPPFLAGS+= -Ib\nall:\n", "CPPFLAGS", 3),
    ("B= x\nA= ${A}\nall:\n", "A", 2),
    ("B= ${UNDEF:S/a}\n\nC= ${B}\n", "C", 1),
    ("X= a\nY= ${X:C/(/b/}\n", "Y", 2),
    ("X= a\n\nY= ${X:[x]}\n", "Y", 3),
    ("X= a\nY= ${X:@v@${v}\n", "Y", 2),
    ("X= a\nY= ${\"a\" < \"b\":?1:2}\n", "Y", 2),
])
def test_late_expansion_error_names_the_assignment(tmp_path, text, var, line):
    ev = _evaluate(tmp_path, text)
    with pytest.raises(MakefileError) as info:
        ev.value(var)
    err = info.value
    assert Path(err.filename).resolve() == (tmp_path / "Makefile").resolve(), str(err)
    assert err.lineno == line, str(err)


def test_condition_error_inside_immediate_assignment_is_located(tmp_path):
    err = _refused(tmp_path, "A= 1\nX:= ${\"a\" < \"b\":?1:2}\n")
    assert err.lineno == 2


# -- defect 9: bounded nesting and captured output -------------------------------------------------


def test_deeply_nested_for_is_a_clear_error(tmp_path):
    depth = 500
    text = "".join(f".for v{k} in a\n" for k in range(depth)) + "X= 1\n" + ".endfor\n" * depth
    err = _refused(tmp_path, text)
    assert "nest" in err.reason


def test_moderately_nested_for_still_works(tmp_path):
    depth = 30
    text = "".join(f".for v{k} in a b\n" for k in range(depth // 10)) + "X+= 1\n" + ".endfor\n" * (depth // 10)
    assert _evaluate(tmp_path, text).value("X") == " ".join(["1"] * 8)


def test_deeply_nested_condition_is_a_clear_error(tmp_path):
    err = _refused(tmp_path, ".if " + "(" * 3000 + "1" + ")" * 3000 + "\nX= 1\n.endif\n")
    assert err.lineno == 1 and "nests" in err.reason


def test_long_negation_chain_is_evaluated(tmp_path):
    ev = _evaluate(tmp_path, ".if " + "!" * 3000 + "1\nX= 1\n.endif\n.if " + "!" * 3001 + "1\nY= 1\n.endif\n")
    assert (ev.value("X"), ev.value("Y")) == ("1", "")


def test_shell_output_is_bounded(tmp_path, monkeypatch):
    from rumpbuild.mk import evaluator

    monkeypatch.setattr(evaluator, "SHELL_OUTPUT_LIMIT", 1 << 20)
    err = _refused(tmp_path, "A= 1\nX!= cat /dev/zero\n")
    assert err.lineno == 2
    assert "output" in err.reason


def test_shell_output_under_the_bound_is_kept(tmp_path, monkeypatch):
    from rumpbuild.mk import evaluator

    monkeypatch.setattr(evaluator, "SHELL_OUTPUT_LIMIT", 1 << 20)
    ev = _evaluate(tmp_path, "X!= head -c 1000 /dev/zero | tr '\\0' a\n")
    assert ev.value("X") == "a" * 1000


# -- defect 10: refused as bmake refuses --------------------------------------------------------------


def test_if_undefined_variable_is_refused(tmp_path):
    err = _refused(tmp_path, "A= 1\n.if ${UNDEF}\nX= 1\n.endif\n")
    assert err.lineno == 2 and "UNDEF" in err.reason


def test_negated_if_undefined_variable_is_refused(tmp_path):
    err = _refused(tmp_path, ".if !${UNDEF}\nX= 1\n.endif\n")
    assert err.lineno == 1


@pytest.mark.parametrize("cond", ["${UNDEF:M*}", "${${:UUNDEF}}", "(${UNDEF})", "${UNDEF} == \"\""])
def test_if_undefined_expression_forms_are_refused(tmp_path, cond):
    err = _refused(tmp_path, f"A= 1\n.if {cond}\nX= 1\n.endif\n")
    assert err.lineno == 2


def test_if_undefined_with_default_is_fine(tmp_path):
    ev = _evaluate(tmp_path, ".if ${UNDEF:U1}\nX= 1\n.endif\n.if ${UNDEF:U}\nX= 2\n.endif\n")
    assert ev.value("X") == "1"


def test_include_missing_system_makefile_is_refused(tmp_path):
    err = _refused(tmp_path, "A= 1\n.include <missing.mk>\n", sysmk=SystemMakefiles())
    assert err.lineno == 2 and "missing.mk" in err.reason


def test_include_missing_system_makefile_without_models_is_refused(tmp_path):
    err = _refused(tmp_path, ".include <missing.mk>\n")
    assert err.lineno == 1


def test_optional_include_missing_system_makefile_is_fine(tmp_path):
    ev = _evaluate(tmp_path, ".-include <missing.mk>\nX= 1\n", sysmk=SystemMakefiles())
    assert ev.value("X") == "1"


def test_unmodelled_system_makefile_of_the_tree_is_a_warning(tmp_path):
    share = tmp_path / "src" / "share" / "mk"
    share.mkdir(parents=True)
    (share / "bsd.unmodelled.mk").write_text("Y= 1\n")
    mf = tmp_path / "Makefile"
    mf.write_text(".include <bsd.unmodelled.mk>\nX= 1\n")
    ev = Evaluator({"NETBSDSRCDIR": str(tmp_path / "src")}, SystemMakefiles())
    ev.evaluate_file(str(mf))
    assert ev.value("X") == "1"
    assert any("bsd.unmodelled.mk" in w[2] for w in ev.warnings)


def test_tab_indented_assignment_is_refused(tmp_path):
    err = _refused(tmp_path, "Y= 2\n\tX= 1\nall:\n")
    assert err.lineno == 2 and "shell command" in err.reason


def test_tab_indented_line_after_a_rule_is_a_command(tmp_path):
    ev = _evaluate(tmp_path, "all:\n\tX= 1\nY= 2\n\t# a comment alone is fine\n")
    assert ev.value("X") == "" and ev.value("Y") == "2"


def test_included_file_ends_the_rule(tmp_path):
    """As bmake: a rule's commands may go on into an included file, but not past its end."""
    (tmp_path / "inc.mk").write_text("\techo from inc\nQ= 1\n")
    ev = _evaluate(tmp_path, "all:\n\techo\n.include \"inc.mk\"\nZ= 2\n")
    assert ev.rules["all"][1] == ["echo", "echo from inc"]
    (tmp_path / "inc.mk").write_text("Q= 1\n")
    err = _refused(tmp_path, "all:\n\techo\n.include \"inc.mk\"\n\tW= 1\n")
    assert err.lineno == 4


def test_tab_indented_comment_outside_a_rule_is_fine(tmp_path):
    ev = _evaluate(tmp_path, "Y= 2\n\t# nothing\n\t\nZ= 3\n")
    assert ev.value("Z") == "3"


def test_failed_shell_command_is_a_warning(tmp_path):
    ev = _evaluate(tmp_path, "A= 1\nX!= exit 3\n")
    assert [(os.path.basename(f), l) for f, l, _m in ev.warnings] == [("Makefile", 2)]
    assert "status 3" in ev.warnings[0][2]


# -- found by the fuzz suite -------------------------------------------------------------------------


def test_ts_modifier_cut_by_a_comment_is_an_error(tmp_path):
    err = _refused(tmp_path, "X= a b\nV:= ${X:ts#cut}\n")
    assert err.lineno == 2
