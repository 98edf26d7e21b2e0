"""The result of a smoke test: named steps, each PASS, FAIL or SKIP, as `rumpbuild test` prints them.

Its own module: the smoke test (rumpbuild.smoke) and the zfs round trip it
hands zfs to (rumpbuild.zfs.roundtrip) both fill one, and neither package
imports the other's internals for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Step:
    name: str
    status: str  # PASS | FAIL | SKIP
    detail: str = ""
    variant: str = ""  # static | shared


@dataclass
class SmokeResult:
    component: str
    arch: str
    steps: list[Step] = field(default_factory=list)
    on_step: object = None  # called with each Step as it is added (`rumpbuild test` prints it at once)

    @property
    def ok(self) -> bool:
        return all(s.status != "FAIL" for s in self.steps) and any(s.status == "PASS" for s in self.steps)

    def add(self, name, status, detail="", variant=""):
        self.steps.append(Step(name, status, detail, variant))
        if self.on_step is not None:
            self.on_step(self.steps[-1])
        return self.steps[-1]
