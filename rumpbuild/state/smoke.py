"""What the smoke test (rumpbuild/smoke/runner.py) does differently with `--state FILE`."""

from __future__ import annotations

from pathlib import Path

from rumpbuild.state.model import State

WRONG_KEY_HINT = ("; through cgd a wrong key (or cipher, key length, IV method) reads as garbage, so the "
                  "file system does not recognise it: check the state file's key")


def hostimage_check(state: State, needles: list[bytes]) -> tuple[str, str]:
    """After the run: cgd images hold none of *needles* (ciphertext only); without cgd, the
    first needle reached the RAID's host components (a degraded mirror writes one half)."""
    cgd_images = [s.disk.path for s in state.steps if s.kind == "cgd" and s.disk.path]
    if cgd_images:
        leaks = [(p, n) for p in cgd_images for n in needles if n in Path(p).read_bytes()]
        if leaks:
            return "FAIL", f"plaintext {leaks[0][1][:24]!r}… found in the host file {leaks[0][0]}"
        return "PASS", f"no plaintext of the written data in {len(cgd_images)} cgd host image(s)"
    for s in state.steps:
        if s.kind != "raid":
            continue
        paths = [d.path for d in s.components if d.path]
        holding = [p for p in paths if needles[0] in Path(p).read_bytes()]
        if not holding:
            return "FAIL", f"{s.device}: the new file's data is in none of its {len(paths)} host components"
        note = ""
        if s.level == 1 and len(holding) < len(paths):  # a failed half is not written: the set ran degraded
            note = f" (ran degraded: rebuild = \"…\" in [[raid]] restores the mirror)"
        return "PASS", f"{s.device}: the new file's data is in {len(holding)} of {len(paths)} components{note}"
    return "SKIP", "no host image to check"
