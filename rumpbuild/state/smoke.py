"""What the smoke test (rumpbuild/smoke/runner.py) does differently with `--state FILE`."""

from __future__ import annotations

from pathlib import Path

from rumpbuild.state.model import State

WRONG_KEY_HINT = ("; through cgd a wrong key (or cipher, key length, IV method) reads as garbage, so the "
                  "file system does not recognise it: check the state file's key")


def _stack(state: State, device: str) -> tuple[list, bool]:
    """(host disks under *device*, whether a cgd lies on the way down)."""
    step = next((s for s in state.steps if s.device == device), None)
    if step is None:
        return [], False
    disks, crypt = [], step.kind == "cgd"
    for d in ([step.disk] if step.kind == "cgd" else step.components):
        if d.device:
            below, c = _stack(state, d.device)
            disks += below
            crypt = crypt or c
        elif d.path:
            disks.append(d)
    return disks, crypt


def hostimage_check(state: State, needles: list[bytes]) -> tuple[str, str]:
    """After the run, the host images under the mounted device: through a cgd they hold none of
    *needles* (ciphertext only); on RAID alone the first needle reached them (a degraded mirror
    writes one half)."""
    disks, crypt = _stack(state, state.mount.base_device)
    paths = [d.path for d in disks]
    if not paths:
        return "SKIP", "no host image under the mounted device"
    if crypt:
        leaks = [(p, n) for p in paths for n in needles if n in Path(p).read_bytes()]
        if leaks:
            return "FAIL", f"plaintext {leaks[0][1][:24]!r}… found in the host file {leaks[0][0]}"
        return "PASS", f"no plaintext of the written data in {len(paths)} host image(s) under cgd"
    holding = [p for p in paths if needles[0] in Path(p).read_bytes()]
    if not holding:
        return "FAIL", f"the new file's data is in none of the {len(paths)} host images under {state.mount.device}"
    raid1 = any(s.kind == "raid" and s.level == 1 for s in state.steps)
    note = ""
    if raid1 and len(holding) < len(paths):  # a failed half is not written: the set ran degraded
        note = " (ran degraded: rebuild = \"…\" in [[raid]] restores the mirror)"
    return "PASS", f"the new file's data is in {len(holding)} of {len(paths)} host images{note}"
