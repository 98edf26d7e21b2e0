"""Progress of a CI run: a live display in a terminal, plain lines in CI logs.

Live (stderr is a terminal and $CI is unset): finished steps scroll above
two bars, the whole matrix and the component being built (its compile
steps).  Plain: one line per finished step, for logs.  Quiet: nothing.
The object is also the per-step callback BuildSession.build takes
(begin(total), then (kind, path) per compile/archive/link step).
"""

from __future__ import annotations

import os
import sys

from rumpbuild.steps.tools import error_lines

SYMBOL = {"PASS": "[green]PASS[/]", "FAIL": "[bold red]FAIL[/]", "SKIP": "[yellow]SKIP[/]"}


def live_wanted(stream=None) -> bool:
    stream = stream or sys.stderr
    return stream.isatty() and not os.environ.get("CI")


class CIProgress:
    def __init__(self, total: int, quiet: bool = False, live: bool | None = None):
        self.total = total
        self.finished = 0
        self.quiet = quiet
        self.live = (live_wanted() if live is None else live) and not quiet
        self.echo = False  # run_scons: do not echo compiler output (it goes into the report)
        self._what = ""

    # -- context ------------------------------------------------------------
    def __enter__(self):
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._rich = Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), transient=True)
            self._rich.__enter__()
            self._matrix = self._rich.add_task("matrix", total=self.total)
            self._steps = self._rich.add_task("", total=1, visible=False)
        return self

    def __exit__(self, *exc):
        if self.live:
            self._rich.__exit__(*exc)
        return False

    # -- matrix -------------------------------------------------------------
    def start(self, arch: str, name: str, step: str) -> None:
        self._what = f"{arch} {name} {step}"
        if self.live:
            self._rich.update(self._steps, description=self._what, completed=0, total=1, visible=True)

    def done(self, arch: str, name: str, step: str, result) -> None:
        self.finished += 1
        first = (result.detail or "").strip().splitlines()
        why = f"  {first[0][:100]}" if first and result.status != "PASS" else ""
        # a failed build's first compiler `error:` lines (file:line), under its line
        errors = error_lines(first) if result.status == "FAIL" else []
        text = f"[{self.finished:>{len(str(self.total))}}/{self.total}] {arch:<9} {name:<12} {step:<6}"
        if self.live:
            from rich.markup import escape

            self._rich.console.print(f"{escape(text)} {SYMBOL[result.status]} {result.seconds:6.1f} s{escape(why)}",
                                     highlight=False, markup=True)
            for line in errors:
                self._rich.console.print("    " + line, highlight=False, markup=False, soft_wrap=True)
            self._rich.update(self._matrix, advance=1)
            self._rich.update(self._steps, visible=False)
        elif not self.quiet:
            print(f"{text} {result.status} {result.seconds:6.1f} s{why}", file=sys.stderr, flush=True)
            for line in errors:
                print("    " + line, file=sys.stderr, flush=True)

    # -- BuildSession.build's per-step protocol -----------------------------
    def begin(self, total: int) -> None:
        if self.live:
            self._rich.update(self._steps, total=max(total, 1), completed=0)

    def __call__(self, kind: str, path: str) -> None:
        if self.live:
            self._rich.update(self._steps, advance=1, description=f"{self._what}: {kind} {os.path.basename(path)}"[:60])
